/**
 * The main thread's half: starts the service worker and gives back a KvcsiService whose every method is a message
 * to it. AbortSignals stay here (an abort rejects at once and tells the worker); errors come back as KvcsiErrors.
 * Secret values (createSecret's, supplySecretValue's) travel in the message only: nothing here logs arguments.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { KvcsiError, type KvcsiService } from '@kvcsi/core';
import type { Logger } from '@slack/bolt';
import { SERVICE_METHODS, fromWireError, type FromWorker, type ServiceMethod, type ServiceWorkerOptions, type ToWorker } from './protocol.js';

export interface ServiceWorkerHandle {
  service: KvcsiService;
  worker: Worker;
  /** Closes the service in the worker (store, runtime, sandbox), then stops the worker. */
  close(options?: { timeoutInMs?: number }): Promise<void>;
}

export interface StartServiceWorkerOptions extends ServiceWorkerOptions {
  /** Where the worker's own log lines go (unexpected errors, already scrubbed); the bot's logger. */
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** Each HTTP call the worker made (host, status, duration). */
  onOutboundCall?: (call: { host: string; status: string; durationInMs: number }) => void;
  /** Called when the worker stops without being closed (a crash): every pending call has been rejected UNAVAILABLE. */
  onExit?: (exitCode: number) => void;
  startTimeoutInMs?: number;
}

const DEFAULT_START_TIMEOUT_IN_MS = 60_000;
const DEFAULT_CLOSE_TIMEOUT_IN_MS = 10_000;

/** The worker's script: compiled JavaScript beside this file, or (from sources, under jest) a bootstrap that compiles TypeScript. */
function workerScript(): { file: string; entry?: string } {
  if (!__filename.endsWith('.ts')) return { file: path.join(__dirname, 'worker-main.js') };
  return { file: path.join(__dirname, 'ts-worker-bootstrap.cjs'), entry: path.join(__dirname, 'worker-main.ts') };
}

/** The arguments without their AbortSignals (which cannot cross), and which of them had one. */
function splitSignals(args: readonly unknown[]): { wireArgs: unknown[]; signalAt: number[]; signals: AbortSignal[] } {
  const wireArgs: unknown[] = [];
  const signalAt: number[] = [];
  const signals: AbortSignal[] = [];
  args.forEach((arg, index) => {
    if (arg && typeof arg === 'object' && 'signal' in arg) {
      const { signal, ...rest } = arg as { signal?: unknown };
      wireArgs.push(rest);
      if (signal instanceof AbortSignal) {
        signalAt.push(index);
        signals.push(signal);
      }
      return;
    }
    wireArgs.push(arg);
  });
  return { wireArgs, signalAt, signals };
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export async function startServiceWorker(options: StartServiceWorkerOptions): Promise<ServiceWorkerHandle> {
  const { logger, onExit, onOutboundCall, startTimeoutInMs = DEFAULT_START_TIMEOUT_IN_MS, ...serviceOptions } = options;
  // libuv's thread pool (DNS lookups, async fs, crypto) is shared by the process and its threads inherit the
  // niceness of the thread that first uses it: start it from here, so the bot's lookups do not run at the worker's priority.
  await stat(__filename);
  const script = workerScript();
  const worker = new Worker(script.file, {
    workerData: { kvcsiServiceWorker: serviceOptions, ...(script.entry ? { entry: script.entry } : {}) },
    ...(serviceOptions.env ? { env: serviceOptions.env } : {}),
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stopped: KvcsiError | undefined;
  let closing = false;
  let onClosed: (() => void) | undefined;

  const send = (message: ToWorker): void => worker.postMessage(message);

  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new KvcsiError('TIMEOUT', `the service worker did not start within ${startTimeoutInMs} ms`)), startTimeoutInMs);
    const settle = (error?: unknown): void => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          settle();
          return;
        case 'failed':
          settle(fromWireError(message.error));
          return;
        case 'result':
        case 'error': {
          const call = pending.get(message.id);
          if (!call) return; // aborted here already
          pending.delete(message.id);
          if (message.type === 'result') call.resolve(message.value);
          else call.reject(fromWireError(message.error));
          return;
        }
        case 'log':
          logger?.[message.level](message.fields, message.message);
          return;
        case 'closed':
          onClosed?.();
          return;
        case 'outbound':
          onOutboundCall?.({ host: message.host, status: message.status, durationInMs: message.durationInMs });
          return;
      }
    });
    worker.on('error', (error) => {
      // An uncaught exception in the worker: only its class name is kept (its text may quote anything).
      logger?.error({ name: error.name }, 'the service worker failed');
      settle(new KvcsiError('UNAVAILABLE', `the service worker failed (${error.name})`));
    });
    worker.on('exit', (exitCode) => {
      stopped = new KvcsiError('UNAVAILABLE', 'the kvcsi service is not running');
      for (const call of pending.values()) call.reject(stopped);
      pending.clear();
      settle(new KvcsiError('UNAVAILABLE', `the service worker exited (code ${exitCode}) before it was ready`));
      if (!closing) onExit?.(exitCode);
    });
  });

  try {
    await ready;
  } catch (error) {
    closing = true;
    await worker.terminate();
    throw error;
  }

  const call = (method: ServiceMethod, args: unknown[]): Promise<unknown> => {
    if (stopped) return Promise.reject(stopped);
    const { wireArgs, signalAt, signals } = splitSignals(args);
    if (signals.some((signal) => signal.aborted)) return Promise.reject(new KvcsiError('ABORTED', `${method} was aborted`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!pending.delete(id)) return;
        send({ type: 'abort', id });
        reject(new KvcsiError('ABORTED', `${method} was aborted`));
      };
      const done = (): void => {
        for (const signal of signals) signal.removeEventListener('abort', onAbort);
      };
      pending.set(id, {
        resolve: (value) => { done(); resolve(value); },
        reject: (error) => { done(); reject(error); },
      });
      for (const signal of signals) signal.addEventListener('abort', onAbort, { once: true });
      try {
        send({ type: 'call', id, method, args: wireArgs, signalAt });
      } catch (error) {
        // Not cloneable (a function in the options, say): a bug of the caller, told without the arguments.
        pending.delete(id);
        done();
        reject(new KvcsiError('INTERNAL', `the arguments of ${method} cannot be sent to the service worker (${error instanceof Error ? error.name : typeof error})`));
      }
    });
  };

  const service = Object.fromEntries(
    SERVICE_METHODS.map((method) => [method, (...args: unknown[]) => call(method, args)]),
  ) as unknown as KvcsiService;

  return {
    service,
    worker,
    async close({ timeoutInMs = DEFAULT_CLOSE_TIMEOUT_IN_MS } = {}) {
      if (closing) return;
      closing = true;
      if (!stopped) {
        const closed = new Promise<void>((resolve) => {
          onClosed = resolve;
          const timer = setTimeout(resolve, timeoutInMs);
          timer.unref();
          worker.once('exit', () => resolve());
        });
        send({ type: 'close' });
        await closed;
      }
      await worker.terminate();
    },
  };
}
