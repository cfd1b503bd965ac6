/**
 * `POST /decisions/<request id>/approve|reject` for `kvcsi requests approve|reject` outside the sandbox. The caller is
 * authenticated by its Entra ID access token (not a Backstage token: the CLI has none), which the core verifies
 * (signature against the tenant's keys, issuer, tenant, audience = kvcsi's API, lifetime, a person); the backend then
 * decides as `aad:<upn>` and signs the decision with its key. Mounted only when `kvcsi.entraDecisions` is configured.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { KvcsiError, decideWithEntraToken, decisionErrorStatus, type EntraTokenVerifier, type KvcsiService } from '@kvcsi/core';
import express, { type Request, type Response } from 'express';

export function createDecisionsRouter(options: { service: KvcsiService; verifier: EntraTokenVerifier; logger: LoggerService }): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));
  // Plain Node request/response calls only, so the router also serves outside an express app.
  const send = (res: Response, status: number, body: unknown) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  };
  router.post('/decisions/:id/:decision', (req: Request, res: Response) => {
    const body = (req.body ?? {}) as { reason?: unknown };
    const authorization = req.headers.authorization;
    decideWithEntraToken({ service: options.service, verifier: options.verifier }, {
      authorization,
      requestId: String(req.params['id']),
      decision: String(req.params['decision']),
      ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
    }).then(
      (result) => send(res, 200, result),
      (error: unknown) => {
        if (!KvcsiError.is(error)) options.logger.error('kvcsi decision failed unexpectedly', error instanceof Error ? error : undefined);
        const code = KvcsiError.is(error) ? error.code : 'INTERNAL';
        send(res, decisionErrorStatus(code), { error: { code, message: KvcsiError.is(error) ? error.message : 'the decision failed unexpectedly' } });
      },
    );
  });
  return router;
}
