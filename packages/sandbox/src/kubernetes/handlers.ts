import { KvcsiError } from '@kvcsi/core';
import { HttpResponse, http } from 'msw';
import type { HttpHandler } from 'msw';
import { parse as parseYaml } from 'yaml';
import type { AzureState } from '../azure/model.js';
import { authenticateKubeRequest, authorizeKubeRequest } from './auth.js';
import { privateFqdnOf } from '../azure/aksCluster.js';
import { PATCH_CONTENT_TYPES, applyPatch } from './patch.js';
import type { PatchContentType } from './patch.js';
import { RESOURCES, RESOURCE_PLURALS, apiVersionOf } from './resources.js';
import type { ResourcePlural } from './resources.js';
import { UNKNOWN_PATH_STATUS, notFoundStatus, statusBody, statusFromError } from './status.js';
import type { StatusBody } from './status.js';
import type { KubeClusterState, WatchEvent } from './store.js';
import { normalizeSecretForWrite } from './secrets.js';
import { validateAgainstCrd } from './crdValidation.js';
import type { KubeObject, PodObject } from './types.js';

/** What the handlers need from the sandbox composed by `createSandbox`. */
export interface KubernetesSandbox {
  /** `azure` (managed clusters, principals, role assignments) authorizes Entra ID callers. */
  readonly state: { kubernetes: Record<string, KubeClusterState>; azure?: AzureState };
  /** Re-evaluates mounts; called after every write that could change one. */
  reconcile(): void;
  readonly clock: { nowMs(): number };
  /**
   * Per-host faults (API down, latency, errors). Returns a response to send instead of the real one, or undefined to
   * proceed.
   */
  applyFaults?(request: Request, host: string): Promise<Response | undefined>;
}

/** `<cluster>.sandbox.azmk8s.io`, or `<cluster>.privatelink.sandbox.azmk8s.io` for a private cluster's private FQDN. */
const HOST = /^https:\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.(privatelink\.)?sandbox\.azmk8s\.io(:443)?(\/|$)/;

type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

interface Route {
  plural: ResourcePlural;
  namespace?: string;
  name?: string;
  subresource?: 'log';
}

function status(body: StatusBody): Response {
  return HttpResponse.json(body, { status: body.code });
}

/** Splits `/api/v1/...` and `/apis/<group>/<version>/...` into resource, namespace, name, subresource. */
function route(pathname: string): Route | undefined {
  const segments = pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') {
    group = '';
    version = segments[1] ?? '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis') {
    group = segments[1] ?? '';
    version = segments[2] ?? '';
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  const find = (plural: string | undefined): ResourcePlural | undefined => RESOURCE_PLURALS.find((p) => p === plural
    && RESOURCES[p].group === group && (RESOURCES[p].version === version || (RESOURCES[p].group !== '' && version === 'v1alpha1')));
  // /api/v1/namespaces/{ns}/{plural}[/{name}[/log]]
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const plural = find(rest[2]);
    if (plural === undefined || !RESOURCES[plural].namespaced) return undefined;
    if (rest.length === 3) return { plural, namespace: rest[1] ?? '' };
    if (rest.length === 4) return { plural, namespace: rest[1] ?? '', name: rest[3] ?? '' };
    if (rest.length === 5 && plural === 'pods' && rest[4] === 'log') return { plural, namespace: rest[1] ?? '', name: rest[3] ?? '', subresource: 'log' };
    return undefined;
  }
  const plural = find(rest[0]);
  if (plural === undefined || rest.length > 2) return undefined;
  if (rest.length === 1) return { plural };
  if (RESOURCES[plural].namespaced) return undefined;
  return { plural, name: rest[1] ?? '' };
}

function verbOf(method: string, route: Route, url: URL): Verb | undefined {
  const watching = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  switch (method) {
    case 'GET':
      if (route.name !== undefined) return 'get';
      return watching ? 'watch' : 'list';
    case 'POST':
      return route.name === undefined && route.subresource === undefined ? 'create' : undefined;
    case 'PUT':
      return route.name !== undefined && route.subresource === undefined ? 'update' : undefined;
    case 'PATCH':
      return route.name !== undefined && route.subresource === undefined ? 'patch' : undefined;
    case 'DELETE':
      return route.name !== undefined && route.subresource === undefined ? 'delete' : undefined;
    default:
      return undefined;
  }
}

