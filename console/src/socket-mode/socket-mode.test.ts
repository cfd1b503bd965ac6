/**
 * Socket Mode, end to end: `npm start -- --socket`'s stack (the sandbox process, the real bot process from bot/dist
 * in Socket Mode, the console as Slack) on free ports with a fresh state. People act through the console's own page
 * API (/ui/…), as the browser does; the bot answers over its WebSocket and the Web API, both at the console.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseStartOptions } from '../start/options.js';
import { startStack, type Stack } from '../start/stack.js';
import type { ConsoleMessage, Json } from '../workspace.js';
import type { SocketModeHub } from './hub.js';

const RITA = 'U0SBXREQ01';
const ABEL = 'U0SBXAPP01';
const PRD = 'C0SBXPRD';
const DEV = 'C0SBXDEV';
const APPROVALS = 'C0SBXAPPROVALS';
const WAIT_IN_MS = 20_000;

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutInMs = WAIT_IN_MS): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
}

/** Everything a message shows, for matching: its text and its blocks. */
function shown(message: ConsoleMessage): string {
  return `${message.text}\n${JSON.stringify(message.blocks ?? [])}`;
}

interface Button {
  actionId: string;
  blockId: string;
}

function button(message: ConsoleMessage, label: string): Button | undefined {
  for (const block of message.blocks ?? []) {
    const elements = [...(Array.isArray(block.elements) ? (block.elements as Json[]) : []), ...(block.accessory ? [block.accessory as Json] : [])];
    const found = elements.find((element) => element.type === 'button' && (element.text as Json | undefined)?.text === label);
    if (found) return { actionId: String(found.action_id), blockId: String(block.block_id ?? '') };
  }
  return undefined;
}

/** The console as its page uses it, plus what a test needs to look at. */
function driver(stack: Stack) {
  const { workspace } = stack.console;
  const ui = async (route: string, body: Json): Promise<Json> => {
    const response = await fetch(`${stack.consoleUrl}/ui/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = (await response.json()) as Json;
    if (!response.ok) throw new Error(`/ui/${route}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const messages = (user: string, channel: string): ConsoleMessage[] => workspace.visibleTo(user).filter((message) => message.channel === channel && !message.isCommandEcho);
  return {
    messages,
    /** Types a command and returns once Slack has its acknowledgement (or gave up), as the page does. */
    async type(user: string, channel: string, text: string): Promise<void> {
      await ui('type', { user, channel, text });
    },
    async click(user: string, message: ConsoleMessage, label: string): Promise<void> {
      const found = button(message, label);
      if (!found) throw new Error(`no "${label}" button on ${shown(message)}`);
      await ui('click', { user, messageId: message.id, actionId: found.actionId, blockId: found.blockId });
    },
    submit: (user: string, viewId: string, values: Record<string, Record<string, string>>) => ui('submit', { user, viewId, values }),
    /** The newest message in a conversation that matches. */
    waitForMessage(user: string, channel: string, pattern: RegExp, timeoutInMs?: number): Promise<ConsoleMessage> {
      return waitFor(`a message matching ${pattern} in ${channel} for ${user}`, () => messages(user, channel).filter((message) => pattern.test(shown(message))).at(-1), timeoutInMs);
    },
    /** Every message anyone can see, for the canary search. */
    everything(): string {
      return [RITA, ABEL, 'U0SBXOUT01'].flatMap((user) => workspace.visibleTo(user).map(shown)).join('\n');
    },
  };
}

async function readyz(stack: { botUrl: string }): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.botUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Json };
}

async function startSocketStack(output: string[], botEnv?: Record<string, string>): Promise<{ stack: Stack; stateDir: string }> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'kvcsi-socket-'));
  const options = parseStartOptions(['--socket', '--port', '0', '--bot-port', '0', '--sandbox-port', '0', '--no-backstage', '--state-dir', stateDir]);
  try {
    const stack = await startStack(options, { log: (line) => void output.push(line), ...(botEnv ? { botEnv } : {}) });
    return { stack, stateDir };
  } catch (error) {
    process.stderr.write(`${output.slice(-40).join('\n')}\n`);
    throw error;
  }
}

