import { bypass, http, HttpResponse, passthrough, type RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import type { ListenOptions, SandboxServer } from '../sandbox.js';
import { NETWORK_ERROR_HEADER, ORIGINAL_URL_HEADER, SANDBOX_HOST_PATTERN, UNFORWARDED_HEADERS } from './protocol.js';

/**
 * A watch stream that ends, rather than errors, when the sandbox server goes away or the watcher hangs up: to a
 * Kubernetes client, a watch that ends is normal (it watches again); an error nobody reads would crash the process.
 */
function endQuietly(body: ReadableStream<Uint8Array> | null): ReadableStream<Uint8Array> | null {
  if (body === null) return null;
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason).catch(() => undefined);
    },
  });
}

/**
 * msw handlers that forward every request for a sandbox host (Entra ID, ARM, vaults, clusters) to a sandbox served
 * by `startSandboxHttpServer` at `baseUrl`, and hand back its answer — network errors included.
 */
export function createRemoteSandboxHandlers(baseUrl: string): RequestHandler[] {
  const base = new URL(baseUrl);
  return [
    http.all(SANDBOX_HOST_PATTERN, async ({ request }) => {
      const original = new URL(request.url);
      const headers = new Headers();
      request.headers.forEach((value, name) => {
        if (!UNFORWARDED_HEADERS.has(name)) headers.set(name, value);
      });
      headers.set(ORIGINAL_URL_HEADER, request.url);
      const method = request.method;
      const body = method === 'GET' || method === 'HEAD' ? undefined : await request.arrayBuffer();
      const target = new URL(`${original.pathname}${original.search}`, base);
      let answer: Response;
      try {
        answer = await fetch(bypass(new Request(target, { method, headers, signal: request.signal, ...(body === undefined ? {} : { body }) })));
      } catch {
        // The sandbox server itself is gone: to the SDK, the host does not answer.
        return HttpResponse.error();
      }
      if (answer.headers.get(NETWORK_ERROR_HEADER) !== null) return HttpResponse.error();
      const outgoing = new Headers();
      answer.headers.forEach((value, name) => {
        if (!UNFORWARDED_HEADERS.has(name)) outgoing.set(name, value);
      });
      // A watch (or a followed log) streams; anything else is read whole and sent with its length, so a keep-alive
      // client knows where the answer ends.
      const streaming = original.searchParams.get('watch') === 'true' || original.searchParams.get('follow') === 'true';
      if (streaming) return new HttpResponse(endQuietly(answer.body), { status: answer.status, statusText: answer.statusText, headers: outgoing });
      const whole = await answer.arrayBuffer();
      outgoing.set('content-length', String(whole.byteLength));
      return new HttpResponse(whole, { status: answer.status, statusText: answer.statusText, headers: outgoing });
    }),
  ];
}

/** Starts msw in this process with the forwarding handlers (and a passthrough for localhost). */
export function listenRemoteSandbox(baseUrl: string, options: ListenOptions = {}): SandboxServer {
  const server = setupServer(http.all(/^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//, () => passthrough()), ...createRemoteSandboxHandlers(baseUrl));
  server.listen({ onUnhandledRequest: options.onUnhandledRequest ?? 'error' });
  return { server, close: () => server.close() };
}