/** The API server leaves kind/apiVersion off the items of built-in lists; custom resources keep them. */
function listItem(plural: ResourcePlural, object: KubeObject): Record<string, unknown> {
  if (RESOURCES[plural].group === 'secrets-store.csi.x-k8s.io') return object;
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

function listResponse(cluster: KubeClusterState, route: Route, url: URL): Response {
  const resource = RESOURCES[route.plural];
  const result = cluster.list(route.plural, {
    ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
    ...optionalParam(url, 'labelSelector'),
    ...optionalParam(url, 'fieldSelector'),
  });
  const limit = Number(url.searchParams.get('limit') ?? '0');
  const offset = Number(Buffer.from(url.searchParams.get('continue') ?? '', 'base64url').toString() || '0');
  const page = limit > 0 ? result.items.slice(offset, offset + limit) : result.items.slice(offset);
  const remaining = result.items.length - offset - page.length;
  const metadata: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (limit > 0 && remaining > 0) {
    metadata.continue = Buffer.from(String(offset + page.length)).toString('base64url');
    metadata.remainingItemCount = remaining;
  }
  return HttpResponse.json({ kind: resource.listKind, apiVersion: apiVersionOf(resource), metadata, items: page.map((i) => listItem(route.plural, i)) });
}

function optionalParam(url: URL, name: 'labelSelector' | 'fieldSelector' | 'resourceVersion'): Record<string, string> {
  const value = url.searchParams.get(name);
  return value === null ? {} : { [name]: value };
}

/** A never-ending newline-delimited JSON stream of watch events; it closes when the client aborts. */
function watchResponse(cluster: KubeClusterState, route: Route, url: URL, signal: AbortSignal): Response {
  const encoder = new TextEncoder();
  let unsubscribe: (() => void) | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (line: unknown): void => {
        try {
          controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
        } catch {
          unsubscribe?.();
        }
      };
      try {
        unsubscribe = cluster.watch(route.plural, {
          ...(route.namespace === undefined ? {} : { namespace: route.namespace }),
          ...optionalParam(url, 'labelSelector'),
          ...optionalParam(url, 'fieldSelector'),
          ...optionalParam(url, 'resourceVersion'),
        }, (event: WatchEvent) => send(event));
      } catch (error) {
        // An expired resourceVersion is reported in-stream, as the API server does.
        send({ type: 'ERROR', object: statusFromError(error, route.plural) });
        controller.close();
        return;
      }
      const stop = (): void => {
        unsubscribe?.();
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    },
    cancel() {
      unsubscribe?.();
    },
  });
  return new HttpResponse(stream, { status: 200, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
}

function logResponse(cluster: KubeClusterState, route: Route, url: URL): Response {
  const pod = cluster.get('pods', route.namespace, route.name ?? '') as PodObject | undefined;
  if (pod === undefined) return status(notFoundStatus('pods', route.name ?? ''));
  const names = pod.spec.containers.map((c) => c.name);
  const requested = url.searchParams.get('container');
  const container = requested ?? (names.length === 1 ? names[0] : undefined);
  if (container === undefined) {
    return status(statusBody(400, 'BadRequest', `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`));
  }
  if (!names.includes(container) && !(pod.spec.initContainers ?? []).some((c) => c.name === container)) {
    return status(statusBody(400, 'BadRequest', `container ${container} is not valid for pod ${pod.metadata.name}`));
  }
  // Kubelet refuses logs of a container that never started (pkg/kubelet/kubelet_pods.go validateContainerLogStatus:
  // `container %q in pod %q is waiting to start: %s`), and the API server answers 400 BadRequest.
  const waiting = (pod.status?.containerStatuses ?? []).find((c) => c.name === container)?.state.waiting;
  if (waiting !== undefined) {
    return status(statusBody(400, 'BadRequest', `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${waiting.reason}`));
  }
  const tailLines = url.searchParams.get('tailLines');
  const sinceSeconds = url.searchParams.get('sinceSeconds');
  const text = cluster.readLog({ namespace: pod.metadata.namespace ?? 'default', pod: pod.metadata.name, container }, {
    ...(tailLines === null ? {} : { tailLines: Number(tailLines) }),
    ...(sinceSeconds === null ? {} : { sinceSeconds: Number(sinceSeconds) }),
  }) ?? '';
  return new HttpResponse(text, { status: 200, headers: { 'content-type': 'text/plain' } });
}

async function readBody(request: Request): Promise<unknown> {
  const text = await request.text();
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim();
  if (contentType === 'application/apply-patch+yaml') return parseYaml(text) as unknown;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new KvcsiError('INVALID_INPUT', `couldn't get version/kind; json parse error: invalid character in request body`);
  }
}

/** The object a write would store, checked the way the API server checks it. */
function prepareWrite(route: Route, body: unknown): KubeObject {
  const resource = RESOURCES[route.plural];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new KvcsiError('INVALID_INPUT', `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: expected an object`);
  }
  const object = body as KubeObject;
  object.metadata = { ...(object.metadata ?? {}) };
  if (resource.namespaced) {
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== route.namespace) {
      throw new KvcsiError('INVALID_INPUT', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    object.metadata.namespace = route.namespace;
  }
  if (route.name !== undefined && object.metadata.name !== undefined && object.metadata.name !== route.name) {
    throw new KvcsiError('INVALID_INPUT', 'the name of the object (' + String(object.metadata.name) + ') does not match the name on the URL (' + route.name + ')');
  }
  if (route.name !== undefined) object.metadata.name = route.name;
  return route.plural === 'secrets' ? normalizeSecretForWrite(object) : object;
}

