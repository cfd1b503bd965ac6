/**
 * The HTTP routes. Each one: validate the input (zod), resolve the entity server-side with the caller's credentials,
 * check the kvcsi permission for that entity, delegate to the KvcsiService or the index, and record an audit event.
 * The browser never names a vault or an app: both come from the entity and the registry.
 */
import type {
  AuditorService, AuthService, BackstageCredentials, HttpAuthService, LoggerService, PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult, type ResourcePermission } from '@backstage/plugin-permission-common';
import {
  KUBERNETES_ID_ANNOTATION, KVCSI_APP_ANNOTATION, entityApp, entityClusters, kvcsiBindingsReadPermission, kvcsiDiagnosePermission,
  kvcsiSecretRequestPermission, missingAnnotationMessage, type BindingsResponse, type CreateSecretRequestResponse, type DiagnoseResponse,
  type EntityApp, type ListRequestsResponse, type OpenProblemDto, type ProblemsResponse, type SourceError,
} from '@kvcsi/backstage-plugin-common';
import { partitionReadable, type Actor, type ClusterPort, type ClusterRegistry, type KvcsiService, type ProblemStore } from '@kvcsi/core';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { actorOf } from './actor.js';
import type { BindingsIndex } from './bindings-index.js';
import { viewAppBindings } from './bindings-view.js';
import { toActionResponse, toFindingDto, toRequestDto } from './dto.js';
import { toBackstageError } from './errors.js';

/** The one catalog call the router needs (CatalogService from @backstage/plugin-catalog-node has it). */
export interface EntityReader {
  getEntityByRef(entityRef: string, options: { credentials: BackstageCredentials }): Promise<Entity | undefined>;
}

export interface RouterOptions {
  httpAuth: HttpAuthService;
  auth: Pick<AuthService, 'isPrincipal'>;
  permissions: Pick<PermissionsService, 'authorize'>;
  auditor: AuditorService;
  catalog: EntityReader;
  logger: LoggerService;
  service: KvcsiService;
  index: BindingsIndex;
  registry: ClusterRegistry;
  clusterPort(clusterName: string): ClusterPort;
  /** The watcher's problems (the store shared with the bot); without it GET /problems answers an empty list with a note. */
  problems?: ProblemStore;
}

/** Why GET /problems lists nothing when the plugin has no store shared with the watcher. */
export const NO_PROBLEM_STORE_NOTE = 'kvcsi.store is not set: the watcher keeps its problems in the bot\'s store; set kvcsi.store to the bot\'s database to list them here';

const entityRefSchema = z.string().trim().min(1, 'entityRef is required').max(512);
const bindingsQuery = z.object({ entityRef: entityRefSchema });
const createRequestBody = z.strictObject({
  entityRef: entityRefSchema,
  name: z.string().min(1).max(127),
  clusters: z.array(z.string().min(1).max(63)).min(1).max(20),
  justification: z.string().trim().min(1, 'justification is required').max(1000),
  description: z.string().max(1000).optional(),
  contentType: z.string().max(255).optional(),
});
// The value is checked for presence and size only; its content is never echoed in an error.
const setValueBody = z.strictObject({ entityRef: entityRefSchema, value: z.string().min(1).max(25 * 1024 * 4) });
const diagnoseBody = z.strictObject({
  entityRef: entityRefSchema,
  cluster: z.string().min(1).max(63),
  pod: z.string().min(1).max(253).optional(),
  namespace: z.string().min(1).max(63).optional(),
});
const requestIdParam = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not a request id');

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // Messages name fields and rules only; input values (a secret value, say) are never quoted.
  throw new InputError(result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
}

function normalizeEntityRef(ref: string): string {
  try {
    return stringifyEntityRef(parseEntityRef(ref, { defaultKind: 'component', defaultNamespace: 'default' }));
  } catch {
    throw new InputError(`entityRef ${JSON.stringify(ref)} is not an entity reference (kind:namespace/name)`);
  }
}

