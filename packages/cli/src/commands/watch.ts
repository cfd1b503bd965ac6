import { createMemoryProblemStore, KvcsiError, partitionReadable, Watcher, type ProblemNotice, type ProblemSink, type WatchNote } from '@kvcsi/core';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import type { RunCommand } from '../main.js';
import { createCliRuntime } from '../runtime.js';

interface WatchCommandOptions {
  cluster?: string[];
  namespace?: string[];
  settle: string;
  for?: string;
}

function seconds(raw: string, field: string, rule: { min: number; max: number }): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < rule.min || value > rule.max) {
    throw new KvcsiError('INVALID_INPUT', `${field} ${JSON.stringify(raw)}: expected seconds, at least ${rule.min} and at most ${rule.max}`, { field, rule: `seconds, ${rule.min} ≤ n ≤ ${rule.max}` });
  }
  return value;
}

/** `1h 2m 3s` for how long a problem lasted. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts = [[Math.floor(total / 3600), 'h'], [Math.floor((total % 3600) / 60), 'm'], [total % 60, 's']] as const;
  const shown = parts.filter(([value]) => value > 0).map(([value, unit]) => `${value}${unit}`);
  return shown.length === 0 ? '0s' : shown.join(' ');
}

/** A problem as text: what, where, since when, and the fix; a resolved one in one line. */
export function noticeText(kind: 'new' | 'update', notice: ProblemNotice): string {
  const { finding } = notice;
  const state = notice.state === 'resolved' ? `RESOLVED after ${formatDuration((notice.resolvedAt ?? notice.openedAt) - notice.openedAt)}` : kind === 'new' ? 'PROBLEM' : 'UPDATED';
  const lines = [`[${state}] ${finding.id}: ${finding.title}`];
  if (notice.state === 'open') {
    lines.push(`  ${finding.summary}`);
    for (const workload of notice.workloads) lines.push(`  - ${workload.cluster} ${workload.namespace}/${workload.workload} since ${new Date(workload.since).toISOString()}`);
    for (const command of finding.fix.commands.slice(0, 3)) lines.push(`  fix: ${command}`);
    if (finding.action !== undefined) lines.push(`  action: kvcsi ${finding.action.kind} (the same request and approval flow as the bot's button)`);
  }
  return `${lines.join('\n')}\n`;
}

function noteText(note: WatchNote): string {
  if (note.kind === 'watch') return `[watch ${note.change.state}] ${note.cluster} ${note.resource}${note.change.reason === undefined ? '' : `: ${note.change.reason}`}\n`;
  if (note.kind === 'unwatchable') return `[watch unavailable] ${note.cluster}: ${note.reason}\n`;
  return `[diagnosis failed] ${note.cluster} ${note.namespace}/${note.pod}: ${note.reason}\n`;
}

/** Prints each problem when it opens, changes and resolves (text), or one JSON object per line (json). */
function terminalSink(context: CommandContext): ProblemSink {
  const json = context.options.format === 'json';
  let posted = 0;
  const write = (kind: 'new' | 'update', notice: ProblemNotice): void => {
    if (json) context.out(`${JSON.stringify({ event: kind === 'new' ? 'problem' : notice.state === 'resolved' ? 'resolved' : 'update', ...notice })}\n`);
    else context.out(noticeText(kind, notice));
  };
  return {
    async post(notice) {
      write('new', notice);
      posted += 1;
      return `terminal:${posted}`;
    },
    async update(_ref, notice) {
      write('update', notice);
    },
    note(note) {
      if (json) context.out(`${JSON.stringify({ event: 'note', ...note })}\n`);
      else context.out(noteText(note));
    },
  };
}

/**
 * The clusters the policy's `read` rules let the reader watch (issue 19): a cluster named with `-c` and denied is
 * refused; of the default "all", denied ones are left out and said so. Without read denials, all of them.
 */
async function readableOf(context: CommandContext, clusters: string[], named: boolean): Promise<string[]> {
  const reader = await context.reader;
  if (reader === undefined) return clusters;
  const { readable, denied } = await partitionReadable(await context.service, clusters, { reader });
  if (named && denied[0] !== undefined) throw denied[0].error;
  for (const { cluster, error } of denied) context.io.stderr.write(`Not watching ${cluster}: ${error.message}\n`);
  // The watch runs on a runtime of its own: close the service's now (in sandbox mode two in one process would both
  // answer each request).
  await context.close();
  if (readable.length === 0) throw new KvcsiError('FORBIDDEN', 'the policy lets you read none of the clusters', { rule: 'policy' });
  return readable;
}

async function runWatch(context: CommandContext, options: WatchCommandOptions): Promise<number> {
  const settleInMs = seconds(options.settle, '--settle', { min: 0, max: 600 }) * 1000;
  const forInMs = options.for === undefined ? undefined : seconds(options.for, '--for', { min: 0.1, max: 7 * 24 * 3600 }) * 1000;
  const named = options.cluster ?? context.registry.list().map((cluster) => cluster.name);
  for (const name of named) context.registry.get(name);
  const clusters = await readableOf(context, named, options.cluster !== undefined);
  // A watch outlives the command deadline every other command has: its own runtime, without `notAfter`.
  const runtime = createCliRuntime(context.io, context.registry, { sandbox: context.sandbox });
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = forInMs === undefined ? undefined : setTimeout(stop, forInMs);
  try {
    const watcher = new Watcher({
      clusters,
      clusterPort: (name) => runtime.clusterPort(name),
      vault: runtime.vault,
      registry: context.registry,
      store: createMemoryProblemStore(),
      sink: terminalSink(context),
      settleInMs,
      ...(options.namespace === undefined ? {} : { namespacesOf: () => options.namespace }),
    });
    if (context.options.format !== 'json') context.out(`Watching ${clusters.join(', ')}${options.namespace === undefined ? '' : ` (namespaces ${options.namespace.join(', ')})`}; Ctrl-C to stop.\n`);
    await watcher.run(controller.signal);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await runtime.close();
  }
  return EXIT_OK;
}

export function registerWatchCommand(program: Command, run: RunCommand): void {
  program
    .command('watch')
    .description('Watch the clusters for failing Key Vault mounts and synced Secrets: one diagnosed problem per workload and cause, printed when it opens and when it is resolved')
    .option('-c, --cluster <cluster...>', 'clusters of the configuration (default: all)')
    .option('-n, --namespace <namespace...>', 'only these namespaces (default: all)')
    .option('--settle <seconds>', 'wait this long after the first event of a workload before diagnosing it', '10')
    .option('--for <seconds>', 'stop after this long (default: until interrupted)')
    .addHelpText(
      'after',
      [
        '',
        'Watches events (FailedMount, FailedToCreateSecret, MountRotationFailed, SecretRotationFailed, kubelet Failed with',
        'Error: secret "…" not found) and pods waiting in CreateContainerConfigError. Replicas of one Deployment are one',
        'problem; a cause shared by several workloads is one problem listing them. --format json prints one JSON object a line.',
        '',
        'Examples:',
        '  kvcsi watch -c cafehyna-prd',
        '  kvcsi --sandbox watch -c cafehyna-prd -n defectdojo --for 30',
        '',
      ].join('\n'),
    )
    .action((options: WatchCommandOptions) => run((context) => runWatch(context, options)));
}
