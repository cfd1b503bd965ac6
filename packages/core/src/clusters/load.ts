import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { KvcsiError } from '../errors.js';
import { ClusterRegistry } from './registry.js';
import type * as Schema from './schema.js';
import { readValidatedRegistry, writeValidatedRegistry } from './validated-cache.js';

export { defaultCacheDir } from './validated-cache.js';

// zod and the schemas load only when a file must be validated: a registry the CLI validated before comes from its cache.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadSchema = (): typeof Schema => require('./schema.js');

function shippedExamplePath(): string {
  const besideThisModule = path.resolve(__dirname, '../../config/kvcsi.example.yaml');
  if (existsSync(besideThisModule)) return besideThisModule;
  // Bundled into the CLI, __dirname is the CLI's folder; the example stays in @kvcsi/core's installed folder.
  return path.join(path.dirname(require.resolve('@kvcsi/core/package.json')), 'config/kvcsi.example.yaml');
}

/** The example configuration shipped inside @kvcsi/core: the runbook's five clusters. */
export const EXAMPLE_CONFIG_PATH = shippedExamplePath();

export interface ResolveConfigPathOptions {
  /** `--config`, when given. */
  explicitPath?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the shipped example lives; overridable for packaging. */
  examplePath?: string;
  /**
   * A folder of this user's where validated registries are kept (the CLI's `~/.cache/kvcsi`): the next run reads the
   * same file's validated form back without validating it again. Servers pass none.
   */
  cacheDir?: string;
}

export type ConfigOrigin = 'flag' | 'env' | 'cwd' | 'example';

/** `--config`, else `KVCSI_CONFIG`, else `./kvcsi.yaml`, else the shipped example. */
export function resolveConfigPath(options: ResolveConfigPathOptions = {}): { path: string; origin: ConfigOrigin } {
  const cwd = options.cwd ?? process.cwd();
  if (options.explicitPath) return { path: path.resolve(cwd, options.explicitPath), origin: 'flag' };
  const fromEnv = (options.env ?? process.env).KVCSI_CONFIG;
  if (fromEnv) return { path: path.resolve(cwd, fromEnv), origin: 'env' };
  const local = path.join(cwd, 'kvcsi.yaml');
  if (existsSync(local)) return { path: local, origin: 'cwd' };
  return { path: options.examplePath ?? EXAMPLE_CONFIG_PATH, origin: 'example' };
}

type IssuePath = readonly PropertyKey[];

/** The YAML node at `issuePath`, or its nearest ancestor that exists. */
function nearestNode(doc: Document, issuePath: IssuePath): YamlNode | undefined {
  let node: unknown = doc.contents;
  let found = doc.contents as YamlNode | undefined;
  for (const key of issuePath) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      // Point at the key when the value is missing or scalar-less, at the value otherwise.
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (node === undefined) break;
    } else {
      break;
    }
    found = node as YamlNode;
  }
  return found;
}

function formatPath(issuePath: IssuePath): string {
  return issuePath.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function valueAt(root: unknown, issuePath: IssuePath): unknown {
  let value = root;
  for (const key of issuePath) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  if (valueAt(input, issue.path) === undefined) return 'is required';
  return issue.message;
}

/** Parses and validates a registry configuration; errors name the file, line, field and rule. */
export function parseRegistryConfig(text: string, source: string): ClusterRegistry {
  return new ClusterRegistry(validateRegistryText(text, source), { source });
}

/** The validated configuration of a registry file's text; errors name the file, line, field and rule. */
function validateRegistryText(text: string, source: string): Schema.RegistryConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = lineCounter.linePos(yamlError.pos[0]).line;
    throw new KvcsiError('CONFIG_INVALID', `${source}:${line}: invalid YAML: ${yamlError.message.split('\n')[0]}`, {
      file: source,
      line,
      rule: 'must be valid YAML',
    });
  }
  const input: unknown = doc.toJS();
  const result = loadSchema().registryConfigSchema.safeParse(input);
  if (result.success) return result.data;

  const problems = result.error.issues.map((issue) => {
    const issuePath = issue.path;
    // Point an unknown key at its own line, not at the mapping that holds it.
    const node = nearestNode(doc, issue.code === 'unrecognized_keys' ? [...issuePath, issue.keys[0]!] : issuePath);
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : 1;
    const field = formatPath(issuePath) || '(root)';
    return { line, field, rule: describeIssue(issue, input) };
  });
  const first = problems[0]!;
  const lines = problems.map((problem) => `${source}:${problem.line}: ${problem.field}: ${problem.rule}`);
  throw new KvcsiError('CONFIG_INVALID', `Invalid kvcsi configuration:\n  ${lines.join('\n  ')}`, {
    file: source,
    line: first.line,
    field: first.field,
    rule: first.rule,
    details: { problems },
  });
}

/** Loads the registry following the documented search order. */
export function loadRegistry(options: ResolveConfigPathOptions = {}): ClusterRegistry {
  const { path: configPath } = resolveConfigPath(options);
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new KvcsiError('CONFIG_INVALID', `Cannot read kvcsi configuration ${configPath}: ${reason}`, { file: configPath, cause: error });
  }
  if (options.cacheDir === undefined) return parseRegistryConfig(text, configPath);
  const cached = readValidatedRegistry(options.cacheDir, text);
  if (cached !== undefined) return new ClusterRegistry(cached, { source: configPath });
  const config = validateRegistryText(text, configPath);
  writeValidatedRegistry(options.cacheDir, text, config);
  return new ClusterRegistry(config, { source: configPath });
}
