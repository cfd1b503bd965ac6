import type { AuditEvent } from '@kvcsi/core';
import type { Command } from 'commander';
import { EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';

interface AuditOptions {
  app?: string;
  cluster?: string;
  since?: string;
  request?: string;
  limit?: string;
}

function line(event: AuditEvent): string {
  const where = [event.where?.app, event.where?.cluster, event.where?.vault].filter(Boolean).join(' ');
  const parts = [event.at, event.actor, event.action, event.outcome];
  if (where) parts.push(`[${where}]`);
  if (event.requestId) parts.push(event.requestId);
  if (event.approver) parts.push(`approver=${event.approver}`);
  if (event.reason) parts.push(`— ${event.reason}`);
  return parts.join('  ');
}

export function registerAuditCommand(program: Command, run: RunCommand): void {
  program
    .command('audit')
    .description('Who did what, where and when: requests, approvals, applies, denials (append-only)')
    .option('--app <app>', 'only this app')
    .option('-c, --cluster <cluster>', 'only this cluster')
    .option('--since <when>', 'an instant (2026-01-01, RFC 3339) or a duration back from now (30m, 24h, 7d)')
    .option('--request <id>', 'only this request')
    .option('--limit <n>', 'the latest n events (default 100)')
    .addHelpText('after', '\nExamples:\n  kvcsi audit --app defectdojo --since 24h\n  kvcsi audit --request req-3k9x2m1q7z --format json\n')
    .action((options: AuditOptions) =>
      run(async (context) => {
        const events = await (await context.service).audit({
          ...(options.app !== undefined ? { app: options.app } : {}),
          ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
          ...(options.since !== undefined ? { since: options.since } : {}),
          ...(options.request !== undefined ? { requestId: options.request } : {}),
          ...(options.limit !== undefined ? { limit: Math.max(1, Number.parseInt(options.limit, 10) || 100) } : {}),
          ...(await context.readerOptions()),
        });
        if (context.options.format === 'json') context.json({ events });
        else context.out(events.length === 0 ? 'No audit events.\n' : `${events.map(line).join('\n')}\n`);
        return EXIT_OK;
      }),
    );
}
