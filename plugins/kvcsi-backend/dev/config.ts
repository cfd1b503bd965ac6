/** The dev backend's configuration: catalog from entities.yaml, kvcsi over the sandbox, a static token for scripts. */
import path from 'node:path';
import { SANDBOX_DEV_POLICY } from './policy.js';

/** The same file from the sources (dev/) and from the build (dist-dev/dev/). */
export const DEV_ENTITIES_FILE = path.join(path.dirname(require.resolve('@kvcsi/backstage-plugin-backend/package.json')), 'dev', 'entities.yaml');

export interface DevConfigOptions {
  port: number;
  /** `backend.auth.externalAccess` static token (KVCSI_DEV_TOKEN). */
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
      listen: { port: options.port },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      auth: {
        externalAccess: [{ type: 'static', options: { token: options.token, subject: 'kvcsi-dev' } }],
      },
    },
    catalog: {
      rules: [{ allow: ['Component', 'System', 'API', 'Resource', 'Location', 'Group', 'User'] }],
      locations: [{ type: 'file', target: options.entitiesFile ?? DEV_ENTITIES_FILE }],
    },
    kvcsi: {
      sandbox: options.sandboxUrl ? { url: options.sandboxUrl } : true,
      store: options.databaseUrl || `sqlite:${options.storeFile}`,
      policy: SANDBOX_DEV_POLICY,
    },
  };
}
