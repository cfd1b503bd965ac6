/**
 * `/kvcsi` text → a typed command, or a usage error that names what was wrong. Pure and fast: front ends call it
 * before acknowledging, so it does no I/O. The cluster may be left out where a front end can supply a default
 * (the Slack channel's cluster); resolving it is the front end's job.
 */
import { editDistance } from '../clusters/registry.js';
import { checkDnsLabel, checkDnsSubdomain, checkKeyVaultObjectName } from '../spc/names.js';
import { COMMON_FLAGS, FLAGS, KVCSI_VERBS, VERBS, usageLines, type FlagKey, type FlagSpec, type KvcsiVerb } from './grammar.js';
import { tokenizeCommand } from './tokenize.js';

interface Common {
  /** `--public`: answer in the channel, not only to the person. */
  public: boolean;
}

export type DiagnoseTarget = { kind: 'pod'; pod: string; namespace: string } | { kind: 'app'; app: string };

export interface SpcCommandOptions {
  namespace?: string;
  secrets: string[];
  certs: string[];
  syncTo: string[];
  tls: string[];
  workloadIdentity: boolean;
  spcName?: string;
  identityClientId?: string;
}

export type KvcsiCommand = Common &
  (
    | { verb: 'help'; topic?: KvcsiVerb }
    | { verb: 'clusters' }
    | { verb: 'status'; cluster?: string }
    | { verb: 'bindings'; app?: string; cluster?: string }
    | { verb: 'diagnose'; target: DiagnoseTarget; cluster?: string }
    | { verb: 'grant'; app: string; cluster: string; dryRun: boolean }
    | { verb: 'revoke'; app: string; cluster: string }
    | { verb: 'secret-create'; name: string; cluster?: string }
    | { verb: 'secret-request'; name: string; app: string; cluster?: string }
    | { verb: 'secret-recover'; name: string; app?: string; cluster?: string }
    | ({ verb: 'spc'; app: string; cluster?: string } & SpcCommandOptions)
    | { verb: 'requests'; id?: string }
    | { verb: 'audit'; app: string }
  );

export type KvcsiCommandVerb = KvcsiCommand['verb'];

export interface CommandUsageError {
  /** What was wrong, in one sentence that names the word or flag. */
  message: string;
  /** The verb the usage is about, when the verb was understood. */
  verb?: KvcsiVerb;
  /** `/kvcsi …` usage lines to show with the message. */
  usage: string[];
}

export type ParseCommandResult = { ok: true; command: KvcsiCommand } | { ok: false; error: CommandUsageError };

export interface ParseCommandOptions {
  /** How the command is called, for usage lines: `/kvcsi` in Slack, `kvcsi` in a terminal. */
  commandName?: string;
}

const REQUEST_ID_PATTERN = /^req-[0-9a-z]{4,32}$/;

class UsageProblem extends Error {}

function problem(message: string): never {
  throw new UsageProblem(message);
}

interface Scanned {
  positionals: string[];
  single: Partial<Record<FlagKey, string>>;
  repeated: Partial<Record<FlagKey, string[]>>;
  switches: Set<FlagKey>;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A transposition costs 2; short words get 1 so that unrelated words are not "corrected".
  return bestDistance <= (word.length >= 4 ? Math.max(2, Math.floor(word.length / 3)) : 1) ? best : undefined;
}

function flagByName(name: string, allowed: readonly FlagKey[]): FlagSpec | undefined {
  for (const key of allowed) if (FLAGS[key].names.includes(name)) return FLAGS[key];
  return undefined;
}

/** Splits words into positionals and the verb's flags (`--flag value`, `--flag=value`, `-c value`). */
function scan(words: readonly string[], verb: KvcsiVerb): Scanned {
  const allowed = [...VERBS[verb].flags, ...COMMON_FLAGS];
  const scanned: Scanned = { positionals: [], single: {}, repeated: {}, switches: new Set() };
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    if (!word.startsWith('-') || word === '-' || /^-\d/.test(word)) {
      scanned.positionals.push(word);
      continue;
    }
    const equals = word.indexOf('=');
    const name = equals > 0 ? word.slice(0, equals) : word;
    const flag = flagByName(name, allowed);
    if (!flag) {
      const known = Object.values(FLAGS).some((spec) => spec.names.includes(name));
      const suggestion = closest(name, allowed.flatMap((key) => FLAGS[key].names.filter((spelling) => spelling.startsWith('--'))));
      if (known) problem(`\`${verb}\` does not take ${name}.`);
      problem(`Unknown flag ${name}${suggestion ? ` (did you mean ${suggestion}?)` : ''}.`);
    }
    if (!flag.takesValue) {
      if (equals > 0) problem(`${name} is a switch and takes no value.`);
      scanned.switches.add(flag.key);
      continue;
    }
    let value: string | undefined;
    if (equals > 0) value = word.slice(equals + 1);
    else {
      const next = words[index + 1];
      if (next !== undefined && !next.startsWith('-')) {
        value = next;
        index++;
      }
    }
    if (value === undefined || value === '') problem(`${name} needs a value.`);
    if (flag.repeatable) (scanned.repeated[flag.key] ??= []).push(value);
    else if (scanned.single[flag.key] !== undefined && scanned.single[flag.key] !== value) problem(`${name} is given twice.`);
    else scanned.single[flag.key] = value;
  }
  return scanned;
}

