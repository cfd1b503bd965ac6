/**
 * A fake Slack for tests and the bench: msw handlers for the Web API, file uploads and response_urls. Every
 * call is recorded, and every message and view is checked against Slack's limits as it arrives (like Teleport's
 * FakeSlack, which answers 400 to an oversized section).
 */
import { EventEmitter } from 'node:events';
import { http, HttpResponse, type RequestHandler } from 'msw';
import { checkMessage, checkView } from '../blocks/limits.js';

export const FAKE_TEAM_ID = 'T0SBX';
export const FAKE_BOT_USER_ID = 'U0KVCSIBOT';

export interface RecordedCall {
  /** `chat.postMessage`, `views.open`, … or `response_url`, `file_upload`. */
  method: string;
  args: Record<string, unknown>;
  /** For response_url calls: the id in the URL (one per command or click). */
  responseId?: string;
  /** What the fake answered (Web API calls): e.g. the `ts` of a posted message. */
  response?: Record<string, unknown>;
  at: number;
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return value;
  try {
    return JSON.parse(trimmed);
  } catch {
    return value;
  }
}

async function readArgs(request: Request): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (type.includes('application/json')) return (JSON.parse(text || '{}') as Record<string, unknown>) ?? {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) args[key] = parseMaybeJson(value);
  return args;
}

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  /** Limit violations found in any payload, with the method that sent it. */
  readonly problems: string[] = [];
  private readonly events = new EventEmitter();
  private nextTs = 1_700_000_000;
  private nextId = 1;

  constructor(readonly options: { apiUrl?: string } = {}) {
    this.events.setMaxListeners(1000);
  }

  private record(call: Omit<RecordedCall, 'at'>): void {
    if (call.method === 'chat.postMessage' || call.method === 'chat.update' || call.method === 'chat.postEphemeral' || call.method === 'response_url') {
      for (const problem of checkMessage(call.args)) this.problems.push(`${call.method}: ${problem}`);
    }
    if (call.method.startsWith('views.')) {
      const view = call.args.view as Record<string, unknown> | undefined;
      if (!view) this.problems.push(`${call.method}: no view`);
      else for (const problem of checkView(view)) this.problems.push(`${call.method}: ${problem}`);
    }
    this.calls.push({ ...call, at: Date.now() });
    this.events.emit('call');
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: FAKE_BOT_USER_ID, bot_id: 'B0KVCSI', team_id: FAKE_TEAM_ID, user: 'kvcsi' };
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: `${this.nextTs++}.000100`, message: { text: args.text } };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'views.open':
      case 'views.update':
        return { ok: true, view: { id: `V${this.nextId++}`, ...(args.view as object) } };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${String(args.users ?? 'X')}` } };
      case 'files.getUploadURLExternal':
        return { ok: true, upload_url: `https://files.slack.com/upload/v1/F${this.nextId}`, file_id: `F${this.nextId++}` };
      case 'files.completeUploadExternal':
        return { ok: true, files: (parseMaybeJson(args.files) as unknown[] | undefined) ?? [] };
      default:
        return { ok: true };
    }
  }

  get handlers(): RequestHandler[] {
    const api = (this.options.apiUrl ?? 'https://slack.com/api/').replace(/\/?$/, '/');
    return [
      http.post(`${api}:method`, async ({ request, params }) => {
        const method = String(params.method);
        const args = await readArgs(request);
        const response = this.answer(method, args);
        this.record({ method, args, response });
        return HttpResponse.json(response);
      }),
      http.post('https://files.slack.com/upload/v1/:file', async ({ request, params }) => {
        const content = Buffer.from(await request.arrayBuffer()).toString('utf8');
        this.record({ method: 'file_upload', args: { file: String(params.file), content } });
        return HttpResponse.text('OK - 200');
      }),
      http.post('https://hooks.slack.com/:kind/:team/:id/:token', async ({ request, params }) => {
        const args = await readArgs(request);
        this.record({ method: 'response_url', args, responseId: String(params.id) });
        return HttpResponse.text('ok');
      }),
    ];
  }

  /** Calls of one method (and optionally one response id). */
  of(method: string, responseId?: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && (responseId === undefined || call.responseId === responseId));
  }

  /** Resolves with the first call (from now on, or already recorded) that matches; rejects after `timeoutInMs`. */
  waitFor(predicate: (call: RecordedCall) => boolean, timeoutInMs = 10_000): Promise<RecordedCall> {
    const found = this.calls.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onCall = (): void => {
        const match = this.calls.find(predicate);
        if (match) {
          clearTimeout(timer);
          this.events.off('call', onCall);
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        this.events.off('call', onCall);
        reject(new Error(`fake Slack: no matching call within ${timeoutInMs} ms; calls: ${this.calls.map((call) => call.method).join(', ')}`));
      }, timeoutInMs);
      this.events.on('call', onCall);
    });
  }

  /** Everything Slack received, as one string (for canary checks). */
  everything(): string {
    return JSON.stringify(this.calls);
  }

  clear(): void {
    this.calls.length = 0;
    this.problems.length = 0;
  }
}
