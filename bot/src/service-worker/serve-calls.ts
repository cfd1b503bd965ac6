/** The worker's side of the protocol: calls in, results and errors out. */
import type { MessagePort } from 'node:worker_threads';
import { KvcsiError, type KvcsiService } from '@kvcsi/core';
import { SecretScrubber } from '../logger.js';
import { isServiceMethod, secretValuesOf, toWireError, type FromWorker, type ToWorker } from './protocol.js';

/**
 * Answers calls arriving on `port` with `backend.service` until told to close, then closes the backend. Announces
 * itself ready. The call's secret values are cut out of everything that goes back.
 */
export function answerCalls(port: MessagePort, backend: { service: KvcsiService; close(): Promise<void> }): void {
  const send = (message: FromWorker): void => port.postMessage(message);
  const { service } = backend;
  const inFlight = new Map<number, AbortController>();

  const run = async (message: Extract<ToWorker, { type: 'call' }>): Promise<void> => {
    const { id, method } = message;
    // The call's secret values are cut out of anything that goes back, error texts and log lines alike.
    const scrubber = new SecretScrubber();
    const releases = secretValuesOf(method, message.args).map((value) => scrubber.hold(value));
    const scrub = (text: string): string => scrubber.scrub(text);
    try {
      if (!isServiceMethod(method)) throw new KvcsiError('INTERNAL', `the service has no method ${String(method)}`);
      const args = [...message.args];
      if (message.signalAt.length > 0) {
        const controller = new AbortController();
        inFlight.set(id, controller);
        for (const index of message.signalAt) args[index] = { ...(args[index] as object), signal: controller.signal };
      }
      const call = service[method] as (...callArgs: unknown[]) => Promise<unknown>;
      const value = await call.apply(service, args);
      send({ type: 'result', id, value });
    } catch (error) {
      if (!(error instanceof KvcsiError)) {
        // A bug: the main thread only learns its class name, so its details are logged here, scrubbed.
        send({
          type: 'log', level: 'error', message: 'unexpected error in the kvcsi service',
          fields: { method, name: error instanceof Error ? error.name : typeof error, error: scrub(error instanceof Error ? error.stack ?? error.message : String(error)) },
        });
      }
      send({ type: 'error', id, error: toWireError(error, scrub) });
    } finally {
      inFlight.delete(id);
      for (const release of releases) release();
    }
  };

  port.on('message', (message: ToWorker) => {
    if (message.type === 'call') void run(message);
    else if (message.type === 'abort') inFlight.get(message.id)?.abort(new KvcsiError('ABORTED', 'the caller aborted'));
    else if (message.type === 'close') {
      void backend.close()
        .catch((error: unknown) => send({ type: 'log', level: 'warn', message: 'closing the service failed', fields: { error: toWireError(error).message } }))
        .finally(() => {
          send({ type: 'closed' });
          port.close();
        });
    }
  });
  send({ type: 'ready' });
}
