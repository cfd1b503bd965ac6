/**
 * The CLI as a user installs it (issue 12): the workspaces packed with `npm pack`, installed into an empty folder
 * with the registry's third-party packages, then run from there on this Node — `.ci/run` repeats it on 22, 24 and 26.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
/** The CLI and what it installs with; the sandbox is what a user adds for `--sandbox`. */
const PACKED = ['packages/cli', 'packages/core', 'packages/runtime', 'packages/store', 'packages/azure', 'packages/kubernetes', 'packages/sandbox'];

let folder: string;
let kvcsi: (args: string[], options?: { cwd?: string }) => { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  folder = mkdtempSync(path.join(tmpdir(), 'kvcsi-packed-'));
  const tarballs = path.join(folder, 'tarballs');
  const app = path.join(folder, 'app');
  mkdirSync(tarballs, { recursive: true });
  cpSync(path.join(ROOT, 'examples/gitops'), path.join(app, 'gitops'), { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'empty-folder', private: true }));
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', tarballs, ...PACKED.flatMap((workspace) => ['--workspace', workspace])], { cwd: ROOT, stdio: 'pipe' });
  const packed = readdirSync(tarballs).map((file) => path.join(tarballs, file));
  expect(packed).toHaveLength(PACKED.length);
  // Local tarballs stand in for the registry's @kvcsi packages; everything else comes from the registry (or npm's cache).
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--engine-strict', ...packed], { cwd: app, stdio: 'pipe', env: { ...process.env, npm_config_workspaces: 'false' } });
  kvcsi = (args, options = {}) => {
    const result = spawnSync(path.join(app, 'node_modules/.bin/kvcsi'), args, {
      cwd: options.cwd ?? app,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', KVCSI_CONFIG: '', KVCSI_SANDBOX: '', KVCSI_SANDBOX_URL: '', KVCSI_DATABASE_URL: '' },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
}, 600_000);

afterAll(() => {
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
});

describe('the packed CLI, installed into an empty folder', () => {
  it('answers --version', () => {
    const { status, stdout } = kvcsi(['--version']);
    expect(status).toBe(0);
    expect(stdout.trim()).toBe((JSON.parse(execFileSync('npm', ['pkg', 'get', 'version', '--workspace', 'packages/cli'], { cwd: ROOT, encoding: 'utf8' })) as Record<string, string>)['@kvcsi/cli']);
  });

  it('lints a GitOps tree against the example registry shipped inside @kvcsi/core', () => {
    const { status, stdout, stderr } = kvcsi(['lint', 'gitops']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^12 file\(s\) checked, 0 error\(s\)/m);
  });

  it('diagnoses defectdojo on cafehyna-prd over the sandbox', () => {
    const { status, stdout } = kvcsi(['--sandbox', 'diagnose', '--app', 'defectdojo', '-c', 'cafehyna-prd', '--format', 'json']);
    expect(status).toBe(1);
    const report = JSON.parse(stdout) as { reports?: { findings: { id: string }[] }[]; findings?: { id: string }[] };
    const findings = report.findings ?? report.reports?.flatMap((one) => one.findings) ?? [];
    expect(findings.map((finding) => finding.id)).toContain('D2');
  });
});
