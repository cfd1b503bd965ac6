import { REQUEST_STATUSES, type AccessRequest, type ActionResult, type RequestStatus } from '@kvcsi/core';
import { KvcsiError } from '@kvcsi/core/errors';
import { Option, type Command } from 'commander';
import { assertAsOnlyInSandbox } from '../actor.js';
import type { CommandContext } from '../context.js';
import { decideThroughServer, SERVER_SCOPE_ENV, SERVER_URL_ENV } from '../decide-remote.js';
import { EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';
import { formatTable } from '../table.js';
import { printDecision, requestToJson } from './act-output.js';

interface ListOptions {
  status?: RequestStatus;
  app?: string;
  cluster?: string;
  mine?: boolean;
  limit?: string;
}

function targetOf(request: AccessRequest): string {
  const what = request.kind === 'grant' || request.kind === 'revoke' ? request.target.app ?? '' : request.target.secretName ?? '';
  return `${what}@${request.target.cluster}`;
}

function describe(request: AccessRequest): string {
  const lines = [
    `Request ${request.id}`,
    `  kind          ${request.kind}`,
    `  status        ${request.status}`,
    `  target        ${targetOf(request)} (tier ${request.target.tier})${request.target.vault ? `, vault ${request.target.vault}` : ''}`,
    `  requester     ${request.requester}`,
    `  justification ${request.justification}`,
    `  created       ${request.createdAt}; expires ${request.expiresAt}`,
  ];
  if (request.approverGroup) lines.push(`  approvers     ${request.approverGroup}`);
  if (request.decision) lines.push(`  decided       by ${request.decision.by} at ${request.decision.at}${request.decision.reason ? `: ${request.decision.reason}` : ''}`);
  if (request.appliedAt) lines.push(`  applied       ${request.appliedAt}${request.outcome?.message ? `: ${request.outcome.message}` : ''}`);
  if (request.failureReason) lines.push(`  failed        ${request.failureReason}`);
  for (const [key, value] of Object.entries(request.details ?? {})) lines.push(`  ${key.padEnd(13)} ${value}`);
  return `${lines.join('\n')}\n`;
}

/** Outside the sandbox, with a server configured: the decision goes to the server with the user's Entra ID token. */
async function decideRemotely(context: CommandContext, decision: 'approve' | 'reject', requestId: string, reason: string | undefined): Promise<ActionResult | undefined> {
  assertAsOnlyInSandbox(context.options.as, context.sandbox);
  const serverUrl = context.io.env[SERVER_URL_ENV];
  if (context.sandbox || serverUrl === undefined || serverUrl === '') return undefined;
  const scope = context.io.env[SERVER_SCOPE_ENV];
  if (scope === undefined || scope === '') {
    throw new KvcsiError('CONFIG_INVALID', `${SERVER_SCOPE_ENV} must name kvcsi's API scope (e.g. api://kvcsi/.default) when ${SERVER_URL_ENV} is set`, { field: SERVER_SCOPE_ENV });
  }
  const token = await context.runtime.vault.accessToken(scope);
  return decideThroughServer({ serverUrl, token, requestId, decision, ...(reason !== undefined ? { reason } : {}) });
}

export function registerRequestsCommands(program: Command, run: RunCommand): void {
  const requests = program.command('requests').description('List, show, approve and reject requests (grants, revokes, secrets)');

  requests
    .command('list')
    .description('Requests, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices([...REQUEST_STATUSES]))
    .option('--app <app>', 'only this app')
    .option('-c, --cluster <cluster>', 'only this cluster')
    .option('--mine', 'only requests you made')
    .option('--limit <n>', 'at most n (default 50)')
    .action((options: ListOptions) =>
      run(async (context) => {
        const service = await context.service;
        const list = await service.listRequests({
          ...(options.status !== undefined ? { status: options.status } : {}),
          ...(options.app !== undefined ? { app: options.app } : {}),
          ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
          ...(options.mine ? { requester: (await context.actor).id } : {}),
          limit: options.limit !== undefined ? Math.max(1, Number.parseInt(options.limit, 10) || 50) : 50,
          ...(await context.readerOptions()),
        });
        if (context.options.format === 'json') {
          context.json({ requests: list.map(requestToJson) });
        } else if (list.length === 0) {
          context.out('No requests.\n');
        } else {
          context.out(formatTable(['ID', 'STATUS', 'KIND', 'TARGET', 'REQUESTER', 'CREATED'], list.map((r) => [r.id, r.status, r.kind, targetOf(r), r.requester, r.createdAt])));
        }
        return EXIT_OK;
      }),
    );

  requests
    .command('show')
    .description('One request in full')
    .argument('<id>', 'request id')
    .action((id: string) =>
      run(async (context) => {
        const request = await (await context.service).getRequest(id, await context.readerOptions());
        if (context.options.format === 'json') context.json({ request: requestToJson(request) });
        else context.out(describe(request));
        return EXIT_OK;
      }),
    );

  requests
    .command('approve')
    .description('Approve a request (not your own); grants, revokes and secret recoveries are then applied at once')
    .argument('<id>', 'request id')
    .option('--reason <text>', 'a note kept with the decision')
    .action((id: string, options: { reason?: string }) =>
      run(async (context) => {
        const remote = await decideRemotely(context, 'approve', id, options.reason);
        if (remote) return printDecision(context, remote);
        if (!context.sandbox) {
          throw new KvcsiError('FORBIDDEN', `approvals are made by a kvcsi server that authenticated you: set ${SERVER_URL_ENV} (the Backstage backend's /api/kvcsi) and ${SERVER_SCOPE_ENV} (kvcsi's API, e.g. api://kvcsi/.default), or approve in Slack or Backstage`, {
            field: SERVER_URL_ENV, rule: 'the CLI holds no decision key',
          });
        }
        const service = await context.service;
        const result = await service.approve({ actor: await context.actor, requestId: id, ...(options.reason !== undefined ? { reason: options.reason } : {}) });
        return printDecision(context, result);
      }),
    );

  requests
    .command('reject')
    .description('Reject a request (an approver), or withdraw your own')
    .argument('<id>', 'request id')
    .requiredOption('--reason <text>', 'why')
    .action((id: string, options: { reason: string }) =>
      run(async (context) => {
        const remote = await decideRemotely(context, 'reject', id, options.reason);
        if (remote) return printDecision(context, remote);
        // Without a server the CLI can only withdraw the user's own request; the core refuses anything else.
        const service = await context.service;
        return printDecision(context, await service.reject({ actor: await context.actor, requestId: id, reason: options.reason }));
      }),
    );
}
