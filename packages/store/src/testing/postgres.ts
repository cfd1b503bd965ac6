/** Test support: a real PostgreSQL for one test file, through test-support/embedded-postgres.cjs. Not exported. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface TestPostgres {
  connection: string;
  stop(): Promise<void>;
}

const SCRIPT = join(__dirname, '..', '..', 'test-support', 'embedded-postgres.cjs');

export async function startTestPostgres(options: { startTimeoutInMs?: number } = {}): Promise<TestPostgres> {
  const child = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('embedded PostgreSQL did not start in time')), options.startTimeoutInMs ?? 60_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited (${String(code)}): ${stderr.slice(0, 2000)}`));
    });
  });
  const { connection } = JSON.parse(await firstLine) as { connection: string };
  lines.close();
  return {
    connection,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    },
  };
}
