/** The dev backend's configuration: catalog from entities.yaml, kvcsi over the sandbox, a static token for scripts. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SANDBOX_DEV_POLICY } from './policy.js';

/**
 * The static token: KVCSI_DEV_TOKEN, else a new random one for this run. A well-known default, on a backend bound to
 * every interface, let anyone on the network act as the dev service (issue 19).
 */
export function devToken(env: NodeJS.ProcessEnv = process.env): { token: string; generated: boolean } {
  const given = env.KVCSI_DEV_TOKEN?.trim();
  if (given) return { token: given, generated: false };
  return { token: randomBytes(24).toString('base64url'), generated: true };
}

/** Loopback only, unless KVCSI_DEV_HOST says otherwise (a container that publishes the port, say). */
export const DEV_LISTEN_HOST = '127.0.0.1';

/** The same file from the sources (dev/) and from the build (dist-dev/dev/). */
export function devEntitiesFile(): string {
  return path.join(path.dirname(require.resolve('@kvcsi/backstage-plugin-backend/package.json')), 'dev', 'entities.yaml');
}

export interface DevConfigOptions {
  port: number;
  /** Default 127.0.0.1: the dev backend acts as a service with the sandbox policy, so it is not served to the network. */
  host?: string;
  /** `backend.auth.externalAccess` static token (KVCSI_DEV_TOKEN, else random per run). */
  token: string;
  /** SQLite file for requests and audit (share it with `kvcsi` CLI runs via KVCSI_DATABASE_URL=sqlite:<file>). */
  storeFile: string;
  entitiesFile?: string;
  /** A sandbox served elsewhere (`npm start` passes KVCSI_SANDBOX_URL): the bot, the CLI and this backend share it. */
  sandboxUrl?: string;
  /** The bot's and the CLI's store (`npm start` passes KVCSI_DATABASE_URL): an approval in Slack shows here. */
  databaseUrl?: string;
}

export function devConfig(options: DevConfigOptions) {
  return {
    app: { baseUrl: 'http://localhost:3000' },
    backend: {
      baseUrl: `http://localhost:${options.port}`,
      listen: { host: options.host ?? DEV_LISTEN_HOST, port: options.port },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: {
        externalAccess: [{ type: 'static', options: { token: options.token, subject: 'kvcsi-dev' } }],
      },
    },
    catalog: {
      rules: [{ allow: ['Component', 'System', 'API', 'Resource', 'Location', 'Group', 'User'] }],
      locations: [{ type: 'file', target: options.entitiesFile ?? devEntitiesFile() }],
    },
    kvcsi: {
      sandbox: options.sandboxUrl ? { url: options.sandboxUrl } : true,
      store: options.databaseUrl || `sqlite:${options.storeFile}`,
      policy: SANDBOX_DEV_POLICY,
    },
  };
}