describe('one bot over Socket Mode', () => {
  let stack: Stack;
  let stateDir: string;
  let hub: SocketModeHub;
  let ui: ReturnType<typeof driver>;
  // Debug logging: the level at which the Socket Mode client logs whole envelopes.
  const output: string[] = [];

  beforeAll(async () => {
    ({ stack, stateDir } = await startSocketStack(output, { LOG_LEVEL: 'debug' }));
    hub = stack.console.socketMode as SocketModeHub;
    ui = driver(stack);
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 30_000);

  it('connects through apps.connections.open at the console, with the app-level token, and has no HTTP receiver', async () => {
    expect(stack.transport).toBe('socket');
    expect(hub.connectionsInfo()).toHaveLength(1);
    expect(hub.events.filter((event) => event.kind === 'ticket').length).toBeGreaterThanOrEqual(1);
    expect(await readyz(stack)).toMatchObject({ status: 200, body: { ok: true, checks: { 'slack-socket': 'ok' } } });
    expect((await fetch(`${stack.botUrl}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(404);
    // apps.connections.open wants the app-level token, as Slack does.
    const open = async (token?: string): Promise<Json> => (await (await fetch(`${stack.console.apiUrl}apps.connections.open`, { method: 'POST', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) })).json()) as Json;
    expect(await open()).toEqual({ ok: false, error: 'not_authed' });
    expect(await open('xoxb-not-an-app-token')).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await open('xapp-1-A0KVCSI-wrong')).toEqual({ ok: false, error: 'invalid_auth' });
    // Only as a bearer header (slackapi/python-slack-sdk#1877: a form token= gets invalid_auth).
    const formToken = await fetch(`${stack.console.apiUrl}apps.connections.open`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=xapp-1-anything' });
    expect(await formToken.json()).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('the quick start over the socket: diagnose → Grant access → approval by a second person → healthy', async () => {
    await ui.type(RITA, PRD, '/kvcsi diagnose --app defectdojo -c cafehyna-prd');
    const diagnosis = await ui.waitForMessage(RITA, PRD, /No Key Vault data-plane role/);
    expect(diagnosis.visibleTo).toBe(RITA);
    await ui.click(RITA, diagnosis, 'Grant access');
    await ui.waitForMessage(RITA, PRD, /Waiting for approval/);

    const card = await ui.waitForMessage(ABEL, APPROVALS, /defectdojo/);
    await ui.click(ABEL, card, 'Approve');
    const decided = await waitFor('the card updated in place', () => {
      const now = ui.messages(ABEL, APPROVALS).find((message) => message.id === card.id);
      return now?.editedAt !== undefined && /Applied/.test(shown(now)) ? now : undefined;
    });
    expect(button(decided, 'Approve')).toBeUndefined();
    await ui.waitForMessage(RITA, `D${RITA}`, /approved by/);

    await ui.type(RITA, PRD, '/kvcsi diagnose --app defectdojo -c cafehyna-prd');
    await ui.waitForMessage(RITA, PRD, /Healthy: app defectdojo on cafehyna-prd/);
    // Every step went over the socket: commands, the two clicks, and each was acknowledged once.
    const delivered = hub.events.filter((event) => event.kind === 'delivered');
    expect(delivered.map((event) => event.payloadType)).toEqual(['slash_commands', 'block_actions', 'block_actions', 'slash_commands']);
    expect(hub.events.filter((event) => event.kind === 'acked').map((event) => event.detail)).toEqual(delivered.map((event) => event.detail));
    expect(ui.everything()).not.toMatch(/failed with the error/);
  }, 60_000);

  it('a modal that carries a secret value works over the socket, and the value is in no log, message or answer', async () => {
    const canary = `canary-${randomBytes(12).toString('hex')}`;
    await ui.type(RITA, DEV, '/kvcsi secret create socket-canary -c cafehyna-dev');
    const view = await waitFor('the secret modal', () => stack.console.workspace.topView(RITA));
    expect(view.view.callback_id).toBe('kvcsi_secret_create');
    const input = (view.view.blocks as Json[]).find((block) => block.block_id === 'secret_value');
    const actionId = String((input?.element as Json | undefined)?.action_id);
    const submitted = await ui.submit(RITA, view.id, { secret_value: { [actionId]: canary } });
    expect(submitted).toEqual({ ok: true, closed: true });
    const outcome = await ui.waitForMessage(RITA, DEV, /socket-canary/);
    expect(shown(outcome)).toMatch(/Applied|created/i);

    // The view submission went over the socket, and the bot logged at debug level while handling it: the Socket Mode
    // client's line with the whole envelope is there, redacted.
    const submission = hub.events.find((event) => event.kind === 'delivered' && event.payloadType === 'view_submission');
    expect(submission).toBeDefined();
    expect(output.some((line) => line.includes('a payload with view state'))).toBe(true);
    expect(output.join('\n')).not.toContain(canary);
    expect(ui.everything()).not.toContain(canary);
  }, 60_000);

  it('a disconnect (refresh_requested) in mid-flow loses no command: the bot reconnects at once and acks the next envelope', async () => {
    const before = hub.connectionsInfo().map((connection) => connection.id);
    const diagnoses = (): number => ui.messages(RITA, PRD).filter((message) => /app defectdojo on cafehyna-prd/.test(shown(message)) && !/working/i.test(message.text)).length;
    const answered = diagnoses();
    await ui.type(RITA, PRD, '/kvcsi diagnose --app defectdojo -c cafehyna-prd');
    // Slack recycles the connection while that diagnosis is still being worked on.
    expect(hub.disconnect('refresh_requested')).toEqual(before);
    expect(diagnoses()).toBe(answered);
    await ui.type(RITA, PRD, '/kvcsi clusters');
    await ui.waitForMessage(RITA, PRD, /painelclientes-prd/);
    await waitFor('the diagnosis answer', () => diagnoses() === answered + 1);
    expect(ui.everything()).not.toMatch(/failed with the error/);

    const after = hub.connectionsInfo().filter((connection) => !before.includes(connection.id));
    expect(after).toHaveLength(1);
    expect(after[0]?.acked).toBeGreaterThanOrEqual(1);
    expect(await readyz(stack)).toMatchObject({ status: 200, body: { ok: true, checks: { 'slack-socket': 'ok' } } });
    expect(output.some((line) => line.includes('Slack asked for a new connection; reconnecting now'))).toBe(true);
    // "At once": the new connection opened well within the SDK's own 5 s reconnect delay.
    const sent = hub.events.find((event) => event.kind === 'disconnect-sent')!;
    const reopened = hub.events.find((event) => event.kind === 'open' && event.connectionId === after[0]?.id)!;
    expect(reopened.at - sent.at).toBeLessThan(1_000);
  }, 60_000);

  it('an envelope the bot does not acknowledge within 3 s is shown as Slack shows it: an error to the person', async () => {
    const bot = stack.services.find((service) => service.name === 'bot')!;
    const pid = bot.child.pid as number;
    process.kill(pid, 'SIGSTOP');
    try {
      await ui.type(RITA, PRD, '/kvcsi status');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const failure = await ui.waitForMessage(RITA, PRD, /failed with the error/);
    expect(shown(failure)).toContain('/kvcsi failed with the error "operation_timeout"');
    expect(failure.visibleTo).toBe(RITA);
    // The bot's ack still comes, too late: Slack (and the console) ignore it.
    await waitFor('the late ack', () => hub.events.some((event) => event.kind === 'late-ack'));
  }, 30_000);

  it('a killed socket brings reconnects with backoff, /readyz says not ready meanwhile, and commands fail as dispatch_failed', async () => {
    await waitFor('the bot ready again', async () => (await readyz(stack)).status === 200);
    hub.refuseConnections(2);
    const [killed] = hub.kill('all');
    const notReady = await waitFor('/readyz 503', async () => {
      const health = await readyz(stack);
      return health.status === 503 ? health : undefined;
    }, 3_000);
    expect(notReady.body).toMatchObject({ ok: false, checks: { 'slack-socket': expect.stringMatching(/^Socket Mode (reconnecting|connecting)/) } });

    await ui.type(RITA, PRD, '/kvcsi help');
    expect(shown(await ui.waitForMessage(RITA, PRD, /failed with the error/))).toContain('/kvcsi failed with the error "dispatch_failed"');

    await waitFor('/readyz 200 again', async () => (await readyz(stack)).status === 200, 20_000);
    const killedAt = hub.events.find((event) => event.kind === 'killed' && event.connectionId === killed)!.at;
    const attempts = hub.events.filter((event) => event.at >= killedAt && (event.kind === 'refused' || event.kind === 'open')).map((event) => event.at);
    expect(attempts).toHaveLength(3);
    // 1 s, 2 s, 4 s apart (±20 %): each wait longer than the one before.
    const gaps = [attempts[0]! - killedAt, attempts[1]! - attempts[0]!, attempts[2]! - attempts[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(700);
    expect(gaps[1]).toBeGreaterThan(gaps[0]! * 1.3);
    expect(gaps[2]).toBeGreaterThan(gaps[1]! * 1.3);

    await ui.type(RITA, PRD, '/kvcsi clusters');
    await waitFor('an answer after the reconnect', () => ui.messages(RITA, PRD).filter((message) => /painelclientes-prd/.test(shown(message))).length >= 2);
  }, 40_000);
});

describe('two bot processes on one app token', () => {
  let stack: Stack;
  let stateDir: string;
  let hub: SocketModeHub;
  let ui: ReturnType<typeof driver>;
  const output: string[] = [];

  beforeAll(async () => {
    ({ stack, stateDir } = await startSocketStack(output));
    await stack.addBot();
    hub = stack.console.socketMode as SocketModeHub;
    ui = driver(stack);
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 30_000);

  it('split the envelopes as Slack does; each is handled once; a request made through one is approved through the other', async () => {
    expect(hub.connectionsInfo()).toHaveLength(2);
    await ui.type(RITA, PRD, '/kvcsi diagnose --app defectdojo -c cafehyna-prd');
    const diagnosis = await ui.waitForMessage(RITA, PRD, /No Key Vault data-plane role/);
    await ui.click(RITA, diagnosis, 'Grant access');
    await ui.waitForMessage(RITA, PRD, /Waiting for approval/);
    const card = await ui.waitForMessage(ABEL, APPROVALS, /defectdojo/);
    await ui.click(ABEL, card, 'Approve');
    await waitFor('the card updated', () => /Applied/.test(shown(ui.messages(ABEL, APPROVALS).find((message) => message.id === card.id)!)));
    await ui.waitForMessage(RITA, `D${RITA}`, /approved by/);

    const clicks = hub.events.filter((event) => event.kind === 'delivered' && event.payloadType === 'block_actions');
    expect(clicks).toHaveLength(2);
    // Grant access was handled by one process and Approve by the other: the store is what they share.
    expect(clicks[0]?.connectionId).not.toBe(clicks[1]?.connectionId);

    for (let index = 0; index < 6; index += 1) await ui.type(RITA, DEV, '/kvcsi clusters');
    await waitFor('six answers', () => ui.messages(RITA, DEV).filter((message) => /painelclientes-prd/.test(shown(message))).length === 6);
    const delivered = hub.events.filter((event) => event.kind === 'delivered');
    const acked = hub.events.filter((event) => event.kind === 'acked');
    expect(new Set(delivered.map((event) => event.connectionId)).size).toBe(2);
    for (const connection of hub.connectionsInfo()) expect(connection.delivered).toBeGreaterThanOrEqual(4);
    // Once each: every envelope acked exactly once, by the connection it went to.
    expect(acked.map((event) => `${event.detail}@${event.connectionId}`).sort()).toEqual(delivered.map((event) => `${event.detail}@${event.connectionId}`).sort());
    expect(hub.events.filter((event) => event.kind === 'duplicate-ack' || event.kind === 'late-ack')).toEqual([]);

    await ui.type(RITA, PRD, '/kvcsi diagnose --app defectdojo -c cafehyna-prd');
    await ui.waitForMessage(RITA, PRD, /Healthy: app defectdojo on cafehyna-prd/);
    expect(ui.everything()).not.toMatch(/failed with the error/);
  }, 60_000);
});
