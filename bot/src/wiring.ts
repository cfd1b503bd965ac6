/**
 * The composition root's service half: registry + runtime ports (Azure and Kubernetes, or the embedded sandbox) +
 * store + policy → one KvcsiService. The `slack.users` groups are merged into the policy's groups, so a Slack user
 * configured as an approver is one to the policy too.
 */
import {
  KvcsiError, SANDBOX_POLICY, createKvcsiService, createMemoryAuditLog, createMemoryRequestStore, decisionKeysFromEnv, policyConfigSchema,
  type AuditLog, type ClusterRegistry, type DecisionKeys, type KvcsiService, type PolicyConfigInput, type RequestStore,
} from '@kvcsi/core';
import { createRuntime, startSandboxMode, type Runtime, type SandboxMode } from '@kvcsi/runtime';
import { createStore, storeOptionsFromUrl } from '@kvcsi/store';
import type * as Msw from 'msw';
import type { RequestHandler } from 'msw';
import { policyGroupsOf, type SlackConfig } from './config.js';

export interface BotServiceOptions {
  registry: ClusterRegistry;
  slack: SlackConfig;
  /** The `policy:` section; in sandbox mode the sandbox's policy is used when absent. */
  policy?: PolicyConfigInput;
  /** Run over the embedded sandbox (KVCSI_SANDBOX=1). */
  sandbox?: { stateFile?: string | false; scenario?: string; /** A sandbox served by another process (KVCSI_SANDBOX_URL). */ url?: string };
  /** Extra msw handlers beside the sandbox's (a fake Slack, in tests and the bench). Sandbox mode only. */
  extraHandlers?: RequestHandler[];
  /** Sandbox mode: the Web API base URL (SLACK_API_URL) when it is not slack.com, so that it is not intercepted. */
  slackApiUrl?: string;
  /** KVCSI_DATABASE_URL: requests and audit in SQLite or PostgreSQL; in memory when absent. */
  databaseUrl?: string;
  env?: NodeJS.ProcessEnv;
}

export interface BotService {
  service: KvcsiService;
  runtime: Runtime;
  sandbox?: SandboxMode;
  close(): Promise<void>;
}

/** The policy with the Slack users' group memberships added. */
export function mergeSlackGroups(policy: PolicyConfigInput, slack: SlackConfig): PolicyConfigInput {
  const groups: Record<string, string[]> = { ...(policy.groups ?? {}) };
  for (const [group, members] of Object.entries(policyGroupsOf(slack))) groups[group] = [...new Set([...(groups[group] ?? []), ...members])];
  const merged = { ...policy, groups };
  const checked = policyConfigSchema.safeParse(merged);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new KvcsiError('CONFIG_INVALID', `policy (with slack.users groups): ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`, { field: 'policy' });
  }
  return merged;
}

/** msw handlers letting Slack's hosts through the sandbox's interception (Web API, response_urls, files, Socket Mode). */
export function slackPassthrough(slackApiUrl?: string): RequestHandler[] {
  // msw is a development dependency (the sandbox's): required only here, in sandbox mode, never in production.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { http, passthrough } = require('msw') as typeof Msw;
  const handlers = [http.all(/^https:\/\/([a-z0-9-]+\.)*slack\.com\//, () => passthrough())];
  if (slackApiUrl) {
    const origin = new URL(slackApiUrl).origin;
    handlers.push(http.all(`${origin}/*`, () => passthrough()));
  }
  return handlers;
}

// --- issue 13 (trust boundaries): the bot is a deciding server -------------------------------------------------------
/** The bot signs the decisions it makes after checking Slack's signature (KVCSI_DECISION_KEY; the sandbox's key in sandbox mode). */
function botDecisionKeys(options: BotServiceOptions): DecisionKeys {
  return decisionKeysFromEnv(options.env ?? process.env, { sandbox: options.sandbox !== undefined });
}

/** Sandbox mode shares only a store the sandbox created; a live bot refuses a sandbox store. */
function storeModeOf(options: BotServiceOptions): { mode: 'sandbox' | 'live' } {
  return { mode: options.sandbox !== undefined ? 'sandbox' : 'live' };
}
// ---------------------------------------------------------------------------------------------------------------------

export async function createBotService(options: BotServiceOptions): Promise<BotService> {
  const { registry } = options;
  let sandbox: SandboxMode | undefined;
  let runtime: Runtime;
  if (options.sandbox) {
    sandbox = startSandboxMode(registry, {
      ...(options.sandbox.stateFile === undefined ? {} : { stateFile: options.sandbox.stateFile }),
      ...(options.sandbox.scenario === undefined ? {} : { scenario: options.sandbox.scenario }),
      ...(options.sandbox.url === undefined ? {} : { url: options.sandbox.url }),
    });
    // The sandbox intercepts this process's HTTP and refuses what it does not simulate: Slack itself must pass.
    sandbox.server.server.use(...slackPassthrough(options.slackApiUrl));
    // Added last, so they come first: a fake Slack in tests wins over the passthrough.
    if (options.extraHandlers?.length) sandbox.server.server.use(...options.extraHandlers);
    runtime = createRuntime({ registry, credential: sandbox.credential, kubeconfig: sandbox.kubeconfig });
  } else {
    runtime = createRuntime({ registry });
  }

  let requests: RequestStore;
  let audit: AuditLog;
  let closeStore = async (): Promise<void> => undefined;
  if (options.databaseUrl) {
    const store = await createStore({ ...storeOptionsFromUrl(options.databaseUrl, options.env ?? process.env), ...storeModeOf(options) });
    requests = store;
    audit = store;
    closeStore = () => store.close();
  } else {
    requests = createMemoryRequestStore();
    audit = createMemoryAuditLog();
  }

  const basePolicy = options.policy ?? (options.sandbox ? SANDBOX_POLICY : {});
  const service = createKvcsiService({
    registry,
    clusterPort: (name) => runtime.clusterPort(name),
    vault: runtime.vault,
    requests,
    audit,
    policy: mergeSlackGroups(basePolicy, options.slack),
    decisions: botDecisionKeys(options),
  });
  return {
    service,
    runtime,
    ...(sandbox ? { sandbox } : {}),
    async close() {
      await closeStore();
      await runtime.close();
      sandbox?.server.close();
    },
  };
}