type NameKind = 'app' | 'cluster' | 'namespace' | 'pod' | 'secret';

const NAME_RULES: Readonly<Record<NameKind, (value: string) => string | undefined>> = {
  app: checkDnsLabel,
  cluster: checkDnsLabel,
  namespace: checkDnsLabel,
  pod: checkDnsSubdomain,
  secret: checkKeyVaultObjectName,
};

function checked(kind: NameKind, value: string): string {
  const rule = NAME_RULES[kind](value);
  if (rule) problem(`The ${kind} name "${value}" ${rule}.`);
  return value;
}

function optionalName(kind: NameKind, value: string | undefined): string | undefined {
  return value === undefined ? undefined : checked(kind, value);
}

function noMore(positionals: readonly string[], expected: number, verb: string): void {
  const extra = positionals[expected];
  if (extra !== undefined) problem(`Unexpected "${extra}" after \`${verb}\`.`);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) problem(`Missing ${what}.`);
  return value;
}

function withCluster<T extends object>(command: T, cluster: string | undefined): T & { cluster?: string } {
  return cluster === undefined ? command : { ...command, cluster };
}

function build(verb: KvcsiVerb, rest: readonly string[]): KvcsiCommand {
  // `secret create` and `secret request`: the subverb picks the form before flags are scanned.
  const scanned = scan(verb === 'secret' ? rest.slice(1) : rest, verb);
  const { positionals: words, single } = scanned;
  const common = { public: scanned.switches.has('public') };
  const cluster = optionalName('cluster', single.cluster);
  switch (verb) {
    case 'help': {
      noMore(words, 1, 'help');
      const topic = words[0];
      if (topic === undefined) return { verb, ...common };
      if (!(KVCSI_VERBS as readonly string[]).includes(topic)) problem(`There is no command "${topic}".`);
      return { verb, topic: topic as KvcsiVerb, ...common };
    }
    case 'clusters':
      noMore(words, 0, 'clusters');
      return { verb, ...common };
    case 'status':
      noMore(words, 0, 'status');
      return withCluster({ verb, ...common }, cluster);
    case 'bindings': {
      noMore(words, 1, 'bindings');
      const app = optionalName('app', words[0]);
      return withCluster({ verb, ...common, ...(app === undefined ? {} : { app }) }, cluster);
    }
    case 'diagnose': {
      if (single.app !== undefined) {
        if (words.length > 0) problem(`Give either a pod or --app, not both ("${words[0]}").`);
        if (single.namespace !== undefined) problem('-n is for a pod; --app looks in every namespace of the app.');
        return withCluster({ verb, target: { kind: 'app', app: checked('app', single.app) }, ...common }, cluster);
      }
      noMore(words, 1, 'diagnose <pod>');
      const podWord = required(words[0], 'the pod (or --app <app>)');
      // `namespace/pod`, as kubectl users write it.
      const slash = podWord.indexOf('/');
      const pod = slash >= 0 ? podWord.slice(slash + 1) : podWord;
      const namespaceWord = slash >= 0 ? podWord.slice(0, slash) : single.namespace;
      if (slash >= 0 && single.namespace !== undefined && single.namespace !== namespaceWord) problem(`"${podWord}" and -n ${single.namespace} name different namespaces.`);
      const namespace = checked('namespace', required(namespaceWord, 'the namespace: -n <namespace>'));
      return withCluster({ verb, target: { kind: 'pod', pod: checked('pod', pod), namespace }, ...common }, cluster);
    }
    case 'grant':
    case 'revoke': {
      noMore(words, 2, verb);
      const app = checked('app', required(words[0], 'the app'));
      const positionalCluster = optionalName('cluster', words[1]);
      if (positionalCluster !== undefined && cluster !== undefined && positionalCluster !== cluster) problem(`Two clusters given: ${positionalCluster} and ${cluster}.`);
      const target = required(positionalCluster ?? cluster, `the cluster: ${verb} ${app} <cluster>`);
      if (verb === 'grant') return { verb, app, cluster: target, dryRun: scanned.switches.has('dryRun'), ...common };
      return { verb, app, cluster: target, ...common };
    }
    case 'secret': {
      const subverb = rest[0];
      if (subverb !== 'create' && subverb !== 'request' && subverb !== 'recover') {
        problem(subverb === undefined ? 'Missing `create`, `request` or `recover` after `secret`.' : `\`secret ${subverb}\` is not a command; use \`secret create\`, \`secret request\` or \`secret recover\`.`);
      }
      // Never echo extra words here: someone may have typed the value itself.
      if (words.length > 1) problem(`\`secret ${subverb}\` takes one name; ${subverb === 'recover' ? 'a recover brings back the old value and takes none' : 'a secret value is typed into the form that opens, never into the command'}.`);
      const name = checked('secret', required(words[0], 'the secret name'));
      if (subverb === 'recover') {
        const app = single.app === undefined ? undefined : checked('app', single.app);
        return withCluster({ verb: 'secret-recover', name, ...(app === undefined ? {} : { app }), ...common }, cluster);
      }
      if (subverb === 'create') {
        if (single.app !== undefined) problem('`secret create` does not take --app.');
        return withCluster({ verb: 'secret-create', name, ...common }, cluster);
      }
      const app = checked('app', required(single.app, 'the app: --app <app>'));
      return withCluster({ verb: 'secret-request', name, app, ...common }, cluster);
    }
    case 'spc': {
      noMore(words, 1, 'spc');
      const app = checked('app', required(words[0], 'the app'));
      const namespace = optionalName('namespace', single.namespace);
      const options: SpcCommandOptions = {
        secrets: scanned.repeated.secret ?? [],
        certs: scanned.repeated.cert ?? [],
        syncTo: scanned.repeated.syncTo ?? [],
        tls: scanned.repeated.tls ?? [],
        workloadIdentity: scanned.switches.has('workloadIdentity'),
        ...(namespace === undefined ? {} : { namespace }),
        ...(single.name === undefined ? {} : { spcName: single.name }),
        ...(single.identityClientId === undefined ? {} : { identityClientId: single.identityClientId }),
      };
      return withCluster({ verb, app, ...options, ...common }, cluster);
    }
    case 'requests': {
      noMore(words, 1, 'requests');
      const id = words[0];
      if (id === undefined) return { verb, ...common };
      if (!REQUEST_ID_PATTERN.test(id)) problem(`"${id}" is not a request id (they look like req-0123456789).`);
      return { verb, id, ...common };
    }
    case 'audit':
      noMore(words, 1, 'audit');
      return { verb, app: checked('app', required(words[0], 'the app')), ...common };
  }
}

