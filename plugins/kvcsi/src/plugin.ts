/** The legacy frontend system: the plugin with its API, and the entity tab as a lazy component extension. */
import { createApiFactory, createComponentExtension, createPlugin, discoveryApiRef, fetchApiRef } from '@backstage/core-plugin-api';
import { kvcsiApiRef } from './api/KvcsiApi.js';
import { KvcsiClient } from './api/KvcsiClient.js';

export const kvcsiPlugin = createPlugin({
  id: 'kvcsi',
  apis: [
    createApiFactory({
      api: kvcsiApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) => new KvcsiClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/** `<EntityLayout.Route path="/key-vault" title="Key Vault" if={isKvcsiAvailable}><EntityKvcsiContent /></EntityLayout.Route>` */
export const EntityKvcsiContent = kvcsiPlugin.provide(
  createComponentExtension({
    name: 'EntityKvcsiContent',
    component: { lazy: () => import('./components/KvcsiContent.js').then((module) => module.KvcsiContent) },
  }),
);
