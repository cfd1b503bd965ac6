/** The new frontend system: `import kvcsiPlugin from '@kvcsi/backstage-plugin/alpha'` and add it to the app's features. */
import { ApiBlueprint, createFrontendPlugin, discoveryApiRef, fetchApiRef } from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isKvcsiAvailable } from '@kvcsi/backstage-plugin-common';
import { kvcsiApiRef } from './api/KvcsiApi.js';
import { KvcsiClient } from './api/KvcsiClient.js';

export const kvcsiApi = ApiBlueprint.make({
  params: (defineParams) => defineParams({
    api: kvcsiApiRef,
    deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
    factory: ({ discoveryApi, fetchApi }) => new KvcsiClient({ discoveryApi, fetchApi }),
  }),
});

/** The "Key Vault" tab, on entities that name a kvcsi app (kvcsi.io/app or backstage.io/kubernetes-id). */
export const kvcsiEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'key-vault',
    title: 'Key Vault',
    group: 'deployment',
    filter: isKvcsiAvailable,
    loader: () => import('./components/KvcsiContent.js').then((module) => <module.KvcsiContent />),
  },
});

const kvcsiPlugin = createFrontendPlugin({
  pluginId: 'kvcsi',
  info: { packageJson: () => import('../package.json') },
  extensions: [kvcsiApi, kvcsiEntityContent],
});

// The new frontend system discovers a plugin package's default export.
export default kvcsiPlugin;
