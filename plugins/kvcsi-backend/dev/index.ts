/**
 * The dev backend: `npm run start -w @kvcsi/backstage-plugin-backend` → http://localhost:7007 with the catalog backend,
 * the sandbox apps as entities, and kvcsi over the embedded sandbox (or, under `npm start`, the shared one at
 * KVCSI_SANDBOX_URL with the store at KVCSI_DATABASE_URL). It listens on 127.0.0.1 only (KVCSI_DEV_HOST to change it).
 * Script it with the static token (KVCSI_DEV_TOKEN, else a random one printed at start and kept in .kvcsi/backstage-dev.token):
 *   curl -H "Authorization: Bearer $KVCSI_DEV_TOKEN" 'http://localhost:7007/api/kvcsi/bindings?entityRef=component:default/defectdojo'
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { kvcsiPlugin } from '@kvcsi/backstage-plugin-backend';
import { DEV_LISTEN_HOST, devConfig, devToken } from './config.js';

const { token, generated } = devToken();
const port = Number(process.env.PORT || 7007);
const host = process.env.KVCSI_DEV_HOST || DEV_LISTEN_HOST;
if (generated) {
  // This run's token, for curl and for the dev app's proxy (which reads the file when KVCSI_DEV_TOKEN is not set).
  const tokenFile = path.resolve(process.cwd(), '.kvcsi/backstage-dev.token');
  mkdirSync(path.dirname(tokenFile), { recursive: true });
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  console.warn(`KVCSI_DEV_TOKEN is not set: this run's static token is ${token} (also in ${tokenFile})`);
}

const backend = createBackend();
backend.add(mockServices.rootConfig.factory({
  data: devConfig({
    port,
    host,
    token,
    storeFile: path.resolve(process.cwd(), '.kvcsi/backstage-dev.db'),
    ...(process.env.KVCSI_SANDBOX_URL ? { sandboxUrl: process.env.KVCSI_SANDBOX_URL } : {}),
    ...(process.env.KVCSI_DATABASE_URL ? { databaseUrl: process.env.KVCSI_DATABASE_URL } : {}),
  }),
}));
// Static imports: CommonJS output cannot hand `import()` a module whose default is the feature.
backend.add(catalogPlugin);
backend.add(kvcsiPlugin);
backend.start().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
