/**
 * What the end-to-end suites need to run real processes on loopback: a port nobody holds, and an embedded PostgreSQL
 * in its own process (packages/store's test-support script, which prints its connection string as one JSON line).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

const STORE = path.resolve(__dirname, '../../../packages/store');

/** A loopback port that was free a moment ago (the OS picks it; the listener is closed before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts embedded PostgreSQL in a child process; kill the child to stop it. */
export async function startEmbeddedPostgres(): Promise<{ child: ChildProcess; connection: string }> {
  const child = spawn(process.execPath, [path.join(STORE, 'test-support/embedded-postgres.cjs')], { cwd: STORE, stdio: ['pipe', 'pipe', 'pipe'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, connection: (JSON.parse(line) as { connection: string }).connection };
}
