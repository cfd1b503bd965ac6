/**
 * The console as Slack, without a browser: a stub bot checks every signature and answers like Bolt; the bot's side
 * of Slack (Web API, response_urls, uploads) is called over HTTP as web-api and Bolt call it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startConsoleServer, type ConsoleServer } from './server.js';
import { TRIGGER_LIFETIME_IN_MS, Workspace, type Json } from './workspace.js';

const SECRET = 'test-signing-secret';
const TOKEN = 'xoxb-test';
const RITA = 'U0SBXREQ01';
const ABEL = 'U0SBXAPP01';

interface Received {
  form: URLSearchParams;
  payload?: Json;
}

let bot: Server;
let console_: ConsoleServer;
const received: Received[] = [];
/** What the stub bot acknowledges with next (an empty body by default). */
let nextAck: { status: number; body: string } = { status: 200, body: '' };
let now = Date.now();

function verified(body: string, timestamp: string | undefined, signature: string | undefined): boolean {
  const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return signature !== undefined && signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

beforeAll(async () => {
  bot = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    request.on('end', () => {
      if (!verified(body, request.headers['x-slack-request-timestamp'] as string, request.headers['x-slack-signature'] as string)) {
        response.writeHead(401).end();
        return;
      }
      const form = new URLSearchParams(body);
      const payload = form.get('payload');
      received.push({ form, ...(payload ? { payload: JSON.parse(payload) as Json } : {}) });
      response.writeHead(nextAck.status, { 'content-type': 'application/json' }).end(nextAck.body);
      nextAck = { status: 200, body: '' };
    });
  });
  await new Promise<void>((resolve) => bot.listen(0, '127.0.0.1', resolve));
  const botUrl = `http://127.0.0.1:${(bot.address() as AddressInfo).port}`;
  console_ = await startConsoleServer({ port: 0, botUrl, signingSecret: SECRET, botToken: TOKEN, workspace: new Workspace(() => now) });
});

