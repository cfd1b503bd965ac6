import type { WatchChange, WatchConnectionChange } from '../ports.js';
import { runInformer, type InformerCalls } from './informer.js';

interface Obj {
  metadata: { name: string; resourceVersion: string };
}
const obj = (name: string, resourceVersion: string): Obj => ({ metadata: { name, resourceVersion } });

/** A scripted API server: each stream call plays the next script entry. */
function scripted(streams: ((onLine: (type: string, object: unknown) => void) => Promise<void>)[], lists: { items: Obj[]; resourceVersion: string }[]) {
  const log: string[] = [];
  const calls: InformerCalls<Obj> = {
    async list() {
      const next = lists.shift();
      if (next === undefined) throw new Error('no more lists');
      log.push(`list → ${next.resourceVersion}`);
      return next;
    },
    async stream(resourceVersion, { onOpen, onLine }, signal) {
      log.push(`watch from ${resourceVersion}`);
      const next = streams.shift();
      if (next === undefined) {
        onOpen();
        // Stays open until the informer stops.
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      }
      return next((type, object) => {
        onOpen();
        onLine(type, object);
      });
    },
  };
  return { calls, log };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('runInformer', () => {
  it('lists, resumes from the last resourceVersion after a clean close, relists after 410 Gone', async () => {
    const changes: string[] = [];
    const { calls, log } = scripted([
      async (onLine) => onLine('MODIFIED', obj('a', '11')),
      async (onLine) => {
        onLine('BOOKMARK', obj('', '15'));
      },
      async (onLine) => onLine('ERROR', { kind: 'Status', code: 410, reason: 'Expired' }),
    ], [{ items: [obj('a', '9')], resourceVersion: '10' }, { items: [obj('a', '30')], resourceVersion: '31' }]);
    const controller = new AbortController();
    const done = runInformer(calls, { signal: controller.signal, onChange: (c: WatchChange<Obj>) => changes.push(`${c.type} ${c.object.metadata.resourceVersion}`), initialBackoffInMs: 1 });
    await until(() => log.length >= 6);
    controller.abort();
    await done;
    expect(log).toEqual(['list → 10', 'watch from 10', 'watch from 11', 'watch from 15', 'list → 31', 'watch from 31']);
    expect(changes).toEqual(['ADDED 9', 'MODIFIED 11', 'ADDED 30']);
  });

  it('reports lost once while failing, backs off, and restored when the stream is back', async () => {
    const notes: WatchConnectionChange[] = [];
    const { calls, log } = scripted([
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
      async () => {
        throw new Error('connect ECONNREFUSED');
      },
    ], [{ items: [], resourceVersion: '5' }]);
    const controller = new AbortController();
    const started = Date.now();
    const done = runInformer(calls, { signal: controller.signal, onChange: () => undefined, onConnection: (n) => notes.push(n), initialBackoffInMs: 20 });
    await until(() => notes.some((n) => n.state === 'restored'));
    controller.abort();
    await done;
    // 20 ms then 40 ms of backoff before the third stream.
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(notes).toEqual([{ state: 'lost', reason: 'connect ECONNREFUSED', attempt: 1 }, { state: 'restored', attempt: 0 }]);
    expect(log).toEqual(['list → 5', 'watch from 5', 'watch from 5', 'watch from 5']);
  });
});
