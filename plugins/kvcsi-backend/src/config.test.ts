/** app-config `kvcsi:` fails closed: a registry from the config or KVCSI_CONFIG, the example only in sandbox mode. */
import { writeFileSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { EXAMPLE_CONFIG_PATH } from '@kvcsi/core';
import { readKvcsiConfig } from './config.js';

type ConfigData = NonNullable<NonNullable<Parameters<typeof mockServices.rootConfig>[0]>['data']>;
const rootConfig = (kvcsi?: ConfigData) => mockServices.rootConfig({ data: kvcsi === undefined ? {} : { kvcsi } });

describe('readKvcsiConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kvcsi-backend-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start without a registry, naming the setting, even with a kvcsi.yaml in the working directory', () => {
    const cwd = process.cwd();
    writeFileSync(path.join(dir, 'kvcsi.yaml'), readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'));
    process.chdir(dir);
    try {
      for (const config of [undefined, {}, { store: 'sqlite:/tmp/x.db' }]) {
        expect(() => readKvcsiConfig(rootConfig(config), {})).toThrow(expect.objectContaining({
          code: 'CONFIG_INVALID', field: 'kvcsi.registryFile', message: expect.stringMatching(/^kvcsi\.registryFile: no cluster registry is configured/),
        }));
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it('reads kvcsi.registryFile, else KVCSI_CONFIG; a missing file is named', () => {
    const file = path.join(dir, 'registry.yaml');
    writeFileSync(file, readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'));
    expect(readKvcsiConfig(rootConfig({ registryFile: file }), {}).registry.list().length).toBeGreaterThan(0);
    expect(readKvcsiConfig(rootConfig({}), { KVCSI_CONFIG: file }).registry.get('cafehyna-prd').name).toBe('cafehyna-prd');
    expect(() => readKvcsiConfig(rootConfig({ registryFile: path.join(dir, 'missing.yaml') }), {})).toThrow(/missing\.yaml: file not found/);
  });

  it('uses the shipped example only in sandbox mode', () => {
    expect(readKvcsiConfig(rootConfig({ sandbox: true }), {}).registry.get('cafehyna-prd').tier).toBe('prd');
    expect(readKvcsiConfig(rootConfig({ sandbox: { url: 'http://127.0.0.1:7070' } }), {}).sandbox).toEqual({ url: 'http://127.0.0.1:7070' });
  });
});
