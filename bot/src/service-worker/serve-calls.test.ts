/** The worker's half of the protocol, driven over a MessageChannel in this thread with a scripted service. */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { KvcsiError, type KvcsiService } from '@kvcsi/core';
import type { FromWorker, ToWorker } from './protocol.js';
import { answerCalls } from './serve-calls.js';

const canary = 'canary-7f3a9c2e51d04b86';

function scriptedService(): KvcsiService {
  const service: Partial<KvcsiService> = {
    listClusters: async () => [],
    createSecret: async (options) => {
      // A (hypothetical) adapter quoting what it was given: the worker must not let it through.
      throw new KvcsiError('CONFLICT', `cannot write ${options.value}`, { details: { sent: options.value } });
    },
    supplySecretValue: async (options) => {
      throw new TypeError(`bad value ${options.value}`);
    },
    status: (options) => new Promise((_resolve, reject) => {
      options.signal?.addEventListener('abort', () => reject(new KvcsiError('ABORTED', 'status aborted')));
    }),
  };
  return service as KvcsiService;
}

let port: MessagePort;
let received: FromWorker[];
let closed: boolean;

beforeEach(() => {
  const channel = new MessageChannel();
  port = channel.port1;
  received = [];
  closed = false;
  port.on('message', (message: FromWorker) => received.push(message));
  answerCalls(channel.port2, { service: scriptedService(), close: async () => void (closed = true) });
});

afterEach(() => port.close());

function send(message: ToWorker): void {
  port.postMessage(message);
}

async function reply(id: number): Promise<FromWorker> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const found = received.find((message) => 'id' in message && message.id === id);
    if (found) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no reply to call ${id}`);
}

it('announces itself ready and answers a call with its result', async () => {
  send({ type: 'call', id: 1, method: 'listClusters', args: [], signalAt: [] });
  expect(await reply(1)).toEqual({ type: 'result', id: 1, value: [] });
  expect(received[0]).toEqual({ type: 'ready' });
});

it('a secret value quoted by an error comes back cut out, code kept', async () => {
  send({ type: 'call', id: 2, method: 'createSecret', args: [{ actor: { id: 'u' }, name: 'n', cluster: 'c', value: canary }], signalAt: [] });
  const answer = await reply(2);
  expect(answer).toMatchObject({ type: 'error', error: { code: 'CONFLICT', message: 'cannot write [redacted]', details: { sent: '[redacted]' } } });
  expect(JSON.stringify(received)).not.toContain(canary);
});

it('an unexpected error is logged scrubbed and answered INTERNAL with its class name only', async () => {
  send({ type: 'call', id: 3, method: 'supplySecretValue', args: [{ actor: { id: 'u' }, requestId: 'r', value: canary }], signalAt: [] });
  expect(await reply(3)).toEqual({ type: 'error', id: 3, error: { code: 'INTERNAL', message: 'unexpected TypeError in the kvcsi service' } });
  const log = received.find((message) => message.type === 'log');
  expect(log).toMatchObject({ level: 'error', fields: { method: 'supplySecretValue', name: 'TypeError' } });
  expect(JSON.stringify(log)).toContain('bad value [redacted]');
  expect(JSON.stringify(received)).not.toContain(canary);
});

it('an abort from the main thread reaches the call through a signal of its own', async () => {
  send({ type: 'call', id: 4, method: 'status', args: [{ cluster: 'c' }], signalAt: [0] });
  await new Promise((resolve) => setImmediate(resolve));
  send({ type: 'abort', id: 4 });
  expect(await reply(4)).toMatchObject({ type: 'error', error: { code: 'ABORTED' } });
});

it('close closes the backend and says so', async () => {
  send({ type: 'close' });
  for (let attempt = 0; attempt < 200 && !received.some((message) => message.type === 'closed'); attempt += 1) await new Promise((resolve) => setImmediate(resolve));
  expect(received.at(-1)).toEqual({ type: 'closed' });
  expect(closed).toBe(true);
});
