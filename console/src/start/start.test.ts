import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXAMPLE_CONFIG_PATH, parseRegistryConfig } from '@kvcsi/core';
import { readFileSync } from 'node:fs';
import { SANDBOX_CHANNELS } from '../directory.js';
import { demoConfigText } from './demo-config.js';
import { DEFAULT_PORTS, parseStartOptions } from './options.js';
import { findBackstageWorkspaces, readableLogLine } from './stack.js';

describe('npm start flags', () => {
  it('defaults: console on 3000, Backstage on, state under .kvcsi', () => {
    const options = parseStartOptions([], '/repo');
    expect(options).toMatchObject({ consolePort: DEFAULT_PORTS.console, botPort: DEFAULT_PORTS.bot, sandboxPort: DEFAULT_PORTS.sandbox, backstage: true, reset: false, stateDir: '/repo/.kvcsi' });
  });

  it('--no-backstage, --reset, ports and the state directory', () => {
    expect(parseStartOptions(['--no-backstage', '--reset', '--port', '0', '--state-dir', 'x'], '/repo')).toMatchObject({ backstage: false, reset: true, consolePort: 0, stateDir: '/repo/x', socket: false });
    expect(parseStartOptions(['--socket'], '/repo').socket).toBe(true);
  });

  it('refuses a bad port and an unknown flag, with the usage', () => {
    expect(() => parseStartOptions(['--port', '70000'])).toThrow('--port 70000: must be a port number');
    expect(() => parseStartOptions(['--colour'])).toThrow(/Unknown option '--colour'[\s\S]*Usage: npm start/);
  });
});

describe('what npm start finds and prints', () => {
  it('starts the Backstage dev backend and app only when their workspaces have a start script', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'kvcsi-start-'));
    const write = (dir: string, content: object): void => {
      mkdirSync(path.join(root, dir), { recursive: true });
      writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify(content));
    };
    write('.', { workspaces: ['plugins/kvcsi-backend'] });
    write('plugins/kvcsi-backend', { name: '@kvcsi/backstage-plugin-backend', backstage: { role: 'backend-plugin' }, scripts: { build: 'tsc' } });
    expect(findBackstageWorkspaces(root)).toEqual({});
    write('plugins/kvcsi-backend', { name: '@kvcsi/backstage-plugin-backend', backstage: { role: 'backend-plugin' }, scripts: { start: 'node dev' } });
    write('plugins/kvcsi', { name: '@kvcsi/backstage-plugin', backstage: { role: 'frontend-plugin' }, scripts: { start: 'backstage-cli package start' } });
    const found = findBackstageWorkspaces(root);
    expect(found.backend?.name).toBe('@kvcsi/backstage-plugin-backend');
    expect(found.app?.name).toBe('@kvcsi/backstage-plugin');
  });

  it('turns the bot\'s JSON log lines into readable ones and leaves other lines alone', () => {
    expect(readableLogLine('[bot] {"level":40,"time":1,"name":"kvcsi-bot","msg":"slow","durationInMs":12}')).toBe('[bot] warn: slow {"durationInMs":12}');
    expect(readableLogLine('[sandbox] listening')).toBe('[sandbox] listening');
  });
});

describe('npm start\'s registry (the watcher runs in the demo)', () => {
  it('is the example with a watch channel for every cluster, each one a console channel; the example itself has none', () => {
    const example = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');
    expect(parseRegistryConfig(example, 'example').list().filter((cluster) => cluster.watch !== undefined)).toEqual([]);
    const registry = parseRegistryConfig(demoConfigText(example), 'demo');
    const channels = new Map(SANDBOX_CHANNELS.map((channel) => [channel.id, channel.name]));
    expect(Object.fromEntries(registry.list().map((cluster) => [cluster.name, channels.get(cluster.watch?.channel ?? '')]))).toEqual({
      'cafehyna-dev': 'alerts-dev', 'cafehyna-prd': 'alerts-prd', 'cafehyna-hub': 'alerts-platform', 'painelclientes-dev': 'alerts-platform', 'painelclientes-prd': 'alerts-platform',
    });
    expect(registry.list().map((cluster) => cluster.name)).toEqual(parseRegistryConfig(example, 'example').list().map((cluster) => cluster.name));
  });

  it('says which cluster the example lacks, rather than run a watcher that misses it', () => {
    expect(() => demoConfigText('clusters:\n  - name: cafehyna-dev\n', { 'cafehyna-dev': 'C0SBXALERTSDEV', 'cafehyna-qa': 'C0SBXALERTSDEV' })).toThrow('the example registry lists no cluster cafehyna-qa');
  });
});