async function writeResponse(cluster: KubeClusterState, sandbox: KubernetesSandbox, verb: Verb, route: Route, request: Request, url: URL): Promise<Response> {
  const dryRun = url.searchParams.get('dryRun') === 'All';
  const name = route.name ?? '';
  if (verb === 'delete') {
    const deleted = dryRun ? cluster.get(route.plural, route.namespace, name) : cluster.delete(route.plural, route.namespace, name);
    if (deleted === undefined) return status(notFoundStatus(route.plural, name));
    if (!dryRun) sandbox.reconcile();
    return HttpResponse.json(deleted);
  }
  const body = await readBody(request);
  let object: KubeObject;
  if (verb === 'patch') {
    const contentType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
    if (!PATCH_CONTENT_TYPES.includes(contentType as PatchContentType)) {
      return status(statusBody(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_CONTENT_TYPES.join(', ')}`));
    }
    const existing = cluster.get(route.plural, route.namespace, name);
    if (existing === undefined) return status(notFoundStatus(route.plural, name));
    object = prepareWrite(route, applyPatch(contentType as PatchContentType, existing, body));
    // A patch applies to the current object; only a resourceVersion the client put in its patch is a precondition.
    const sentVersion = (body as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
    if (sentVersion === undefined) delete object.metadata.resourceVersion;
  } else {
    object = prepareWrite(route, body);
  }
  // The API server validates custom resources against their CRD's schema before it stores (or dry-runs) them.
  const invalid = validateAgainstCrd(route.plural, object);
  if (invalid !== undefined) return status(invalid);
  if (dryRun) return HttpResponse.json(object, { status: verb === 'create' ? 201 : 200 });
  const stored = verb === 'create' ? cluster.create(route.plural, object) : cluster.update(route.plural, object);
  sandbox.reconcile();
  const written = cluster.get(route.plural, route.namespace, stored.metadata.name) ?? stored;
  return HttpResponse.json(written, { status: verb === 'create' ? 201 : 200 });
}

async function handle(sandbox: KubernetesSandbox, request: Request, clusterName: string, privateHost: boolean): Promise<Response> {
  const cluster = Object.hasOwn(sandbox.state.kubernetes, clusterName) ? sandbox.state.kubernetes[clusterName] : undefined;
  const azure = sandbox.state.azure;
  const managed = azure?.managedClusters.find((c) => c.name === clusterName);
  // A cluster the sandbox does not know has no DNS record: a network error, as getaddrinfo ENOTFOUND would be. So has a
  // private FQDN of a cluster that is not private.
  if (cluster === undefined || (privateHost && (managed === undefined || privateFqdnOf(managed) === undefined))) return HttpResponse.error();
  const fault = await sandbox.applyFaults?.(request, new URL(request.url).host);
  if (fault !== undefined) return fault;

  const authorization = request.headers.get('authorization') ?? '';
  const token = /^Bearer\s+(.+)$/i.exec(authorization)?.[1]?.trim();
  const nowMs = sandbox.clock.nowMs();
  const caller = authenticateKubeRequest({ clusterName, managed, azure, token, nowMs });
  if (caller.kind === 'Status') return status(caller);

  const url = new URL(request.url);
  const target = route(url.pathname);
  if (target === undefined) return status(UNKNOWN_PATH_STATUS);
  const verb = verbOf(request.method, target, url);
  if (verb === undefined) {
    return status(statusBody(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
  }
  const refused = authorizeKubeRequest({
    cluster, managed, azure, caller, nowMs,
    request: {
      verb, plural: target.plural,
      ...(target.subresource === undefined ? {} : { subresource: target.subresource }),
      ...(target.namespace === undefined ? {} : { namespace: target.namespace }),
      ...(target.name === undefined ? {} : { name: target.name }),
    },
  });
  if (refused !== undefined) return status(refused);

  try {
    if (target.subresource === 'log') return logResponse(cluster, target, url);
    switch (verb) {
      case 'get': {
        const found = cluster.get(target.plural, target.namespace, target.name ?? '');
        return found === undefined ? status(notFoundStatus(target.plural, target.name ?? '')) : HttpResponse.json(found);
      }
      case 'list':
        return listResponse(cluster, target, url);
      case 'watch':
        return watchResponse(cluster, target, url, request.signal);
      default:
        return await writeResponse(cluster, sandbox, verb, target, request, url);
    }
  } catch (error) {
    return status(statusFromError(error, target.plural, target.name));
  }
}

/**
 * msw handlers for every sandbox cluster's API server at `https://<cluster>.sandbox.azmk8s.io`: get, list, watch,
 * create, update, patch and delete of the resources in `RESOURCES`, pod logs, and the API server's Status errors.
 */
export function createKubernetesHandlers(sandbox: KubernetesSandbox): HttpHandler[] {
  return [
    http.all(HOST, async ({ request }) => {
      const match = HOST.exec(request.url);
      return handle(sandbox, request, match?.[1] ?? '', match?.[3] !== undefined);
    }),
  ];
}
