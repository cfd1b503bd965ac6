#!/usr/bin/env node
'use strict';
// Builds the bot's production folder: the compiled workspaces the bot needs, packed as npm would publish them
// (`npm pack`: dist/ without tests), and a production-only install of them (`npm install --omit=dev`; required
// peers such as @slack/socket-mode's undici are installed, optional ones such as the bot's msw are not): no
// TypeScript, jest, sandbox or msw. Run it as `node <folder>/node_modules/@kvcsi/bot/dist/main.js --config …`, or
// `npm start --prefix <folder> -- --config …`.
//
//   node scripts/build-prod.js [--out <dir>] [--no-build] [--offline]
//
//   --out <dir>   where (default dist-prod/bot); its packages/ and node_modules/ are replaced
//   --no-build    use the dist/ folders as they are (default: `tsc -b bot` first)
//   --offline     install from the npm cache only (npm install --offline)
//
// The install is real, and skipped only when <dir> already holds an install of byte-identical tarballs and manifest
// (its .build-key): tests build the folder once per change, not once per run.
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.resolve(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Workspace package name → its folder. */
function workspaces() {
  const byName = new Map();
  for (const dir of readJson(path.join(ROOT, 'package.json')).workspaces ?? []) {
    const file = path.join(ROOT, dir, 'package.json');
    if (fs.existsSync(file)) byName.set(readJson(file).name, dir);
  }
  return byName;
}

/** The workspaces `name` needs at run time: itself and, transitively, the workspaces in its `dependencies`. */
function runtimeClosure(name, byName, seen = new Map()) {
  if (seen.has(name)) return seen;
  const dir = byName.get(name);
  if (!dir) throw new Error(`${name} is not a workspace of this repository`);
  seen.set(name, dir);
  for (const dependency of Object.keys(readJson(path.join(ROOT, dir, 'package.json')).dependencies ?? {})) {
    if (byName.has(dependency)) runtimeClosure(dependency, byName, seen);
  }
  return seen;
}

function run(command, args, options = {}) {
  process.stderr.write(`build-prod: ${command} ${args.join(' ')}\n`);
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
}

function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: path.join(ROOT, 'dist-prod', 'bot') },
      build: { type: 'boolean', default: true },
      offline: { type: 'boolean', default: false },
    },
    allowNegative: true,
  });
  const out = path.resolve(values.out);
  if (values.build) run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', path.join(ROOT, 'bot')], { cwd: ROOT });

  const byName = workspaces();
  const closure = runtimeClosure('@kvcsi/bot', byName);
  for (const [name, dir] of closure) {
    if (!fs.existsSync(path.join(ROOT, dir, 'dist'))) throw new Error(`${name}: ${dir}/dist is missing; build first (npm run build)`);
  }

  // Packed aside first: the key of what would be installed decides whether the install can be kept.
  // Beside the folder (same file system, so it can be renamed into place).
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(out), '.build-prod-'));
  const tarballs = {};
  const key = createHash('sha256');
  for (const [name, dir] of closure) {
    const packed = JSON.parse(run(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', staging], { cwd: path.join(ROOT, dir) }));
    const filename = packed[0].filename;
    tarballs[name] = `file:./packages/${filename}`;
    key.update(filename).update(fs.readFileSync(path.join(staging, filename)));
  }

  // The repository's overrides (one undici, one better-sqlite3) hold here too; the workspaces come from the tarballs.
  const rootOverrides = readJson(path.join(ROOT, 'package.json')).overrides ?? {};
  const overrides = Object.fromEntries(Object.entries(rootOverrides).filter(([name]) => !name.startsWith('@types/')));
  for (const [name, spec] of Object.entries(tarballs)) if (name !== '@kvcsi/bot') overrides[name] = spec;
  const manifest = {
    name: 'kvcsi-bot-production',
    private: true,
    description: 'The kvcsi Slack bot, installed for production (built by scripts/build-prod.js)',
    license: 'Apache-2.0',
    engines: readJson(path.join(ROOT, 'package.json')).engines,
    scripts: { start: 'node node_modules/@kvcsi/bot/dist/main.js' },
    dependencies: { '@kvcsi/bot': tarballs['@kvcsi/bot'] },
    overrides,
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  const buildKey = key.update(manifestText).update(process.version).digest('hex');
  const keyFile = path.join(out, '.build-key');
  if (fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8') === buildKey && fs.existsSync(path.join(out, 'node_modules', '@kvcsi', 'bot'))) {
    fs.rmSync(staging, { recursive: true, force: true });
    process.stderr.write('build-prod: the folder already holds this exact install; kept\n');
    process.stdout.write(`${out}\n`);
    return;
  }
  const packages = path.join(out, 'packages');
  for (const stale of [keyFile, packages, path.join(out, 'node_modules'), path.join(out, 'package-lock.json')]) fs.rmSync(stale, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  fs.renameSync(staging, packages);
  fs.writeFileSync(path.join(out, 'package.json'), manifestText);
  run(NPM, ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts=false', values.offline ? '--offline' : '--prefer-offline'], { cwd: out });

  for (const forbidden of ['@kvcsi/sandbox', 'msw', 'typescript', 'jest']) {
    if (fs.existsSync(path.join(out, 'node_modules', forbidden))) throw new Error(`${forbidden} was installed into the production folder: it must not be a production dependency`);
  }
  fs.writeFileSync(keyFile, buildKey);
  process.stdout.write(`${out}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`build-prod: ${error && error.message ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
