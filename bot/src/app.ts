/**
 * The Bolt app: one `/kvcsi` command, the buttons (Grant access, Create the secret, Approve, Reject, Supply the
 * value; the watcher's Snooze, Mute and Unmute) and the modals. Every listener acknowledges first (a command's ack
 * carries "working…"); slow work happens after, and its answer replaces that message through the response_url.
 * Transport (HTTP or Socket Mode) is chosen here and nowhere else.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KvcsiError, createLimiter, isWriteCommand, parseCommand, randomId, type ClusterRegistry, type KvcsiService } from '@kvcsi/core';
import { App, HTTPReceiver, LogLevel, type AnyMiddlewareArgs, type BlockAction, type ButtonAction, type Logger, type Middleware, type RespondFn, type ViewSubmitAction, type webApi } from '@slack/bolt';
import { createMemoryReplayClaims, createReplayGuard, type ReplayClaims } from './replay-guard.js';
import type { RequestCardStore } from '@kvcsi/store';
import { ApprovalDesk, type CardLocation } from './approvals.js';
import { context as contextBlock, type SlackMessage } from './blocks/kit.js';
import type { SlackConfig } from './config.js';
import { identify, mention, type SlackIdentity } from './identity.js';
import { SecretScrubber, createBotLogger } from './logger.js';
import { serveOpsRoutes, type OpsRoute } from './ops/routes.js';
import { createSocketModeLink, type SocketModeLink } from './receivers/socket.js';
import {
  CALLBACK_IDS, FIELDS, readMetadata, rejectModal, secretCreateModal, secretRequestModal, submittedText, supplyValueModal, type ModalMetadata,
} from './modals.js';
import { errorReply, plain, usageReply } from './presenters/common.js';
import { ACTION_IDS, type CreateSecretButtonValue, type GrantButtonValue, type RecoverSecretButtonValue } from './presenters/diagnosis.js';
import { actionResultMessage, secretResultMessage } from './presenters/requests.js';
import { resolveCluster, runCommand, workingMessage, type Reply } from './run-command.js';
import { watchControls, type WatchControlsOptions } from './watch/controls.js';

export interface KvcsiBotOptions {
  service: KvcsiService;
  registry: ClusterRegistry;
  config: SlackConfig;
  /** A function when the token is read from a file that may change (SLACK_BOT_TOKEN_FILE): every call uses the current one. */
  botToken: string | (() => string);
  /** HTTP transport: verifies every request's signature (a function: the current one, SLACK_SIGNING_SECRET_FILE). */
  signingSecret: string | (() => string);
  /** Socket Mode transport (config `slack.transport: socket`). */
  appToken?: string;
  /** The Web API base URL (`https://slack.com/api/` by default); a trailing slash is added when missing. */
  slackApiUrl?: string;
  logger?: Logger;
  /** Shared with the logger, so that values being handled are cut from every log line. */
  scrubber?: SecretScrubber;
  /** Calls auth.test when the app is built (default true); tests over a fake Slack may keep it. */
  tokenVerification?: boolean;
  /** Where request cards are, shared by the replicas (the store's `cards`); this process's memory when absent. */
  cards?: RequestCardStore;
  /** The operator's endpoints (/healthz, /readyz, /metrics) on the bot's port; only /healthz when absent. */
  routes?: OpsRoute[];
  /** Global middleware run before every listener (the shutdown's work tracker). */
  middleware?: Middleware<AnyMiddlewareArgs>[];
  /** Slack requests already handled in the replay window; the store's `replays` for replicas, else this process's memory. */
  replays?: ReplayClaims;
  /** Told how commands, approvals and card updates end (metrics). */
  observer?: BotObserver;
  /** The watcher's store and an audit log: the Snooze / Mute / Unmute buttons on its messages (watch/controls.ts). */
  watch?: WatchControlsOptions;
}

export interface BotObserver {
  /** `outcome`: ok, usage, refused, or the error code in lower case. */
  command?(verb: string, outcome: string): void;
  /** An approve or reject ended: the request's status after it, or conflict, forbidden, … */
  approval?(outcome: string): void;
  cardUpdated?(status: string): void;
}

/** The outcome label of a failed call: the KvcsiError code, else internal. */
function outcomeOf(error: unknown): string {
  return error instanceof KvcsiError ? error.code.toLowerCase() : 'internal';
}

