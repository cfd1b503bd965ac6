import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'node_modules/.bin/kvcsi');

// The installed binary runs the built dist/: `npm test` builds it (tsc -b) before jest runs.
beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'packages/cli/dist/main.js'))) throw new Error('packages/cli/dist is missing: run `npm run build` first');
});

async function kvcsi(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(BIN, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the installed kvcsi binary', () => {
  it('answers --help', async () => {
    const result = await kvcsi(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: kvcsi \[options\] \[command\]/);
  });

  it('lists the example clusters as JSON', async () => {
    const result = await kvcsi(['clusters', '--format', 'json'], { KVCSI_CONFIG: '' });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { clusters: { name: string }[] }).clusters.map((c) => c.name)).toEqual([
      'cafehyna-dev',
      'cafehyna-hub',
      'cafehyna-prd',
      'painelclientes-dev',
      'painelclientes-prd',
    ]);
  });

  it('lints the example GitOps tree clean and sets the exit code on findings', async () => {
    const clean = await kvcsi(['lint', 'examples/gitops']);
    expect(clean.code).toBe(0);
    const missing = await kvcsi(['lint', 'does-not-exist']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot lint .*does-not-exist/);
  });
});
