/**
 * The bot as it runs in production: its KvcsiService (and the sandbox's msw) in a worker thread, the fake Slack's
 * msw on the main thread, signed requests over real HTTP to Bolt.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { KvcsiError } from '@kvcsi/core';
import { LogLevel } from '@slack/bolt';
import { SANDBOX_SLACK_USERS } from '../config.js';
import { CALLBACK_IDS, FIELDS } from '../modals.js';
import { ACTION_IDS } from '../presenters/diagnosis.js';
import type { RecordedCall } from '../testing/fake-slack.js';
import { lowerThisThreadPriority } from './thread-priority.js';
import { startBotHarness, type BotHarness } from '../testing/harness.js';

const { requester, approver } = SANDBOX_SLACK_USERS;
const APPROVALS = 'C0SBXAPPROVALS';
const canary = `canary-${randomBytes(12).toString('hex')}`;

let harness: BotHarness;

beforeAll(async () => {
  harness = await startBotHarness({ logLevel: LogLevel.DEBUG, serviceIn: 'worker' });
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

afterEach(() => {
  expect(harness.fake.problems).toEqual([]);
});

function textOf(call: RecordedCall): string {
  return JSON.stringify(call.args);
}

function buttons(call: RecordedCall): { action_id: string; value: string }[] {
  const blocks = (call.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[] | undefined) ?? [];
  return blocks.filter((block) => block.type === 'actions').flatMap((block) => block.elements ?? []);
}

async function ask(text: string, user: string = requester): Promise<RecordedCall> {
  const sent = await harness.command(text, { user });
  expect(sent.status).toBe(200);
  return harness.finalResponse(sent.responseId, 20_000);
}

it('runs the service in a worker: no sandbox on this thread', () => {
  expect(harness.backend.serviceIn).toBe('worker');
  expect(harness.backend.sandbox).toBeUndefined();
});

/** The niceness of each thread of this process (Linux: field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness(): number[] {
  return readdirSync(`/proc/${process.pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
    // The command name may hold spaces: count fields after its closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

it('the service thread yields the CPU to the bot thread (nice 10 on Linux)', () => {
  // Elsewhere there is no per-thread priority: the worker leaves it alone.
  if (!existsSync('/proc/thread-self')) return void expect(lowerThisThreadPriority(10)).toBe(false);
  // The service's thread only: the bot's thread and libuv's shared pool stay at the process's priority.
  expect(threadNiceness().filter((niceness) => niceness === 10)).toHaveLength(1);
  expect(Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ')[16])).toBe(0);
});

it('diagnose → answer → "Grant access" → request card, over the sandbox in the worker', async () => {
  const answer = await ask('diagnose --app defectdojo');
  expect(textOf(answer)).toContain('D2');
  const grant = buttons(answer).find((button) => button.action_id === ACTION_IDS.grantAccess);
  expect(grant).toBeDefined();

  await harness.click({ actionId: ACTION_IDS.grantAccess, value: grant!.value, userId: requester });
  const card = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === APPROVALS, 20_000);
  expect(textOf(card)).toContain('defectdojo');
  const requestId = buttons(card)[0]!.value;

  // The state lives in the worker: the main thread reads it back through the proxy.
  const request = await harness.backend.service.getRequest(requestId);
  expect(request).toMatchObject({ id: requestId, status: 'pending' });
  await harness.click({ actionId: ACTION_IDS.approve, value: requestId, userId: approver, channelId: APPROVALS, messageTs: String(card.response?.ts) });
  await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === requester && textOf(call).includes(requestId), 20_000);
  expect(textOf(await ask('diagnose --app defectdojo'))).not.toContain('D2');
}, 60_000);

it('an error from the service arrives as a KvcsiError with its code', async () => {
  const failure = harness.backend.service.getRequest('req-0000000000');
  await expect(failure).rejects.toBeInstanceOf(KvcsiError);
  await expect(failure).rejects.toMatchObject({ code: 'NOT_FOUND' });
  // And the bot shows it as one: a known error's lead, not "something went wrong inside kvcsi".
  const shown = textOf(await ask('requests req-0000000000'));
  expect(shown).toContain('Not found');
  expect(shown).not.toContain('Something went wrong');
}, 30_000);

it('an aborted call is rejected ABORTED at once', async () => {
  const controller = new AbortController();
  controller.abort();
  await expect(harness.backend.service.listClusters({ signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  // A signal that stays quiet does not get in the way.
  expect((await harness.backend.service.listClusters({ signal: new AbortController().signal })).length).toBeGreaterThan(0);
});

it('a secret value crosses to the worker and back into no message, log line or error (canary)', async () => {
  const create = async (): Promise<RecordedCall> => {
    const sent = await harness.command('secret create canary-worker -c cafehyna-dev', { user: requester });
    const view = (await harness.fake.waitFor((call) => call.method === 'views.open' && call.args.trigger_id === sent.triggerId)).args.view as { private_metadata: string };
    await harness.submit({ callbackId: CALLBACK_IDS.secretCreate, userId: requester, values: { [FIELDS.value]: canary }, privateMetadata: view.private_metadata });
    return harness.finalResponse(sent.responseId, 20_000);
  };
  expect(textOf(await create())).toContain('Applied');
  // The second write fails in the worker (the secret exists): the error crosses back too.
  expect(textOf(await create())).toMatch(/exists/i);
  const direct = await harness.backend.service.supplySecretValue({ actor: { id: `slack:${requester}` }, requestId: 'req-0000000000', value: canary }).catch((error: unknown) => error);
  expect(direct).toBeInstanceOf(KvcsiError);
  expect(JSON.stringify({ ...(direct as KvcsiError).toJSON(), details: (direct as KvcsiError).details, stack: (direct as KvcsiError).stack })).not.toContain(canary);

  expect(harness.fake.everything()).not.toContain(canary);
  expect(harness.logLines.join('\n')).not.toContain(canary);
  // The check means something only if the failure, with its text, was logged.
  expect(harness.logLines.join('\n')).toContain('ALREADY_EXISTS');
}, 60_000);
