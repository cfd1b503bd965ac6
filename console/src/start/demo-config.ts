/**
 * `npm start`'s registry: the shipped example (packages/core/config/kvcsi.example.yaml) with a `watch:` channel for
 * every cluster, so the bot runs the watcher (issue 22) and its messages land in the console's alert channels. The
 * example itself has none: a copy of it must not post to channels that only exist in this console.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLE_CONFIG_PATH, KvcsiError } from '@kvcsi/core';

/** Cluster → the console channel its problems go to (directory.ts). */
export const DEMO_WATCH_CHANNELS: Readonly<Record<string, string>> = {
  'cafehyna-dev': 'C0SBXALERTSDEV',
  'cafehyna-prd': 'C0SBXALERTSPRD',
  'cafehyna-hub': 'C0SBXALERTSPLATFORM',
  'painelclientes-dev': 'C0SBXALERTSPLATFORM',
  'painelclientes-prd': 'C0SBXALERTSPLATFORM',
};

/** The example's text with `watch: { channel }` added under each `  - name: <cluster>` it lists. */
export function demoConfigText(exampleText: string, channels: Readonly<Record<string, string>> = DEMO_WATCH_CHANNELS): string {
  const routed = new Set<string>();
  const text = exampleText.replace(/^( {2}- name: ([a-z0-9-]+)\n)/gm, (line: string, _whole: string, cluster: string) => {
    const channel = channels[cluster];
    if (channel === undefined) return line;
    routed.add(cluster);
    return `${line}    watch:\n      channel: ${channel}\n`;
  });
  const missing = Object.keys(channels).filter((cluster) => !routed.has(cluster));
  if (missing.length > 0) throw new KvcsiError('CONFIG_INVALID', `the example registry lists no cluster ${missing.join(', ')} for npm start's watch channels`, { field: 'clusters' });
  return `# Written by npm start (console/src/start/demo-config.ts): ${EXAMPLE_CONFIG_PATH} with watch channels.\n${text}`;
}

/** Writes the demo registry into the state directory; returns its path (the bot's KVCSI_CONFIG). */
export function writeDemoConfig(stateDir: string): string {
  const file = path.join(stateDir, 'kvcsi.demo.yaml');
  writeFileSync(file, demoConfigText(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')));
  return file;
}