export interface KvcsiBot {
  app: App;
  /** Socket Mode only: the connection's readiness (for /readyz). */
  socket?: SocketModeLink;
  approvals: ApprovalDesk;
  scrubber: SecretScrubber;
  /** Starts the transport; HTTP answers on `port` (0: any free port), and the chosen port is returned. */
  start(port?: number): Promise<{ port?: number }>;
  stop(): Promise<void>;
}

const UNKNOWN_USER_TEXT =
  'kvcsi does not know you yet, so you may read (diagnose, clusters, bindings, status, spc) but not change anything. ' +
  'Ask the platform team to add your Slack user id under `slack.users` in the kvcsi configuration.';

function refuseUnknown(identity: SlackIdentity): SlackMessage {
  return plain(`:no_entry: ${UNKNOWN_USER_TEXT} (your id: \`${identity.slackUserId}\`)`);
}

/** POSTs to a response_url at call time (so tests' fetch interception sees it). Non-2xx is an error, as Bolt's respond does. */
async function postToResponseUrl(url: string, body: Record<string, unknown>): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new KvcsiError('UNAVAILABLE', `Slack refused the response (HTTP ${response.status})`);
}

function stripTrailingNewline(value: string): string {
  return value.replace(/\r?\n$/, '');
}

function parseJson<T>(text: string | undefined): T | undefined {
  try {
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
}

export function createKvcsiBot(options: KvcsiBotOptions): KvcsiBot {
  const { service, registry, config } = options;
  const scrubber = options.scrubber ?? new SecretScrubber();
  const logger = options.logger ?? createBotLogger({ scrubber });
  const initialToken = typeof options.botToken === 'function' ? options.botToken() : options.botToken;
  const slackApiUrl = options.slackApiUrl ? (options.slackApiUrl.endsWith('/') ? options.slackApiUrl : `${options.slackApiUrl}/`) : undefined;
  const clientOptions: webApi.WebClientOptions = {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    // Resolve fetch per call, so a fetch patched after start (msw in tests, a proxy) is honoured; a token read from a
    // file goes in as it is now (WebClient fixes its Authorization header when it is made).
    fetch: typeof options.botToken === 'function' ? withCurrentBotToken(initialToken, options.botToken) : (input, init) => globalThis.fetch(input, init),
    logLevel: LogLevel.WARN,
  };
  let healthServer: Server | undefined;
  const useSocket = config.transport === 'socket';
  if (useSocket && !options.appToken) throw new KvcsiError('CONFIG_INVALID', 'slack.transport is socket but SLACK_APP_TOKEN is not set', { field: 'SLACK_APP_TOKEN' });

  // Socket Mode reaches Slack through the same Web API URL and fetch as every other call (apps.connections.open too).
  const socket = useSocket ? createSocketModeLink({ appToken: options.appToken as string, logger, ...(slackApiUrl ? { slackApiUrl } : {}), fetch: clientOptions.fetch }) : undefined;
  const receiver = socket
    ?? new HTTPReceiver({
      signingSecret: typeof options.signingSecret === 'function' ? options.signingSecret() : options.signingSecret,
      endpoints: '/slack/events',
      logger,
      customRoutes: options.routes ?? [{ path: '/healthz', method: ['GET'], handler: (_request, response) => { response.writeHead(200, { 'content-type': 'application/json' }); response.end('{"ok":true}'); } }],
    });
  // HTTPReceiver reads its signing secret at each request: one read from a file follows the file.
  if (!socket && typeof options.signingSecret === 'function') Object.defineProperty(receiver, 'signingSecret', { get: options.signingSecret });
  const app = new App({
    token: initialToken,
    receiver,
    logger,
    // Bolt sets its logger to INFO unless told a level: keep the one the logger was made with (LOG_LEVEL).
    logLevel: logger.getLevel(),
    // Developer mode logs every payload, modal values included: never on.
    developerMode: false,
    tokenVerificationEnabled: options.tokenVerification ?? true,
    clientOptions,
  });
  const client = app.client;
  // First: a replayed request (same trigger or event id inside Slack's 5-minute window) runs nothing (issue 19).
  app.use(createReplayGuard({ claims: options.replays ?? createMemoryReplayClaims(), logger }));
  for (const middleware of options.middleware ?? []) app.use(middleware);
  const { observer } = options;
  const approvals = new ApprovalDesk({
    client, config, service, logger, claimLeaseInMs: config.cardClaimLeaseInMs, ...(options.cards ? { cards: options.cards } : {}),
    ...(observer?.cardUpdated ? { onCardUpdated: (status: string) => observer.cardUpdated?.(status) } : {}),
  });
  // Commands run a few at a time (like Botkube's worker pool): a burst queues instead of starving the acks.
  const work = createLimiter(config.workers);

  /** Logs an unexpected error under a reference the person can quote, and returns what to show them. */
  const failure = (error: unknown, what: string): SlackMessage => {
    const reference = randomId('ref', 8);
    if (error instanceof KvcsiError && error.code !== 'INTERNAL') logger.info({ reference, what, code: error.code }, scrubber.scrub(error.message));
    else logger.error({ reference, what }, error);
    return errorReply(error, reference, (text) => scrubber.scrub(text));
  };

  /** The DM channel with a user (files cannot be shared to a user id directly). */
  const dmChannel = async (userId: string): Promise<string> => {
    const opened = await client.conversations.open({ users: userId });
    const id = opened.channel?.id;
    if (!id) throw new KvcsiError('UNAVAILABLE', 'Slack did not open a DM channel');
    return id;
  };

  const uploadFile = async (reply: Reply, channelId: string): Promise<void> => {
    if (!reply.file) return;
    await client.files.uploadV2({ channel_id: channelId, filename: reply.file.filename, title: reply.file.title, content: reply.file.content });
  };

  /** Replaces the "working…" message with the answer, or posts it in the channel with --public. */
  const deliver = async (reply: Reply, where: { respond: RespondFn; isPublic: boolean; channelId: string; userId: string }): Promise<void> => {
    let message = reply.message;
    if (reply.file) {
      try {
        const target = where.isPublic ? where.channelId : await dmChannel(where.userId);
        await uploadFile(reply, target);
        message = { ...message, blocks: [...message.blocks, contextBlock(where.isPublic ? `:page_facing_up: ${reply.file.filename} is attached in this channel.` : `:page_facing_up: ${reply.file.filename} was sent to you in a DM.`)] };
      } catch (error) {
        message = { ...message, blocks: [...message.blocks, ...failure(error, 'files.uploadV2').blocks] };
      }
    }
    if (where.isPublic) {
      await where.respond({ response_type: 'in_channel', replace_original: false, text: message.text, blocks: message.blocks });
      await where.respond({ delete_original: true }).catch((error: unknown) => logger.debug('could not delete the working message', error));
      return;
    }
    await where.respond({ response_type: 'ephemeral', replace_original: true, text: message.text, blocks: message.blocks });
  };

  // ---------------------------------------------------------------------------------------------------------------
  // /kvcsi

  app.command(config.command, async ({ command, ack, respond }) => {
    const started = Date.now();
    const parsed = parseCommand(command.text, { commandName: config.command });
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', ...usageReply(parsed.error) });
      observer?.command?.('usage', 'usage');
      return;
    }
    const parsedCommand = parsed.command;
    const identity = identify(config, command.user_id, command.user_name);
    if (isWriteCommand(parsedCommand) && !identity.known) {
      await ack({ response_type: 'ephemeral', ...refuseUnknown(identity) });
      observer?.command?.(parsedCommand.verb, 'refused');
      return;
    }

    if (parsedCommand.verb === 'secret-create' || parsedCommand.verb === 'secret-request') {
      let cluster: string;
      try {
        cluster = resolveCluster(registry, config, parsedCommand.cluster, command.channel_id, command.channel_name);
      } catch (error) {
        await ack({ response_type: 'ephemeral', ...failure(error, parsedCommand.verb) });
        observer?.command?.(parsedCommand.verb, outcomeOf(error));
        return;
      }
      await ack();
      // The trigger id expires 3 s after the command: open the modal before anything else.
      const metadata: ModalMetadata = { cluster, name: parsedCommand.name, channelId: command.channel_id, responseUrl: command.response_url };
      const view = parsedCommand.verb === 'secret-create'
        ? secretCreateModal({ ...metadata, cluster, name: parsedCommand.name })
        : secretRequestModal({ ...metadata, cluster, name: parsedCommand.name, app: parsedCommand.app });
      try {
        await client.views.open({ trigger_id: command.trigger_id, view });
      } catch (error) {
        await respond({ response_type: 'ephemeral', ...failure(error, 'views.open') }).catch(() => undefined);
      }
      observer?.command?.(parsedCommand.verb, 'ok');
      return;
    }

    // "Working…" rides in the ack itself: one HTTP answer, no extra call on the bot's thread; the answer replaces it
    // through the response_url.
    await ack({ response_type: 'ephemeral', ...workingMessage(command.text, config.command) });
    await work(async () => {
      let reply: Reply;
      try {
        reply = await runCommand(parsedCommand, {
          service, registry, config, approvals, actor: identity.actor, channelId: command.channel_id, channelName: command.channel_name,
        });
        observer?.command?.(parsedCommand.verb, 'ok');
      } catch (error) {
        reply = { message: failure(error, parsedCommand.verb) };
        observer?.command?.(parsedCommand.verb, outcomeOf(error));
      }
      try {
        await deliver(reply, { respond, isPublic: parsedCommand.public, channelId: command.channel_id, userId: command.user_id });
      } catch (error) {
        logger.warn({ verb: parsedCommand.verb }, 'could not deliver the answer', error);
      }
    });
    logger.info({ verb: parsedCommand.verb, user: command.user_id, durationInMs: Date.now() - started }, 'command answered');
  });

  // ---------------------------------------------------------------------------------------------------------------
  // Buttons

  const ephemeral = (respond: RespondFn, message: SlackMessage): Promise<unknown> =>
    respond({ response_type: 'ephemeral', replace_original: false, text: message.text, blocks: message.blocks }).catch((error: unknown) => logger.warn('could not answer a click', error));

  const clickedCard = (body: BlockAction): CardLocation | undefined => {
    const channel = body.container?.channel_id ?? body.channel?.id;
    const ts = body.container?.message_ts ?? body.message?.ts;
    return channel && ts ? { channel, ts } : undefined;
  };

  /** Every button: acknowledged at once; only a person the config knows gets further. */
  const onButton = (
    actionId: string,
    handle: (click: { body: BlockAction<ButtonAction>; action: ButtonAction; respond: RespondFn; identity: SlackIdentity }) => Promise<void>,
  ): void => {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const identity = identify(config, body.user.id, body.user.name);
      if (!identity.known) return void (await ephemeral(respond, refuseUnknown(identity)));
      await handle({ body, action, respond, identity });
    });
  };

  /** Opens a modal from a click; a trigger that expired or a refused view is told to the clicker. */
  const openModal = async (respond: RespondFn, triggerId: string, view: webApi.View): Promise<void> => {
    try {
      await client.views.open({ trigger_id: triggerId, view });
    } catch (error) {
      await ephemeral(respond, failure(error, 'views.open'));
    }
  };

  onButton(ACTION_IDS.grantAccess, async ({ action, respond, identity }) => {
    const value = parseJson<GrantButtonValue>(action.value);
    try {
      if (!value?.cluster) throw new KvcsiError('INVALID_INPUT', 'This button is out of date; run the diagnosis again.');
      let app = value.app;
      if (!app) {
        // A pod's diagnosis names no app: the binding in the pod's namespace says which one.
        const bindings = await service.bindings({ cluster: value.cluster });
        const apps = [...new Set(bindings.clusters.flatMap((cluster) => cluster.bindings).filter((binding) => !value.namespace || binding.namespace === value.namespace).map((binding) => binding.app))];
        if (apps.length !== 1) throw new KvcsiError('INVALID_INPUT', `Cannot tell which app to grant (${apps.length === 0 ? 'no binding' : apps.join(', ')}); use /kvcsi grant <app> ${value.cluster}.`);
        app = apps[0] as string;
      }
      const result = await service.grant({ actor: identity.actor, app, cluster: value.cluster, justification: `grant ${app} on ${value.cluster} after a diagnosis, asked in Slack by ${identity.actor.displayName ?? identity.actor.id}` });
      if (result.request && result.outcome.status === 'pending') await approvals.post(result.request);
      await ephemeral(respond, actionResultMessage('grant', result, { approvalsChannel: config.approvalsChannel }));
    } catch (error) {
      await ephemeral(respond, failure(error, 'grant-access button'));
    }
  });

  onButton(ACTION_IDS.createSecret, async ({ body, action, respond }) => {
    const value = parseJson<CreateSecretButtonValue>(action.value);
    if (!value?.cluster || !value.name) return void (await ephemeral(respond, plain('This button is out of date; run the diagnosis again.')));
    await openModal(respond, body.trigger_id, secretCreateModal({ cluster: value.cluster, name: value.name, ...(body.channel?.id ? { channelId: body.channel.id } : {}) }));
  });

  onButton(ACTION_IDS.recoverSecret, async ({ action, respond, identity }) => {
    const value = parseJson<RecoverSecretButtonValue>(action.value);
    try {
      if (!value?.cluster || !value.name) throw new KvcsiError('INVALID_INPUT', 'This button is out of date; run the diagnosis again.');
      const result = await service.recoverSecret({
        actor: identity.actor, cluster: value.cluster, name: value.name, ...(value.app ? { app: value.app } : {}),
        justification: `recover ${value.name} on ${value.cluster}: pods fail to mount it since it was deleted (asked in Slack by ${identity.actor.displayName ?? identity.actor.id})`,
      });
      if (result.request && result.outcome.status === 'pending') await approvals.post(result.request);
      await ephemeral(respond, secretResultMessage(result, { approvalsChannel: config.approvalsChannel }));
    } catch (error) {
      await ephemeral(respond, failure(error, 'recover-secret button'));
    }
  });

  onButton(ACTION_IDS.approve, async ({ body, action, respond, identity }) => {
    const requestId = action.value ?? '';
    const clicked = clickedCard(body);
    try {
      const result = await service.approve({ actor: identity.actor, requestId });
      const request = result.request ?? (await service.getRequest(requestId));
      observer?.approval?.(request.status);
      await approvals.announce(request, clicked);
      if (result.outcome.status === 'failed') await ephemeral(respond, plain(`:x: Approved, but applying failed: ${scrubber.scrub(result.outcome.message)}`));
    } catch (error) {
      observer?.approval?.(outcomeOf(error));
      if (KvcsiError.is(error, 'CONFLICT')) {
        const request = await service.getRequest(requestId).catch(() => undefined);
        if (request) await approvals.refresh(request, clicked).catch((refreshError: unknown) => logger.warn('could not update the card', refreshError));
        const by = request?.decision ? ` by ${request.decision.by === identity.actor.id ? 'you' : mention(config, request.decision.by)}` : '';
        const already = request ? `:information_source: ${requestId} was already ${request.status}${by}.` : `:information_source: ${error.message}`;
        await ephemeral(respond, plain(already));
        return;
      }
      await ephemeral(respond, failure(error, 'approve'));
    }
  });

  onButton(ACTION_IDS.reject, async ({ body, action, respond }) => {
    const clicked = clickedCard(body);
    const metadata: ModalMetadata = { requestId: action.value ?? '', ...(clicked ? { channelId: clicked.channel, cardTs: clicked.ts } : {}) };
    await openModal(respond, body.trigger_id, rejectModal({ ...metadata, requestId: action.value ?? '' }));
  });

  onButton(ACTION_IDS.supplyValue, async ({ body, action, respond }) => {
    const requestId = action.value ?? '';
    await openModal(respond, body.trigger_id, supplyValueModal({ requestId, name: requestId, ...(body.channel?.id ? { channelId: body.channel.id } : {}) }));
  });

  // The watcher's Snooze / Mute / Unmute: known users only (onButton), kept in the store and audited; no access changes.
  if (options.watch) {
    for (const control of watchControls({ ...options.watch, registry, client, warn: (message, error) => logger.warn(message, error) })) {
      onButton(control.actionId, async ({ action, respond, identity }) => {
        try {
          await ephemeral(respond, await control.handle({ value: action.value, identity }));
        } catch (error) {
          await ephemeral(respond, failure(error, 'watch button'));
        }
      });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Modals

  /** Answers a modal's outcome where the person will see it: the command's response_url, else a DM. */
  const answer = async (metadata: ModalMetadata, userId: string, message: SlackMessage): Promise<void> => {
    try {
      if (metadata.responseUrl) {
        await postToResponseUrl(metadata.responseUrl, { response_type: 'ephemeral', replace_original: true, text: message.text, blocks: message.blocks });
        return;
      }
      await client.chat.postMessage({ channel: userId, text: message.text, blocks: message.blocks });
    } catch (error) {
      logger.warn('could not deliver a modal outcome', error);
    }
  };

  /** What a value modal's handler gets, and where its answer goes (the command's response_url, or a DM when absent). */
  interface ValueSubmission {
    value: string;
    view: ViewSubmitAction['view'];
    metadata: ModalMetadata;
    identity: SlackIdentity;
  }

  /**
   * A modal that carries a secret value: an empty one is refused inside the modal; otherwise the value is held for
   * scrubbing while it is handled, the submission acknowledged, and `act`'s answer (or its failure) delivered.
   */
  const onValueSubmitted =
    (what: string, answerTo: 'command' | 'dm', act: (submission: ValueSubmission) => Promise<SlackMessage>) =>
    async ({ ack, body, view }: { ack: (response?: { response_action: 'errors'; errors: Record<string, string> }) => Promise<void>; body: ViewSubmitAction; view: ViewSubmitAction['view'] }): Promise<void> => {
      const raw = submittedText(view, FIELDS.value);
      if (raw === undefined || stripTrailingNewline(raw) === '') {
        await ack({ response_action: 'errors', errors: { [FIELDS.value]: 'The value is empty.' } });
        return;
      }
      const value = stripTrailingNewline(raw);
      const release = scrubber.hold(value);
      try {
        await ack();
        const metadata = readMetadata(view);
        const identity = identify(config, body.user.id, body.user.name);
        if (!identity.known) return void (await answer(metadata, body.user.id, refuseUnknown(identity)));
        let message: SlackMessage;
        try {
          message = await act({ value, view, metadata, identity });
        } catch (error) {
          message = failure(error, what);
        }
        await answer(answerTo === 'command' ? metadata : {}, body.user.id, message);
      } finally {
        release();
      }
    };

  app.view<ViewSubmitAction>(
    CALLBACK_IDS.secretCreate,
    onValueSubmitted('secret create', 'command', async ({ value, view, metadata, identity }) => {
      if (!metadata.cluster || !metadata.name) throw new KvcsiError('INVALID_INPUT', 'This form is out of date; run the command again.');
      const contentType = submittedText(view, FIELDS.contentType);
      const justification = submittedText(view, FIELDS.justification);
      const result = await service.createSecret({
        actor: identity.actor, name: metadata.name, cluster: metadata.cluster, value,
        ...(contentType ? { contentType } : {}), ...(justification ? { justification } : {}),
      });
      if (result.request && result.outcome.status === 'pending') await approvals.post(result.request);
      return secretResultMessage(result, { approvalsChannel: config.approvalsChannel });
    }),
  );

  app.view<ViewSubmitAction>(CALLBACK_IDS.secretRequest, async ({ ack, body, view }) => {
    const justification = submittedText(view, FIELDS.justification);
    if (!justification || justification.trim().length < 5) {
      await ack({ response_action: 'errors', errors: { [FIELDS.justification]: 'Say in a few words why it is needed.' } });
      return;
    }
    await ack();
    const metadata = readMetadata(view);
    const identity = identify(config, body.user.id, body.user.name);
    if (!identity.known) return void (await answer(metadata, body.user.id, refuseUnknown(identity)));
    let message: SlackMessage;
    try {
      if (!metadata.cluster || !metadata.name || !metadata.app) throw new KvcsiError('INVALID_INPUT', 'This form is out of date; run the command again.');
      const description = submittedText(view, FIELDS.description);
      const { results } = await service.requestSecret({
        actor: identity.actor, name: metadata.name, app: metadata.app, clusters: [metadata.cluster], justification, ...(description ? { description } : {}),
      });
      for (const result of results) {
        if (result.request && result.outcome.status === 'pending') await approvals.post(result.request);
        // Approved at once (no approval needed on this tier): the requester can supply the value now.
        if (result.request && result.outcome.status === 'approved') await approvals.tellRequester(result.request);
      }
      const first = results[0];
      message = first ? secretResultMessage(first, { approvalsChannel: config.approvalsChannel }) : plain('Nothing was requested.');
    } catch (error) {
      message = failure(error, 'secret request');
    }
    await answer(metadata, body.user.id, message);
  });

  app.view<ViewSubmitAction>(
    CALLBACK_IDS.supplyValue,
    onValueSubmitted('supply value', 'dm', async ({ value, metadata, identity }) => {
      if (!metadata.requestId) throw new KvcsiError('INVALID_INPUT', 'This form is out of date.');
      const result = await service.supplySecretValue({ actor: identity.actor, requestId: metadata.requestId, value });
      if (result.request) await approvals.refresh(result.request).catch((error: unknown) => logger.warn('could not update the card', error));
      return secretResultMessage(result);
    }),
  );

  app.view<ViewSubmitAction>(CALLBACK_IDS.reject, async ({ ack, body, view }) => {
    const reason = submittedText(view, FIELDS.reason);
    if (!reason || reason.trim().length === 0) {
      await ack({ response_action: 'errors', errors: { [FIELDS.reason]: 'Give a reason: the requester will see it.' } });
      return;
    }
    await ack();
    const metadata = readMetadata(view);
    const identity = identify(config, body.user.id, body.user.name);
    const requestId = metadata.requestId ?? '';
    const clicked = metadata.channelId && metadata.cardTs ? { channel: metadata.channelId, ts: metadata.cardTs } : undefined;
    try {
      const result = await service.reject({ actor: identity.actor, requestId, reason });
      observer?.approval?.('rejected');
      await approvals.announce(result.request ?? (await service.getRequest(requestId)), clicked);
    } catch (error) {
      observer?.approval?.(outcomeOf(error));
      let message = failure(error, 'reject');
      if (KvcsiError.is(error, 'CONFLICT')) {
        const request = await service.getRequest(requestId).catch(() => undefined);
        if (request) await approvals.refresh(request, clicked).catch(() => undefined);
        message = plain(`:information_source: ${error.message}`);
      }
      await client.chat.postMessage({ channel: body.user.id, text: message.text, blocks: message.blocks }).catch((postError: unknown) => logger.warn('could not tell the approver', postError));
    }
  });

  app.error(async (error) => {
    logger.error('unhandled error in a listener', error);
  });

  let sweepTimer: NodeJS.Timeout | undefined;

  return {
    app,
    ...(socket ? { socket } : {}),
    approvals,
    scrubber,
    async start(port = 3000) {
      sweepTimer = setInterval(() => void approvals.sweep().catch((error: unknown) => logger.warn('approvals sweep failed', error)), config.expirySweepIntervalInMs);
      sweepTimer.unref();
      if (socket) {
        // Socket Mode has no HTTP server of its own: /healthz (alive) and /readyz (connected to Slack) answer from
        // here, before the first connection, so the orchestrator sees "alive, not ready" while it is being made.
        healthServer = createServer(options.routes ? serveOpsRoutes(options.routes) : (request, response) => {
          const readiness = socket.readiness();
          const [status, body] = request.url === '/healthz' ? [200, { ok: true }]
            : request.url === '/readyz' ? [readiness.ready ? 200 : 503, { ok: readiness.ready, socketMode: readiness.state, reconnects: readiness.reconnects }]
              : [404, { ok: false }];
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        });
        await new Promise<void>((resolve) => healthServer!.listen(port, resolve));
        try {
          await app.start();
        } catch (error) {
          await new Promise<void>((resolve) => healthServer!.close(() => resolve()));
          throw error;
        }
        return { port: (healthServer.address() as AddressInfo).port };
      }
      const server = (await app.start(port)) as Server;
      return { port: (server.address() as AddressInfo).port };
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      await approvals.settled();
      if (healthServer) await new Promise<void>((resolve) => healthServer!.close(() => resolve()));
      await app.stop();
    },
  };
}

/**
 * fetch for the WebClient when the bot token is read from a file: the Authorization header WebClient fixed at
 * construction (the first token) is replaced by the current one. Other tokens (a call's own) pass unchanged.
 */
function withCurrentBotToken(initialToken: string, current: () => string): typeof fetch {
  const initial = `Bearer ${initialToken}`;
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (headers.get('authorization') === initial) headers.set('authorization', `Bearer ${current()}`);
    return globalThis.fetch(input, { ...init, headers });
  };
}
