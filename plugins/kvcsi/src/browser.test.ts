/**
 * @jest-environment node
 *
 * The Key Vault tab in a real browser, on the catalog plugin's entity page: the dev backend (Backstage + catalog + kvcsi
 * over the sandbox) and the dev app (dev/start.js: @backstage/plugin-catalog/alpha and this plugin) on free ports,
 * Debian's Chromium driven by playwright-core. defectdojo's tab shows the access
 * finding on cafehyna-prd, a diagnosis shows the vault's 403, and a secret is requested. Screenshots go to
 * test/e2e/artifacts/ (git-ignored). Run with `npm run test:e2e -w @kvcsi/backstage-plugin`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const PLUGIN_DIR = path.resolve(__dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test/e2e/artifacts');
const WAIT_IN_MS = 20_000;
const STARTUP_IN_MS = 150_000;

const children: ChildProcess[] = [];
const output: string[] = [];
let browser: Browser | undefined;
let page: Page;
let appUrl: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function start(name: string, command: string, args: string[], cwd: string, env: Record<string, string>): void {
  // A process group of its own, so that afterAll stops npm and the node it runs together.
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => output.push(`[${name}] ${chunk.toString()}`));
  children.push(child);
}

async function waitFor(url: string, accept: (status: number) => boolean, timeoutInMs: number): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (accept(response.status)) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} was not ready after ${timeoutInMs} ms (${last}):\n${output.join('').slice(-3000)}`);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it), or set CHROMIUM_PATH`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const [backendPort, appPort] = [await freePort(), await freePort()];
  const token = randomBytes(16).toString('hex');
  start('backend', 'npm', ['run', 'start', '-w', '@kvcsi/backstage-plugin-backend'], REPO_ROOT, { PORT: String(backendPort), KVCSI_DEV_TOKEN: token });
  start('app', process.execPath, ['dev/start.js'], PLUGIN_DIR, { PORT: String(appPort), KVCSI_BACKEND_URL: `http://127.0.0.1:${backendPort}`, KVCSI_DEV_TOKEN: token });
  appUrl = `http://127.0.0.1:${appPort}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(WAIT_IN_MS);
  // The catalog answers once it has read the entities file; through the dev app, so the proxy is up too.
  await waitFor(`${appUrl}/api/catalog/entities/by-name/component/default/defectdojo`, (status) => status === 200, STARTUP_IN_MS);
}, STARTUP_IN_MS + 30_000);

afterAll(async () => {
  await browser?.close();
  for (const child of children) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}, 30_000);

afterEach(async () => {
  const name = expect.getState().currentTestName?.replace(/[^\w]+/g, '-').slice(0, 80) ?? 'test';
  await page?.screenshot({ path: path.join(ARTIFACTS, `kvcsi-tab-${name}.png`), fullPage: true }).catch(() => undefined);
});

it("defectdojo's Key Vault tab: the access finding on cafehyna-prd, a diagnosis showing the vault's 403, and a secret request", async () => {
  await page.goto(`${appUrl}/catalog/default/component/defectdojo`);
  // The catalog plugin's own entity page (page:catalog/entity, @backstage/ui header): it opens on Overview, and its
  // content navigation lists our tab beside it.
  const tabs = page.getByRole('navigation', { name: 'Content navigation' });
  expect(await tabs.getByRole('link', { name: 'Overview', exact: true }).getAttribute('aria-current')).toBe('page');
  const tab = tabs.getByRole('link', { name: 'Key Vault', exact: true });
  await tab.click();
  await page.waitForURL(/\/catalog\/default\/component\/defectdojo\/key-vault$/);
  expect(await tab.getAttribute('aria-current')).toBe('page');
  const prd = page.getByRole('region', { name: 'Cluster cafehyna-prd' });
  await prd.getByText('The identity cannot read the vault').waitFor();
  await prd.getByRole('list', { name: 'Status of defectdojo-admin-password' }).getByText('access denied').waitFor();
  expect(await prd.getByLabel('Fix for The identity cannot read the vault', { exact: true }).textContent()).toContain('kvcsi grant defectdojo cafehyna-prd');
  // The watcher's problems from the shared store (no watcher runs beside the dev backend: none open).
  await page.getByRole('region', { name: 'Open problems' }).getByText('No open problems').waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'kvcsi-tab-1-bindings.png'), fullPage: true });

  await prd.getByRole('button', { name: 'Diagnose cafehyna-prd' }).click();
  const diagnosis = page.getByRole('region', { name: 'Diagnosis of the app on cafehyna-prd' });
  await diagnosis.getByText(/Key Vault kv-cafehyna-prd refused/).waitFor({ timeout: 60_000 });
  await diagnosis.getByText(/^Evidence/).first().click();
  await diagnosis.getByText(/RESPONSE 403: 403 Forbidden/).first().waitFor();
  await diagnosis.getByText(/^Evidence/).first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'kvcsi-tab-2-diagnosis-403.png'), fullPage: true });

  const secretName = `e2e-smtp-${Date.now().toString(36)}`;
  await page.getByRole('button', { name: 'Request a secret' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: /Secret name/ }).fill('smtp_password');
  await dialog.getByRole('button', { name: 'Send request' }).click();
  await dialog.getByText(/The name must be 1-127 letters, digits and dashes/).waitFor();
  await dialog.getByText('Pick at least one cluster').waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'kvcsi-tab-3-request-validation.png') });
  await dialog.getByRole('textbox', { name: /Secret name/ }).fill(secretName);
  // By keyboard, as someone without a mouse would.
  const cluster = dialog.getByRole('checkbox', { name: 'cafehyna-prd' });
  await cluster.focus();
  await page.keyboard.press('Space');
  expect(await cluster.isChecked()).toBe(true);
  await dialog.getByRole('textbox', { name: /Justification/ }).fill('SMTP for the weekly findings report');
  await dialog.getByRole('button', { name: 'Send request' }).click();
  await dialog.waitFor({ state: 'detached' });

  const requests = page.getByRole('region', { name: 'Secret requests' });
  const row = requests.getByRole('row').filter({ hasText: secretName });
  await row.waitFor();
  expect(await row.textContent()).toMatch(/cafehyna-prd.*(pending|approved)/);
  await requests.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, 'kvcsi-tab-4-requested.png'), fullPage: true });
}, 180_000);
