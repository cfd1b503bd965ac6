import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXAMPLE_CONFIG_PATH, loadRegistry } from './load.js';
import { defaultCacheDir } from './validated-cache.js';

function setup() {
  const root = mkdtempSync(path.join(tmpdir(), 'kvcsi-registry-cache-'));
  const cacheDir = path.join(root, 'cache');
  const config = path.join(root, 'kvcsi.yaml');
  writeFileSync(config, readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'));
  return { cacheDir, config };
}

describe('the CLI cache of validated registries', () => {
  it('reads a file validated before back as the same registry, and misses once the file changes', () => {
    const { cacheDir, config } = setup();
    const first = loadRegistry({ explicitPath: config, cacheDir });
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const second = loadRegistry({ explicitPath: config, cacheDir });
    expect(second.list()).toEqual(first.list());
    expect(second.policy).toEqual(first.policy);
    expect(second.source).toBe(config);

    writeFileSync(config, readFileSync(config, 'utf8').replace('name: kv-cafehyna-prd', 'name: kv-cafehyna-prd2'));
    expect(loadRegistry({ explicitPath: config, cacheDir }).get('cafehyna-prd').keyVault.name).toBe('kv-cafehyna-prd2');
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('still refuses an invalid file (nothing is cached for it)', () => {
    const { cacheDir, config } = setup();
    writeFileSync(config, readFileSync(config, 'utf8').replace('tier: prd', 'tier: production'));
    expect(() => loadRegistry({ explicitPath: config, cacheDir })).toThrow(/tier: Invalid option/);
    expect(() => loadRegistry({ explicitPath: config, cacheDir })).toThrow(/tier: Invalid option/);
  });

  it('ignores a cache folder other users can write: a planted entry would rewrite vaults and identities', () => {
    const { cacheDir, config } = setup();
    loadRegistry({ explicitPath: config, cacheDir });
    const [entry] = readdirSync(cacheDir);
    const file = path.join(cacheDir, entry!);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/kv-cafehyna-prd/g, 'kv-attacker'));
    chmodSync(cacheDir, 0o777);
    expect(loadRegistry({ explicitPath: config, cacheDir }).get('cafehyna-prd').keyVault.name).toBe('kv-cafehyna-prd');
    chmodSync(cacheDir, 0o700);
    // In the user's own folder the entry is trusted: the cache is really read (this test can fail).
    expect(loadRegistry({ explicitPath: config, cacheDir }).get('cafehyna-prd').keyVault.name).toBe('kv-attacker');
  });

  it('lives in KVCSI_CACHE_DIR, else $XDG_CACHE_HOME/kvcsi, else ~/.cache/kvcsi', () => {
    expect(defaultCacheDir({ KVCSI_CACHE_DIR: '/c' })).toBe('/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(path.join('/x', 'kvcsi'));
    expect(defaultCacheDir({})).toMatch(/\.cache[/\\]kvcsi$/);
  });
});
