/**
 * The dev backend: `npm run start -w @kvcsi/backstage-plugin-backend` → http://localhost:7007 with the catalog backend,
 * the sandbox apps as entities, and kvcsi over the embedded sandbox (or, under `npm start`, the shared one at
 * KVCSI_SANDBOX_URL with the store at KVCSI_DATABASE_URL). Script it with the static token:
 *   curl -H "Authorization: Bearer $KVCSI_DEV_TOKEN" 'http://localhost:7007/api/kvcsi/bindings?entityRef=component:default/defectdojo'
 */
import path from 'node:path';
import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { kvcsiPlugin } from '@kvcsi/backstage-plugin-backend';
import { devConfig } from './config.js';

const DEFAULT_DEV_TOKEN = 'kvcsi-dev-token-not-for-production';

const token = process.env.KVCSI_DEV_TOKEN || DEFAULT_DEV_TOKEN;
if (!process.env.KVCSI_DEV_TOKEN) console.warn(`KVCSI_DEV_TOKEN is not set: the static token is "${DEFAULT_DEV_TOKEN}"`);
const port = Number(process.env.PORT || 7007);

const backend = createBackend();
backend.add(mockServices.rootConfig.factory({
  data: devConfig({
    port,
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
