/** The kvcsi actor (policy principal) of a Backstage caller: `backstage:<user entity ref>`, or a service's subject. */
import type { AuthService, BackstageCredentials } from '@backstage/backend-plugin-api';
import type { Actor } from '@kvcsi/core';

export function actorOf(credentials: BackstageCredentials, auth: Pick<AuthService, 'isPrincipal'>): Actor {
  if (auth.isPrincipal(credentials, 'user')) return { id: `backstage:${credentials.principal.userEntityRef}` };
  if (auth.isPrincipal(credentials, 'service')) {
    // `external:ci-bot` → backstage:service:external/ci-bot, a principal a policy can name.
    const [kind = 'plugin', ...rest] = credentials.principal.subject.split(':');
    return { id: `backstage:service:${rest.length > 0 ? `${kind}/${rest.join(':')}` : `plugin/${kind}`}` };
  }
  // The core refuses an empty actor with UNAUTHENTICATED.
  return { id: '' };
}