afterAll(async () => {
  await console_.close();
  await new Promise<void>((resolve) => bot.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  now = Date.now();
});

async function api(method: string, args: Record<string, unknown>, token = TOKEN): Promise<Json> {
  // As web-api sends them: form-encoded, objects as JSON strings, the token as a bearer header.
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) form.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  const response = await fetch(`${console_.apiUrl}${method}`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' } });
  return (await response.json()) as Json;
}

async function ui(path: string, body: Json): Promise<Response> {
  return fetch(`${console_.url}/ui/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function visible(userId: string): ReturnType<Workspace['visibleTo']> {
  return console_.workspace.visibleTo(userId);
}

describe('the Web API', () => {
  it('refuses a wrong token and unknown methods as Slack does', async () => {
    expect(await api('auth.test', {}, 'xoxb-wrong')).toEqual({ ok: false, error: 'invalid_auth' });
    expect(await api('admin.nothing', {})).toEqual({ ok: false, error: 'unknown_method' });
    expect(await api('auth.test', {})).toMatchObject({ ok: true, user_id: 'U0KVCSIBOT' });
  });

  it('posts to a user id as the DM with that user, and updates a message in place', async () => {
    const posted = await api('chat.postMessage', { channel: RITA, text: 'hello', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hello*' } }] });
    expect(posted).toMatchObject({ ok: true, channel: `D${RITA}` });
    expect(visible(ABEL).some((message) => message.ts === posted.ts)).toBe(false);
    const updated = await api('chat.update', { channel: `D${RITA}`, ts: posted.ts, text: 'bye', blocks: [] });
    expect(updated.ok).toBe(true);
    const message = visible(RITA).find((candidate) => candidate.ts === posted.ts);
    expect(message).toMatchObject({ text: 'bye' });
    expect(message?.blocks).toBeUndefined();
    expect(message?.editedAt).toBeDefined();
    expect(await api('chat.update', { channel: 'C0SBXPRD', ts: '1.000001', text: 'x' })).toEqual({ ok: false, error: 'message_not_found' });
  });

  it('keeps message metadata and answers conversations.history newest first, metadata only when asked', async () => {
    const metadata = { event_type: 'kvcsi_watch_problem', event_payload: { messageId: 'D2@1' } };
    const first = await api('chat.postMessage', { channel: '#cafehyna-dev', text: 'first', metadata });
    expect(first).toMatchObject({ ok: true, channel: 'C0SBXDEV', message: { metadata } });
    now += 1000;
    const second = await api('chat.postMessage', { channel: 'C0SBXDEV', text: 'second' });
    await api('chat.update', { channel: 'C0SBXDEV', ts: second.ts, text: 'second, edited', metadata: { event_type: 'kvcsi_watch_problem', event_payload: { messageId: 'D3@2' } } });
    const history = await api('conversations.history', { channel: 'C0SBXDEV', include_all_metadata: 'true', oldest: String(Number(first.ts) - 0.000001), limit: '10' });
    expect(history).toMatchObject({ ok: true, has_more: false, messages: [
      { ts: second.ts, text: 'second, edited', metadata: { event_payload: { messageId: 'D3@2' } } },
      { ts: first.ts, text: 'first', metadata },
    ] });
    const plain = await api('conversations.history', { channel: 'C0SBXDEV', oldest: String(first.ts), limit: '1' });
    expect(plain).toMatchObject({ ok: true, has_more: false, messages: [{ ts: second.ts }] });
    expect((plain.messages as Json[])[0]).not.toHaveProperty('metadata');
    expect(await api('chat.postMessage', { channel: 'C0SBXDEV', text: 'x', metadata: { event_payload: {} } })).toEqual({ ok: false, error: 'invalid_metadata_format' });
    // Only the posting methods take a channel's name; the others want its id, as in Slack.
    expect(await api('conversations.history', { channel: '#cafehyna-dev' })).toEqual({ ok: false, error: 'channel_not_found' });
    expect(await api('chat.update', { channel: 'cafehyna-dev', ts: String(first.ts), text: 'x' })).toEqual({ ok: false, error: 'channel_not_found' });
  });

  it('uploads a file in three steps and shares it in a channel', async () => {
    const content = 'kind: SecretProviderClass\n';
    const reserved = await api('files.getUploadURLExternal', { filename: 'spc.yaml', length: String(content.length) });
    expect(String(reserved.upload_url)).toMatch(new RegExp(`^${console_.url}/upload/`));
    expect((await fetch(String(reserved.upload_url), { method: 'POST', body: content })).status).toBe(200);
    const done = await api('files.completeUploadExternal', { files: [{ id: reserved.file_id, title: 'The SPC' }], channel_id: 'C0SBXDEV' });
    expect(done).toMatchObject({ ok: true, files: [{ id: reserved.file_id, title: 'The SPC' }] });
    expect(visible(ABEL).at(-1)?.files?.[0]).toMatchObject({ content, name: 'spc.yaml' });
    expect(await (await fetch(`${console_.url}/files/${String(reserved.file_id)}`)).text()).toBe(content);
  });
});

describe('slash commands and response_urls', () => {
  it('signs the command as Slack does; "working…" then the answer replaces it; --public posts in the channel and deletes "working…"', async () => {
    expect((await ui('type', { user: RITA, channel: 'C0SBXPRD', text: '/kvcsi  clusters --public' })).status).toBe(200);
    const command = received[0]?.form;
    expect(command?.get('command')).toBe('/kvcsi');
    expect(command?.get('text')).toBe('clusters --public');
    expect(command?.get('user_id')).toBe(RITA);
    expect(command?.get('channel_name')).toBe('cafehyna-prd');
    const responseUrl = command?.get('response_url') ?? '';
    expect(responseUrl.startsWith(`${console_.url}/response/`)).toBe(true);

    const respond = (body: Json): Promise<Response> => fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await respond({ response_type: 'ephemeral', text: 'working…' });
    const working = visible(RITA).at(-1);
    expect(working).toMatchObject({ text: 'working…', visibleTo: RITA });
    expect(visible(ABEL).some((message) => message.id === working?.id)).toBe(false);

    await respond({ response_type: 'ephemeral', replace_original: true, text: '5 clusters' });
    expect(visible(RITA).find((message) => message.id === working?.id)?.text).toBe('5 clusters');

    await respond({ response_type: 'in_channel', replace_original: false, text: 'for everyone' });
    expect(visible(ABEL).at(-1)).toMatchObject({ text: 'for everyone', channel: 'C0SBXPRD' });
    await respond({ delete_original: true });
    expect(visible(RITA).some((message) => message.text === 'for everyone')).toBe(true);
    expect(visible(RITA).some((message) => message.id === working?.id)).toBe(false);
    expect((await fetch(`${console_.url}/response/nope`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(404);
  });

  it('shows an acknowledgement body as an ephemeral answer, and a failing bot as Slack would', async () => {
    nextAck = { status: 200, body: JSON.stringify({ response_type: 'ephemeral', text: 'did you mean `grant`?' }) };
    await ui('type', { user: RITA, channel: 'C0SBXPRD', text: '/kvcsi grnat x' });
    expect(visible(RITA).at(-1)).toMatchObject({ text: 'did you mean `grant`?', visibleTo: RITA });
    nextAck = { status: 500, body: '' };
    await ui('type', { user: RITA, channel: 'C0SBXPRD', text: '/kvcsi help' });
    expect(visible(RITA).at(-1)?.text).toContain('http_service_error (HTTP 500)');
  });

  it('sends other slash commands nowhere, and plain text as a message', async () => {
    await ui('type', { user: ABEL, channel: 'C0SBXDEV', text: '/giphy cats' });
    await ui('type', { user: ABEL, channel: 'C0SBXDEV', text: 'hello all' });
    expect(received).toEqual([]);
    expect(visible(RITA).at(-1)).toMatchObject({ author: ABEL, text: 'hello all' });
  });

  it('refuses the page calls that are not JSON (no cross-site form posts)', async () => {
    const response = await fetch(`${console_.url}/ui/type`, { method: 'POST', body: new URLSearchParams({ user: RITA, channel: 'C0SBXPRD', text: '/kvcsi help' }) });
    expect(response.status).toBe(400);
    expect(received).toEqual([]);
  });

  it('refuses what a web page can send without a preflight, and any other origin (issue 19)', async () => {
    const body = JSON.stringify({ user: RITA, channel: 'C0SBXPRD', text: '/kvcsi help' });
    // A no-cors fetch may send text/plain with any parameters: a substring check took it for JSON.
    const disguised = await fetch(`${console_.url}/ui/type`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=application/json' }, body });
    expect(disguised.status).toBe(400);
    const foreign = await fetch(`${console_.url}/ui/type`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body });
    expect(foreign.status).toBe(403);
    const crossSite = await fetch(`${console_.url}/ui/type`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body });
    expect(crossSite.status).toBe(403);
    expect(received).toEqual([]);
    // The console's own page still gets through.
    const own = await fetch(`${console_.url}/ui/type`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', origin: console_.url }, body });
    expect(own.status).toBe(200);
  });

  it('gives messages ids a page cannot guess from the ones before', async () => {
    await ui('type', { user: ABEL, channel: 'C0SBXDEV', text: 'one' });
    await ui('type', { user: ABEL, channel: 'C0SBXDEV', text: 'two' });
    const [first, second] = visible(ABEL).slice(-2).map((message) => String(message.id));
    expect(first).toMatch(/^M[0-9A-Z]{6}[0-9A-F]{16}$/);
    expect(second!.slice(7)).not.toBe(first!.slice(7));
  });
});

describe('buttons and modals', () => {
  async function card(): Promise<Json> {
    return api('chat.postMessage', {
      channel: 'C0SBXAPPROVALS', text: 'request',
      blocks: [{ type: 'actions', block_id: 'req-1', elements: [{ type: 'button', action_id: 'kvcsi_approve', text: { type: 'plain_text', text: 'Approve' }, value: 'req-1' }] }],
    });
  }

  it('a click sends block_actions with the button, the message and a response_url that replaces it', async () => {
    const posted = await card();
    const message = visible(ABEL).find((candidate) => candidate.ts === posted.ts);
    await ui('click', { user: ABEL, messageId: message?.id, actionId: 'kvcsi_approve' });
    const payload = received[0]?.payload as Json;
    expect(payload).toMatchObject({
      type: 'block_actions', user: { id: ABEL }, container: { message_ts: posted.ts, channel_id: 'C0SBXAPPROVALS' },
      actions: [{ action_id: 'kvcsi_approve', block_id: 'req-1', value: 'req-1' }],
    });
    await fetch(String(payload.response_url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ replace_original: true, text: 'Approved' }) });
    expect(visible(RITA).find((candidate) => candidate.id === message?.id)?.text).toBe('Approved');
    expect((await ui('click', { user: ABEL, messageId: message?.id, actionId: 'kvcsi_approve' })).status).toBe(404);
  });

  it('views.open needs a fresh trigger; a submission gets the bot\'s errors or closes the modal', async () => {
    const posted = await card();
    const message = visible(ABEL).find((candidate) => candidate.ts === posted.ts);
    await ui('click', { user: ABEL, messageId: message?.id, actionId: 'kvcsi_approve' });
    const triggerId = String(received[0]?.payload?.trigger_id);
    const view = {
      type: 'modal', callback_id: 'kvcsi_reject', title: { type: 'plain_text', text: 'Reject' }, submit: { type: 'plain_text', text: 'Reject' }, private_metadata: '{"requestId":"req-1"}',
      blocks: [{ type: 'input', block_id: 'reason', label: { type: 'plain_text', text: 'Reason' }, element: { type: 'plain_text_input', action_id: 'value' } }],
    };
    now += TRIGGER_LIFETIME_IN_MS + 1;
    expect(await api('views.open', { trigger_id: triggerId, view })).toEqual({ ok: false, error: 'expired_trigger_id' });
    now -= TRIGGER_LIFETIME_IN_MS + 1;
    const opened = await api('views.open', { trigger_id: triggerId, view });
    const viewId = String((opened.view as Json).id);
    expect(console_.workspace.snapshot(ABEL).view?.id).toBe(viewId);
    expect(console_.workspace.snapshot(RITA).view).toBeUndefined();

    nextAck = { status: 200, body: JSON.stringify({ response_action: 'errors', errors: { reason: 'Give a reason' } }) };
    const refused = (await (await ui('submit', { user: ABEL, viewId, values: { reason: { value: '' } } })).json()) as Json;
    expect(refused).toMatchObject({ closed: false, errors: { reason: 'Give a reason' } });
    expect((received.at(-1)?.payload?.view as Json).state).toEqual({ values: { reason: { value: { type: 'plain_text_input', value: null } } } });

    const accepted = (await (await ui('submit', { user: ABEL, viewId, values: { reason: { value: 'freeze' } } })).json()) as Json;
    expect(accepted).toMatchObject({ closed: true });
    expect(received.at(-1)?.payload).toMatchObject({ type: 'view_submission', user: { id: ABEL }, view: { callback_id: 'kvcsi_reject', private_metadata: '{"requestId":"req-1"}' } });
    expect(console_.workspace.snapshot(ABEL).view).toBeUndefined();
  });
});