/** body-parser marks its errors with a `type` (entity.parse.failed, entity.too.large, charset.unsupported, …) and a 4xx `status`. */
function isBodyParserError(error: unknown): error is { type: string; status: number } {
  const candidate = error as { type?: unknown; status?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.type === 'string' && typeof candidate.status === 'number';
}

function stripBodyParserError(error: unknown, _req: Request, _res: Response, next: NextFunction): void {
  if (!isBodyParserError(error)) {
    next(error);
    return;
  }
  const reasons: Record<string, string> = {
    'entity.parse.failed': 'the request body is not valid JSON',
    'entity.too.large': 'the request body is larger than 256 kB',
  };
  next(new InputError(reasons[error.type] ?? `the request body could not be read (${error.type})`));
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** Express 4 does not await handlers: hand every rejection to the error handler, as a Backstage error. */
function route(handler: Handler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch((error: unknown) => next(toBackstageError(error)));
  };
}

export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions, auditor, catalog, service, index, registry } = options;
  const router = express.Router();
  router.use(express.json({ limit: '256kb' }));
  // body-parser's errors carry the raw request body (`body`) and a JSON.parse message that quotes it: a malformed
  // set-value (a PEM pasted through curl) would echo the secret in the 400. Replace them with errors that name the rule.
  router.use(stripBodyParserError);

  interface Resolved {
    credentials: BackstageCredentials;
    entityRef: string;
    entity: Entity;
    app?: EntityApp;
  }

  const resolve = async (req: Request, rawRef: string, permission: ResourcePermission<'catalog-entity'>): Promise<Resolved> => {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const entityRef = normalizeEntityRef(rawRef);
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) throw new NotFoundError(`entity ${entityRef} was not found`);
    const [decision] = await permissions.authorize([{ permission, resourceRef: entityRef }], { credentials });
    if (decision?.result !== AuthorizeResult.ALLOW) throw new NotAllowedError(`${permission.name} is not allowed on ${entityRef}`);
    const app = entityApp(entity);
    return { credentials, entityRef, entity, ...(app ? { app } : {}) };
  };

  const requireApp = (resolved: Resolved): EntityApp => {
    if (!resolved.app) throw new InputError(missingAnnotationMessage(resolved.entityRef));
    return resolved.app;
  };

  /** The clusters `kvcsi.io/clusters` names (that the registry knows), else all of them. */
  const clustersOf = (entity: Entity): { clusters: string[]; unknown: string[] } => {
    const named = entityClusters(entity);
    const known = new Set(registry.list().map((cluster) => cluster.name));
    if (!named) return { clusters: [...known], unknown: [] };
    return { clusters: named.filter((name) => known.has(name)), unknown: named.filter((name) => !known.has(name)) };
  };

  /** Runs `work` inside an audit event: success with its meta, or fail with the error. */
  const audited = async <T>(req: Request, eventId: string, severityLevel: 'low' | 'medium' | 'high', meta: Record<string, string>, work: () => Promise<T>): Promise<T> => {
    const event = await auditor.createEvent({ eventId, severityLevel, request: req, meta });
    try {
      const result = await work();
      await event.success();
      return result;
    } catch (error) {
      await event.fail({ error: error instanceof Error ? error : new Error(String(error)) });
      throw error;
    }
  };

  /**
   * A request of the app applied after the index last read its vaults or access (here, in Slack or the CLI): re-read
   * them first (targeted refresh), so the page does not show "access denied" beside an applied grant. The store
   * failing does not fail the answer: the index is served as it is.
   */
  const refreshIfApplied = async (app: string): Promise<void> => {
    const indexedAt = index.appIndexedAt(app);
    if (indexedAt === undefined) return;
    try {
      const applied = await service.listRequests({ app, status: 'applied', limit: 20 });
      const latest = Math.max(...applied.map((request) => Date.parse(request.appliedAt ?? request.updatedAt)).filter(Number.isFinite));
      if (latest >= indexedAt) await index.refreshApp(app);
    } catch (error) {
      options.logger.warn(`kvcsi: could not check ${app}'s applied requests before answering its bindings: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  /** Splits clusters into those the reader may read and one FORBIDDEN error for each of the others (each denial audited by the service). */
  const readableClusters = async (clusters: string[], reader: Actor): Promise<{ readable: string[]; denied: SourceError[] }> => {
    const { readable, denied } = await partitionReadable(service, clusters, { reader });
    return {
      readable,
      denied: denied.map(({ cluster, error }) => ({ cluster, source: 'kubernetes', name: `cluster/${cluster}`, code: error.code, message: `the kvcsi policy does not let you read ${cluster}` })),
    };
  };

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/bindings', route(async (req, res) => {
    const { entityRef: rawRef } = parse(bindingsQuery, req.query);
    const resolved = await resolve(req, rawRef, kvcsiBindingsReadPermission);
    const body = await audited(req, 'bindings-read', 'low', { entityRef: resolved.entityRef }, async (): Promise<BindingsResponse> => {
      const { clusters, unknown } = clustersOf(resolved.entity);
      if (!resolved.app) {
        return {
          entityRef: resolved.entityRef, app: null, clusters, items: [], errors: [],
          missingAnnotation: { annotations: [KVCSI_APP_ANNOTATION, KUBERNETES_ID_ANNOTATION], message: missingAnnotationMessage(resolved.entityRef) },
        };
      }
      // The index is read with kvcsi's identity: the policy's `read` rules for this user decide which clusters show.
      const { readable, denied } = await readableClusters(clusters, actorOf(resolved.credentials, options.auth));
      await index.ready();
      await refreshIfApplied(resolved.app.app);
      const view = viewAppBindings(index.snapshot(), registry, resolved.app.app, readable);
      const unknownErrors: SourceError[] = unknown.map((name) => ({
        cluster: name, source: 'kubernetes', name: `cluster/${name}`, code: 'NOT_FOUND',
        message: `the kvcsi.io/clusters annotation names ${name}, which the kvcsi registry does not list`,
      }));
      return {
        entityRef: resolved.entityRef, app: resolved.app.app, annotation: resolved.app.annotation, clusters,
        items: view.items, errors: [...unknownErrors, ...denied, ...view.errors], ...(view.indexedAt ? { indexedAt: view.indexedAt } : {}),
      };
    });
    res.json(body);
  }));

  router.get('/problems', route(async (req, res) => {
    const { entityRef: rawRef } = parse(bindingsQuery, req.query);
    const resolved = await resolve(req, rawRef, kvcsiBindingsReadPermission);
    const body = await audited(req, 'problems-read', 'low', { entityRef: resolved.entityRef }, async (): Promise<ProblemsResponse> => {
      if (!resolved.app) {
        return {
          entityRef: resolved.entityRef, app: null, items: [], errors: [],
          missingAnnotation: { annotations: [KVCSI_APP_ANNOTATION, KUBERNETES_ID_ANNOTATION], message: missingAnnotationMessage(resolved.entityRef) },
        };
      }
      const app = resolved.app.app;
      if (options.problems === undefined) return { entityRef: resolved.entityRef, app, items: [], errors: [], note: NO_PROBLEM_STORE_NOTE };
      const { clusters } = clustersOf(resolved.entity);
      // The kvcsi policy's read rules, as for the bindings: a denied cluster's problems are left out, and named as denied.
      const { readable, denied } = await readableClusters(clusters, actorOf(resolved.credentials, options.auth));
      const shown = new Set(readable);
      const rows = (await options.problems.listOpenProblems({ app })).filter((row) => shown.has(row.cluster)).sort((a, b) => a.openedAt - b.openedAt);
      const findings = new Map<string, OpenProblemDto['finding']>();
      for (const causeKey of new Set(rows.map((row) => row.causeKey))) {
        const message = await options.problems.getOpenMessage(causeKey);
        if (message !== undefined) findings.set(causeKey, toFindingDto(message.finding));
      }
      const items = rows.map((row): OpenProblemDto => {
        const finding = findings.get(row.causeKey);
        return {
          cluster: row.cluster, namespace: row.namespace, workload: row.workload, findingId: row.findingId, title: finding?.title ?? `finding ${row.findingId}`,
          ...(finding !== undefined ? { finding } : {}), openedAt: new Date(row.openedAt).toISOString(),
        };
      });
      return { entityRef: resolved.entityRef, app, items, errors: denied };
    });
    res.json(body);
  }));

  router.get('/requests', route(async (req, res) => {
    const { entityRef: rawRef } = parse(bindingsQuery, req.query);
    const resolved = await resolve(req, rawRef, kvcsiBindingsReadPermission);
    const { app } = requireApp(resolved);
    const body = await audited(req, 'requests-read', 'low', { entityRef: resolved.entityRef, app }, async (): Promise<ListRequestsResponse> => {
      const requests = await service.listRequests({ app, limit: 200, reader: actorOf(resolved.credentials, options.auth) });
      return { items: requests.map(toRequestDto) };
    });
    res.json(body);
  }));

  router.post('/requests', route(async (req, res) => {
    const input = parse(createRequestBody, req.body);
    const resolved = await resolve(req, input.entityRef, kvcsiSecretRequestPermission);
    const { app } = requireApp(resolved);
    const { clusters } = clustersOf(resolved.entity);
    const outside = input.clusters.filter((cluster) => !clusters.includes(cluster));
    if (outside.length > 0) throw new InputError(`${resolved.entityRef} is not deployed to ${outside.join(', ')} (kvcsi.io/clusters or the registry)`);
    const meta = { entityRef: resolved.entityRef, app, secretName: input.name, clusters: input.clusters.join(',') };
    const body = await audited(req, 'secret-request', 'medium', meta, async (): Promise<CreateSecretRequestResponse> => {
      const result = await service.requestSecret({
        actor: actorOf(resolved.credentials, options.auth), name: input.name, app, clusters: input.clusters, justification: input.justification,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
      });
      return { results: result.results.map(toActionResponse) };
    });
    res.status(201).json(body);
  }));

  router.post('/requests/:id/value', route(async (req, res) => {
    const requestId = parse(requestIdParam, req.params.id);
    const input = parse(setValueBody, req.body);
    const resolved = await resolve(req, input.entityRef, kvcsiSecretRequestPermission);
    const { app } = requireApp(resolved);
    const body = await audited(req, 'secret-value-set', 'high', { entityRef: resolved.entityRef, app, requestId }, async () => {
      const request = await service.getRequest(requestId, { reader: actorOf(resolved.credentials, options.auth) });
      // A request of another app answers like a missing one: the entity does not reveal other apps' requests.
      if (request.target.app !== app) throw new NotFoundError(`request ${requestId} is not a request of ${app}`);
      const result = await service.supplySecretValue({ actor: actorOf(resolved.credentials, options.auth), requestId, value: input.value });
      // The secret exists now: re-read the app's vaults before the page asks, so it does not show "missing" beside "applied".
      if (result.outcome.status === 'applied') await index.refreshApp(app);
      return toActionResponse(result);
    });
    res.json(body);
  }));

  router.post('/diagnose', route(async (req, res) => {
    const input = parse(diagnoseBody, req.body);
    const resolved = await resolve(req, input.entityRef, kvcsiDiagnosePermission);
    const { app } = requireApp(resolved);
    const { clusters } = clustersOf(resolved.entity);
    if (!clusters.includes(input.cluster)) throw new InputError(`${resolved.entityRef} is not deployed to ${input.cluster} (kvcsi.io/clusters or the registry)`);
    const meta = { entityRef: resolved.entityRef, app, cluster: input.cluster, ...(input.pod ? { pod: input.pod } : {}) };
    // The kvcsi policy's read rules apply on top of the Backstage permission (issue 19).
    const reader = actorOf(resolved.credentials, options.auth);
    const body = await audited(req, 'diagnose', 'low', meta, async (): Promise<DiagnoseResponse> => {
      const report = input.pod === undefined
        ? await service.diagnoseApp({ cluster: input.cluster, app, reader, ...(input.namespace ? { namespace: input.namespace } : {}) })
        : await service.diagnosePod({ cluster: input.cluster, reader, ...(await podOfApp(input.cluster, app, input.pod, input.namespace)) });
      return {
        entityRef: resolved.entityRef, app, cluster: input.cluster,
        findings: report.findings.map(toFindingDto),
        unknowns: report.unknowns.map((unknown) => ({ source: unknown.source, reason: unknown.reason, ...(unknown.code ? { code: unknown.code } : {}) })),
      };
    });
    res.json(body);
  }));

  /**
   * The pod must be the app's: labelled with it, or mounting one of its SecretProviderClasses. Otherwise an entity's
   * owner could diagnose (and read the events and logs of) any pod of the cluster. The scope is checked before the
   * lookup, and a missing pod answers exactly like another app's: the answer must not reveal which pods exist.
   */
  const podOfApp = async (cluster: string, app: string, podRef: string, namespaceInput?: string): Promise<{ namespace: string; pod: string }> => {
    await index.ready();
    const appBindings = index.snapshot().clusters.get(cluster)?.data?.bindings.filter((entry) => entry.binding.app === app) ?? [];
    const [first, second] = podRef.split('/');
    const namespace = second !== undefined ? first! : namespaceInput ?? appBindings[0]?.binding.namespace;
    const pod = second ?? first!;
    if (namespace === undefined) throw new InputError(`name the pod's namespace: ${app} has no SecretProviderClass on ${cluster}`);
    const notTheApps = () => new NotFoundError(`${app} has no pod ${namespace}/${pod} on ${cluster}`);
    const spcNames = new Set(appBindings.filter((entry) => entry.binding.namespace === namespace).map((entry) => entry.binding.name));
    // Outside the namespaces where the app has a SecretProviderClass, no pod is the app's: do not ask the API server.
    if (spcNames.size === 0) throw notTheApps();
    const found = await options.clusterPort(cluster).getPod({ namespace, name: pod });
    if (!found) throw notTheApps();
    const labels = found.metadata.labels ?? {};
    const mountsAppSpc = (found.spec.volumes ?? []).some((volume) => spcNames.has(volume.csi?.volumeAttributes?.secretProviderClass ?? ''));
    if (labels['app.kubernetes.io/name'] !== app && labels.app !== app && !mountsAppSpc) throw notTheApps();
    return { namespace, pod };
  };

  return router;
}
