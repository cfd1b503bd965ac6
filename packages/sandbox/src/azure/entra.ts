import { http, HttpResponse, type RequestHandler } from 'msw';
import type { AzureHandlerContext } from './context.js';
import { deterministicUuid } from './ids.js';
import type { AzureState, FederatedIdentityCredential } from './model.js';
import { audienceForScope, decodeAssertion, issueAccessToken } from './tokens.js';

export const ENTRA_HOST = 'https://login.microsoftonline.com';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface EntraError {
  status: 400 | 401;
  error: string;
  code: number;
  description: string;
}

/** An Entra ID error body, shaped like the service's: AADSTS text, then trace and correlation IDs and a timestamp. */
export function entraErrorBody(e: EntraError, nowMs: number): EntraErrorJson {
  const traceId = deterministicUuid('trace', String(e.code), String(nowMs));
  const correlationId = deterministicUuid('correlation', String(e.code), String(nowMs));
  const timestamp = new Date(nowMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error: e.error,
    error_description: `AADSTS${e.code}: ${e.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [e.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${e.code}`,
  };
}

export interface EntraErrorJson {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

function entraErrorResponse(e: EntraError, nowMs: number): Response {
  return HttpResponse.json(entraErrorBody(e, nowMs), { status: e.status });
}

function tenantMatches(azure: AzureState, tenant: string): boolean {
  const t = tenant.toLowerCase();
  return t === azure.tenantId.toLowerCase() || t === azure.tenantDomain.toLowerCase();
}

interface ClientPrincipal {
  clientId: string;
  name?: string;
  objectId: string;
  clientSecret?: string;
  federatedCredentials: FederatedIdentityCredential[];
}

function findClient(azure: AzureState, clientId: string): ClientPrincipal | undefined {
  const id = clientId.toLowerCase();
  const identity = azure.identities.find((i) => i.clientId.toLowerCase() === id);
  if (identity) return identity;
  const sp = azure.servicePrincipals.find((s) => s.clientId.toLowerCase() === id);
  return sp && { ...sp, federatedCredentials: sp.federatedCredentials ?? [] };
}

/**
 * Entra's federated-credential texts, as real responses quote them:
 * - AADSTS70025 when the identity has no federated credential at all ("The client '<id>'(<name>) has no configured
 *   federated identity credentials.", quoted in public GitHub Actions troubleshooting notes);
 * - AADSTS700211 for an unknown issuer;
 * - AADSTS700213 (HTTP 401) for a subject mismatch since 2024 ("No matching federated identity record found for
 *   presented assertion subject '<sub>'. Check your federated identity credential Subject, Audience and Issuer against
 *   the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation", quoted in
 *   Azure/azure-workload-identity#1200 and dotnet/maui#31978). The older AADSTS70021/400 is no longer served.
 */
export function federatedAssertionError(
  client: { clientId: string; name?: string; federatedCredentials: FederatedIdentityCredential[] },
  assertion: { iss: string; sub: string; audiences: string[] },
): EntraError | undefined {
  if (client.federatedCredentials.length === 0) {
    return {
      status: 400,
      error: 'invalid_client',
      code: 70025,
      description: `The client '${client.clientId}'(${client.name ?? client.clientId}) has no configured federated identity credentials.`,
    };
  }
  const sameIssuer = client.federatedCredentials.filter((f) => f.issuer === assertion.iss);
  if (sameIssuer.length === 0) {
    return {
      status: 400,
      error: 'invalid_client',
      code: 700211,
      description: `No matching federated identity record found for presented assertion issuer '${assertion.iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    };
  }
  const match = sameIssuer.find((f) => f.subject === assertion.sub && f.audiences.some((a) => assertion.audiences.includes(a)));
  if (match === undefined) {
    return {
      status: 401,
      error: 'invalid_client',
      code: 700213,
      description: `No matching federated identity record found for presented assertion subject '${assertion.sub}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    };
  }
  return undefined;
}

/** Checks a workload-identity assertion against the identity's federated credentials, as Entra ID does. */
function checkAssertion(client: ClientPrincipal, assertion: string, nowMs: number): EntraError | undefined {
  const claims = decodeAssertion(assertion);
  if (claims === undefined || typeof claims.iss !== 'string' || typeof claims.sub !== 'string') {
    return { status: 400, error: 'invalid_client', code: 50027, description: 'JWT token is invalid or malformed.' };
  }
  const nowSeconds = Math.floor(nowMs / 1000);
  if ((claims.exp !== undefined && claims.exp < nowSeconds) || (claims.nbf !== undefined && claims.nbf > nowSeconds + 300)) {
    return {
      status: 400,
      error: 'invalid_client',
      code: 700024,
      description: `Client assertion is not within its valid time range. Current time: ${new Date(nowMs).toISOString()}, assertion valid from ${new Date((claims.nbf ?? claims.iat ?? 0) * 1000).toISOString()}, expiry time of assertion ${new Date((claims.exp ?? 0) * 1000).toISOString()}.`,
    };
  }
  const audiences = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return federatedAssertionError(client, { iss: claims.iss, sub: claims.sub, audiences });
}

/**
 * The Entra ID v2 token endpoint: client credentials with a secret, or with a workload-identity assertion.
 * Issued tokens carry audience, tenant, object ID and app ID so the resource handlers can authorise the caller.
 */
export function createEntraHandlers(ctx: AzureHandlerContext): RequestHandler[] {
  return [
    http.post(`${ENTRA_HOST}/:tenant/oauth2/v2.0/token`, async ({ request, params }) => {
      const fault = await ctx.applyFaults(request);
      if (fault) return fault;
      const azure = ctx.azure();
      const nowMs = ctx.clock.nowMs();
      const tenant = String(params['tenant']);
      if (!tenantMatches(azure, tenant)) {
        return entraErrorResponse(
          { status: 400, error: 'invalid_request', code: 90002, description: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.` },
          nowMs,
        );
      }
      const form = new URLSearchParams(await request.text());
      const grantType = form.get('grant_type');
      if (grantType !== 'client_credentials') {
        return entraErrorResponse({ status: 400, error: 'unsupported_grant_type', code: 70003, description: `The app requested an unsupported grant type '${grantType ?? ''}'.` }, nowMs);
      }
      const clientId = form.get('client_id') ?? '';
      const client = findClient(azure, clientId);
      if (client === undefined) {
        return entraErrorResponse(
          {
            status: 400,
            error: 'unauthorized_client',
            code: 700016,
            description: `Application with identifier '${clientId}' was not found in the directory '${azure.tenantDomain}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
          },
          nowMs,
        );
      }
      const assertion = form.get('client_assertion');
      if (assertion !== null) {
        if (form.get('client_assertion_type') !== JWT_BEARER) {
          return entraErrorResponse({ status: 400, error: 'invalid_request', code: 50027, description: 'Invalid client_assertion_type.' }, nowMs);
        }
        const refused = checkAssertion(client, assertion, nowMs);
        if (refused) return entraErrorResponse(refused, nowMs);
      } else {
        const secret = form.get('client_secret');
        if (secret === null) {
          return entraErrorResponse(
            { status: 401, error: 'invalid_client', code: 7000218, description: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." },
            nowMs,
          );
        }
        if (client.clientSecret === undefined || secret !== client.clientSecret) {
          return entraErrorResponse(
            {
              status: 401,
              error: 'invalid_client',
              code: 7000215,
              description: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
            },
            nowMs,
          );
        }
      }
      const scope = form.get('scope') ?? '';
      const audience = audienceForScope(scope);
      if (audience === undefined) {
        return entraErrorResponse(
          { status: 400, error: 'invalid_resource', code: 500011, description: `The resource principal named ${scope.replace(/\/\.default$/, '')} was not found in the tenant named ${azure.tenantDomain}.` },
          nowMs,
        );
      }
      const { token } = issueAccessToken({ audience, tenantId: azure.tenantId, objectId: client.objectId, clientId: client.clientId, nowMs });
      return HttpResponse.json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    }),
    // Safety nets: MSAL has built-in metadata for login.microsoftonline.com, but a custom authority host asks for these.
    http.get(`${ENTRA_HOST}/common/discovery/instance`, async ({ request }) =>
      (await ctx.applyFaults(request)) ??
      HttpResponse.json({
        tenant_discovery_endpoint: `${ENTRA_HOST}/{tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'] }],
      }),
    ),
    http.get(`${ENTRA_HOST}/:tenant/v2.0/.well-known/openid-configuration`, async ({ request, params }) => {
      const fault = await ctx.applyFaults(request);
      if (fault) return fault;
      const tenant = String(params['tenant']);
      return HttpResponse.json({
        token_endpoint: `${ENTRA_HOST}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${ENTRA_HOST}/${tenant}/oauth2/v2.0/authorize`,
        issuer: `${ENTRA_HOST}/${tenant}/v2.0`,
        jwks_uri: `${ENTRA_HOST}/${tenant}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      });
    }),
  ];
}
