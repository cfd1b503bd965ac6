/** The kvcsi actor (policy principal) of a Backstage caller: `backstage:<user entity ref>`, or a service's subject. */
import type { AuthService, BackstageCredentials } from '@backstage/backend-plugin-api';
import type { Actor } from '@kvcsi/core';

export function actorOf(credentials: BackstageCredentials, auth: Pick<AuthService, 'isPrincipal'>): Actor {
  if (auth.isPrincipal(credentials, 'user')) return { id: `backstage:${credentials.principal.userEntityRef}` };
  if (auth.isPrincipal(credentials, 'service')) {
    // `plugin:catalog` → backstage:service:plugin/catalog; a static external-access token's bare subject `ci-bot` →
    // backstage:service:external/ci-bot: principals a policy can name.
    const [kind = '', ...rest] = credentials.principal.subject.split(':');
    return { id: `backstage:service:${rest.length > 0 ? `${kind}/${rest.join(':')}` : `external/${kind}`}` };
  }
  // The core refuses an empty actor with UNAUTHENTICATED.
  return { id: '' };
}
