/** The kvcsi backend plugin (new backend system): config → runtime, store and service → index → routes. */
import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { kvcsiPermissions } from '@kvcsi/backstage-plugin-common';
import { createEntraTokenVerifier, createKvcsiService, decisionKeysFromEnv } from '@kvcsi/core';
import { createDecisionsRouter } from './decisions-router.js';
import { createRuntime } from '@kvcsi/runtime';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { createBindingsIndex } from './bindings-index.js';
import { readKvcsiConfig } from './config.js';
import { createRouter } from './router.js';
import { openPluginStore } from './store.js';

export const INDEX_REFRESH_TASK_ID = 'kvcsi-index-refresh';

export const kvcsiPlugin = createBackendPlugin({
  pluginId: 'kvcsi',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        rootConfig: coreServices.rootConfig,
        auth: coreServices.auth,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
      },
      async init({ httpRouter, logger, rootConfig, auth, httpAuth, permissions, permissionsRegistry, database, scheduler, auditor, lifecycle, catalog }) {
        const config = readKvcsiConfig(rootConfig);
        const { registry } = config;
        permissionsRegistry.addPermissions(kvcsiPermissions);

        const runtime = createRuntime({ registry, ...(config.sandbox ? { sandbox: { stateFile: false, ...config.sandbox } } : {}) });
        const store = await openPluginStore({ ...(config.store !== undefined ? { url: config.store } : {}), database, sandbox: config.sandbox !== undefined });
        lifecycle.addShutdownHook(async () => {
          await store.close();
          await runtime.close();
        });
        const service = createKvcsiService({
          registry, clusterPort: (name) => runtime.clusterPort(name), vault: runtime.vault, requests: store.requests, audit: store.audit, policy: config.policy,
          // The backend decides after verifying the Backstage token, and signs its decisions (KVCSI_DECISION_KEY; the sandbox's key in sandbox mode).
          decisions: decisionKeysFromEnv(process.env, { sandbox: config.sandbox !== undefined }),
        });
        const index = createBindingsIndex({
          registry, clusterPort: (name) => runtime.clusterPort(name), vault: runtime.vault, skipMounts: !config.podStatuses,
          onSourceError: (source, error) => logger.warn(`kvcsi index: ${source} could not be read (${error.code}): ${error.message}`),
        });
        await scheduler.scheduleTask({
          id: INDEX_REFRESH_TASK_ID,
          // Every instance keeps its own index in memory.
          scope: 'local',
          ...config.refresh,
          fn: async (signal) => {
            const stats = await index.refresh({ signal });
            logger.info(`kvcsi index refreshed in ${stats.wallInMs.toFixed(0)} ms: ${stats.spcs} SecretProviderClasses on ${stats.clusters} clusters, ${stats.secrets} secrets in ${stats.vaults} vaults, ${stats.failures} failing sources`);
          },
        });
        httpRouter.use(await createRouter({
          httpAuth, auth, permissions, auditor, catalog, logger, service, index, registry, clusterPort: (name) => runtime.clusterPort(name),
          ...(store.problems !== undefined ? { problems: store.problems } : {}),
        }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        if (config.entraDecisions) {
          // The CLI's approvals: authenticated by the Entra ID token the router verifies, not by a Backstage token.
          const verifier = createEntraTokenVerifier({ tenantId: registry.tenantId, ...config.entraDecisions });
          httpRouter.use(createDecisionsRouter({ service, verifier, logger }));
          httpRouter.addAuthPolicy({ path: '/decisions', allow: 'unauthenticated' });
        }
        logger.info(`kvcsi: ${registry.list().length} clusters${config.sandbox ? ' (sandbox)' : ''}, store ${config.store !== undefined ? 'from kvcsi.store' : 'in the plugin database'}`);
      },
    });
  },
});