/** Parses `/kvcsi` text. Empty text is `help`; anything else that does not fit gets a usage error. */
export function parseCommand(text: string, options: ParseCommandOptions = {}): ParseCommandResult {
  const commandName = options.commandName ?? '/kvcsi';
  const tokenized = tokenizeCommand(text);
  if (!tokenized.ok) return { ok: false, error: { message: tokenized.message, usage: usageLines(undefined, commandName) } };
  const [first, ...rest] = tokenized.tokens;
  if (first === undefined) return { ok: true, command: { verb: 'help', public: false } };
  const verbWord = first.toLowerCase();
  if (verbWord === '--help' || verbWord === '-h') return parseCommand(['help', ...rest].join(' '), options);
  if (!(KVCSI_VERBS as readonly string[]).includes(verbWord)) {
    const suggestion = closest(verbWord, KVCSI_VERBS);
    return {
      ok: false,
      error: { message: `Unknown command "${first}"${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}.`, usage: usageLines(undefined, commandName) },
    };
  }
  const verb = verbWord as KvcsiVerb;
  // `<verb> --help` is help about the verb, whatever else was typed.
  if (verb !== 'help' && rest.some((word) => word === '--help' || word === '-h')) {
    return { ok: true, command: { verb: 'help', topic: verb, public: rest.includes('--public') } };
  }
  try {
    return { ok: true, command: build(verb, rest) };
  } catch (error) {
    if (!(error instanceof UsageProblem)) throw error;
    return { ok: false, error: { message: error.message, verb, usage: usageLines(verb, commandName) } };
  }
}

/** Whether a command changes anything: front ends let only known people run these. */
export function isWriteCommand(command: KvcsiCommand): boolean {
  switch (command.verb) {
    case 'grant':
      return !command.dryRun;
    case 'revoke':
    case 'secret-create':
    case 'secret-request':
    case 'secret-recover':
      return true;
    default:
      return false;
  }
}
