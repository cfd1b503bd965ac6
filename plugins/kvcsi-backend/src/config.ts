/**
 * The `kvcsi:` section of app-config. The registry is the CLI's and the bot's (same format: inline under
 * `kvcsi.registry`, or a file), and `kvcsi.store` the same database string as theirs, so a request approved in Slack
 * is the request this plugin shows.
 */
import { readSchedulerServiceTaskScheduleDefinitionFromConfig, type RootConfigService, type SchedulerServiceTaskScheduleDefinition } from '@backstage/backend-plugin-api';
import { EXAMPLE_CONFIG_PATH, KvcsiError, loadRegistry, parseRegistryConfig, type ClusterRegistry, type PolicyConfigInput } from '@kvcsi/core';
import type { SandboxModeOptions } from '@kvcsi/runtime';

export interface KvcsiPluginConfig {
  registry: ClusterRegistry;
  /** `postgres://…`, `sqlite:<path>` or a path; undefined → the plugin's own Backstage database. */
  store?: string;
  /** Run against the sandbox (embedded, or served at `url` and shared) instead of Azure and real clusters. */
  sandbox?: Pick<SandboxModeOptions, 'scenario' | 'faults' | 'url'>;
  policy: PolicyConfigInput;
  refresh: SchedulerServiceTaskScheduleDefinition;
  /** List SecretProviderClassPodStatuses (mountedBy, synced); default true. */
  podStatuses: boolean;
  /**
   * `kvcsi.entraDecisions`: accept `kvcsi requests approve|reject` from the CLI with Entra ID tokens for kvcsi's API
   * (`audiences`: its application id URI and/or client id). Off when absent.
   */
  entraDecisions?: { audiences: string[]; authorityHost?: string };
}

export const DEFAULT_REFRESH: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 5 },
  timeout: { minutes: 4 },
  initialDelay: { seconds: 0 },
};

/** `{ scenario?, faults?, url? }`; the sandbox validates the faults itself. */
function sandboxOptions(section: Record<string, unknown>): Pick<SandboxModeOptions, 'scenario' | 'faults' | 'url'> {
  return {
    ...(typeof section.scenario === 'string' ? { scenario: section.scenario } : {}),
    ...(typeof section.url === 'string' && section.url !== '' ? { url: section.url } : {}),
    ...(section.faults !== undefined ? { faults: section.faults as SandboxModeOptions['faults'] } : {}),
  };
}

function entraDecisionsOf(section: ReturnType<RootConfigService['getOptionalConfig']>): Pick<KvcsiPluginConfig, 'entraDecisions'> {
  if (section === undefined) return {};
  const authorityHost = section.getOptionalString('authorityHost');
  return { entraDecisions: { audiences: section.getStringArray('audiences'), ...(authorityHost !== undefined ? { authorityHost } : {}) } };
}

/**
 * The registry, failing closed: `kvcsi.registry`, else `kvcsi.registryFile`, else KVCSI_CONFIG. The shipped example
 * (the sandbox's clusters) only with `kvcsi.sandbox`; never a kvcsi.yaml that happens to sit in the working directory.
 */
function readRegistry(config: ReturnType<RootConfigService['getOptionalConfig']>, sandbox: boolean, env: NodeJS.ProcessEnv): ClusterRegistry {
  const inline = config?.getOptional('registry');
  // JSON is YAML: one parser, one set of error messages for every front end.
  if (inline !== undefined) return parseRegistryConfig(JSON.stringify(inline), 'app-config kvcsi.registry');
  const file = config?.getOptionalString('registryFile') ?? (env.KVCSI_CONFIG || undefined);
  if (file !== undefined) return loadRegistry({ explicitPath: file });
  if (sandbox) return loadRegistry({ explicitPath: EXAMPLE_CONFIG_PATH });
  throw new KvcsiError(
    'CONFIG_INVALID',
    'kvcsi.registryFile: no cluster registry is configured; set kvcsi.registryFile (or kvcsi.registry, or KVCSI_CONFIG). The example registry is used only with kvcsi.sandbox',
    { field: 'kvcsi.registryFile' },
  );
}

export function readKvcsiConfig(rootConfig: RootConfigService, env: NodeJS.ProcessEnv = process.env): KvcsiPluginConfig {
  const config = rootConfig.getOptionalConfig('kvcsi');
  const sandbox = config?.getOptional('sandbox');
  const registry = readRegistry(config, sandbox === true || (typeof sandbox === 'object' && sandbox !== null), env);
  const refreshConfig = config?.getOptionalConfig('refresh');
  const policy = config?.getOptional('policy') as PolicyConfigInput | undefined;
  const store = config?.getOptionalString('store');
  return {
    registry,
    ...(store !== undefined && store.trim() !== '' ? { store } : {}),
    ...(sandbox === true ? { sandbox: {} } : sandbox && typeof sandbox === 'object' ? { sandbox: sandboxOptions(sandbox as Record<string, unknown>) } : {}),
    policy: policy ?? registry.policy ?? {},
    refresh: refreshConfig ? readSchedulerServiceTaskScheduleDefinitionFromConfig(refreshConfig) : DEFAULT_REFRESH,
    podStatuses: config?.getOptionalBoolean('index.podStatuses') ?? true,
    ...entraDecisionsOf(config?.getOptionalConfig('entraDecisions')),
  };
}
