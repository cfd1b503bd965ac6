/**
 * A per-user cache of validated registries, for the CLI's start (issue 12): a registry file already validated by this
 * kvcsi is read back as JSON without loading zod or re-parsing the YAML. The key is a hash of the file's bytes and of
 * the schema modules that validated it, so an edit to either misses. The folder is the user's own (0700): a cache
 * another user could write would let them rewrite vaults and identities.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RegistryConfig } from './schema.js';

const SCHEMA_MODULES = [path.join(__dirname, 'schema'), path.join(__dirname, '..', 'policy', 'schema'), path.join(__dirname, 'tiers')];

let schemaFingerprint: string | undefined;

/** The validating code itself: the compiled (or, under jest, source) schema modules. */
function fingerprintOfSchema(): string {
  if (schemaFingerprint !== undefined) return schemaFingerprint;
  const hash = createHash('sha256');
  for (const base of SCHEMA_MODULES) {
    const file = ['.js', '.ts'].map((extension) => base + extension).find((candidate) => existsSync(candidate));
    hash.update(file === undefined ? `missing:${base}` : readFileSync(file));
  }
  schemaFingerprint = hash.digest('hex');
  return schemaFingerprint;
}

/** `KVCSI_CACHE_DIR`, else `$XDG_CACHE_HOME/kvcsi`, else `~/.cache/kvcsi`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.KVCSI_CACHE_DIR) return env.KVCSI_CACHE_DIR;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kvcsi');
}

function entryFile(dir: string, text: string): string {
  const key = createHash('sha256').update(fingerprintOfSchema()).update('\0').update(text).digest('hex');
  return path.join(dir, `registry-${key}.json`);
}

/** Only a folder that is ours and closed to others is trusted. */
function trustedFolder(dir: string): boolean {
  try {
    const stat = statSync(dir);
    const ownedByUs = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    return stat.isDirectory() && ownedByUs && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

export function readValidatedRegistry(dir: string, text: string): RegistryConfig | undefined {
  if (!trustedFolder(dir)) return undefined;
  try {
    return JSON.parse(readFileSync(entryFile(dir, text), 'utf8')) as RegistryConfig;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only costs the next start its speed. */
export function writeValidatedRegistry(dir: string, text: string, config: RegistryConfig): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!trustedFolder(dir)) return;
    const file = entryFile(dir, text);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(config), { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // Read-only home, full disk: validate every time.
  }
}
