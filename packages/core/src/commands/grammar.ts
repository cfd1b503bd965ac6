/**
 * The verbs of `/kvcsi`, their usage lines and the flags each accepts. One table, read by the parser (what is
 * allowed) and by every front end's help (what to show), so the two cannot drift apart.
 */

export const KVCSI_VERBS = ['help', 'clusters', 'status', 'bindings', 'diagnose', 'grant', 'revoke', 'secret', 'spc', 'requests', 'audit'] as const;
export type KvcsiVerb = (typeof KVCSI_VERBS)[number];

export interface FlagSpec {
  /** The key the parsed value is stored under. */
  key: FlagKey;
  /** Every spelling, long first: `--cluster`, `-c`. */
  names: readonly string[];
  /** Whether the flag takes a value (`-c cafehyna-prd`) or is a switch (`--dry-run`). */
  takesValue: boolean;
  repeatable?: boolean;
  description: string;
}

export type FlagKey =
  | 'cluster' | 'namespace' | 'app' | 'dryRun' | 'public' | 'help'
  | 'secret' | 'cert' | 'syncTo' | 'tls' | 'workloadIdentity' | 'name' | 'identityClientId';

export const FLAGS: Readonly<Record<FlagKey, FlagSpec>> = {
  cluster: { key: 'cluster', names: ['--cluster', '-c'], takesValue: true, description: 'the cluster (default: the channel’s cluster)' },
  namespace: { key: 'namespace', names: ['--namespace', '-n'], takesValue: true, description: 'the Kubernetes namespace' },
  app: { key: 'app', names: ['--app', '-a'], takesValue: true, description: 'the app' },
  dryRun: { key: 'dryRun', names: ['--dry-run'], takesValue: false, description: 'show the plan, change nothing' },
  public: { key: 'public', names: ['--public'], takesValue: false, description: 'post the answer in the channel instead of only to you' },
  help: { key: 'help', names: ['--help', '-h'], takesValue: false, description: 'usage of the command' },
  secret: { key: 'secret', names: ['--secret'], takesValue: true, repeatable: true, description: 'a Key Vault secret to mount, name[=file]' },
  cert: { key: 'cert', names: ['--cert'], takesValue: true, repeatable: true, description: 'a Key Vault certificate to mount, name[=file]' },
  syncTo: { key: 'syncTo', names: ['--sync-to'], takesValue: true, repeatable: true, description: 'sync to a Kubernetes Secret, secret[=file,…]' },
  tls: { key: 'tls', names: ['--tls'], takesValue: true, repeatable: true, description: 'a certificate as a kubernetes.io/tls Secret, cert[=secret]' },
  workloadIdentity: { key: 'workloadIdentity', names: ['--workload-identity'], takesValue: false, description: 'use workload identity instead of the cluster’s default' },
  name: { key: 'name', names: ['--name'], takesValue: true, description: 'the SecretProviderClass name (default: <app>-secrets)' },
  identityClientId: { key: 'identityClientId', names: ['--identity-client-id'], takesValue: true, description: 'the identity client id, when the cluster’s is discovered' },
};

export interface VerbSpec {
  verb: KvcsiVerb;
  /** One line per form, without the leading `/kvcsi`. */
  usage: readonly string[];
  summary: string;
  flags: readonly FlagKey[];
  /** Whether the command changes anything (front ends refuse writes from unknown users). */
  writes: boolean;
}

export const VERBS: Readonly<Record<KvcsiVerb, VerbSpec>> = {
  help: { verb: 'help', usage: ['help [<command>]'], summary: 'what kvcsi can do', flags: [], writes: false },
  clusters: { verb: 'clusters', usage: ['clusters'], summary: 'the clusters kvcsi knows, with their vaults and tiers', flags: [], writes: false },
  status: { verb: 'status', usage: ['status [-c <cluster>]'], summary: 'the health of a cluster’s CSI driver, provider and bindings', flags: ['cluster'], writes: false },
  bindings: { verb: 'bindings', usage: ['bindings [<app>] [-c <cluster>]'], summary: 'which apps mount which vault objects', flags: ['cluster'], writes: false },
  diagnose: {
    verb: 'diagnose',
    usage: ['diagnose <pod> -n <namespace> [-c <cluster>]', 'diagnose --app <app> [-c <cluster>]'],
    summary: 'why a pod or an app cannot mount its secrets, and the fix',
    flags: ['namespace', 'app', 'cluster'],
    writes: false,
  },
  grant: { verb: 'grant', usage: ['grant <app> <cluster> [--dry-run]'], summary: 'give the cluster’s identity read access to the app’s vault', flags: ['cluster', 'dryRun'], writes: true },
  revoke: { verb: 'revoke', usage: ['revoke <app> <cluster>'], summary: 'take that access away again', flags: ['cluster'], writes: true },
  secret: {
    verb: 'secret',
    usage: ['secret create <name> [-c <cluster>]', 'secret request <name> --app <app> [-c <cluster>]', 'secret recover <name> [--app <app>] [-c <cluster>]'],
    summary: 'create a secret (the value goes in a form, never in the command), ask for one, or recover a deleted one',
    flags: ['cluster', 'app'],
    writes: true,
  },
  spc: {
    verb: 'spc',
    usage: ['spc <app> [-c <cluster>] [-n <namespace>] --secret <name>[=<file>] … [--cert …] [--sync-to …] [--tls …] [--workload-identity]'],
    summary: 'render the SecretProviderClass and the workload snippet',
    flags: ['cluster', 'namespace', 'secret', 'cert', 'syncTo', 'tls', 'workloadIdentity', 'name', 'identityClientId'],
    writes: false,
  },
  requests: { verb: 'requests', usage: ['requests [<request-id>]'], summary: 'open requests, or one request', flags: [], writes: false },
  audit: { verb: 'audit', usage: ['audit <app>'], summary: 'who did what to an app’s access and secrets', flags: [], writes: false },
};

/** Flags every verb accepts. */
export const COMMON_FLAGS: readonly FlagKey[] = ['public', 'help'];

/** `/kvcsi <usage>` lines of a verb, or of every verb. */
export function usageLines(verb?: KvcsiVerb, commandName = '/kvcsi'): string[] {
  const verbs = verb === undefined ? KVCSI_VERBS : [verb];
  return verbs.flatMap((name) => VERBS[name].usage.map((line) => `${commandName} ${line}`));
}
