import { stringifyEntityRef } from '@backstage/catalog-model';
import { MissingAnnotationEmptyState, Progress } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  isKvcsiAvailable, KUBERNETES_ID_ANNOTATION, KVCSI_APP_ANNOTATION, type BindingsResponse, type RequestActionResponse,
} from '@kvcsi/backstage-plugin-common';
import { Alert, Button, Flex, Text } from '@backstage/ui';
import { useState } from 'react';
import { kvcsiApiRef } from '../api/KvcsiApi.js';
import { ClusterBindings } from './ClusterBindings.js';
import { errorText, isDenied } from './errors.js';
import { OpenProblems } from './OpenProblems.js';
import { Requests } from './Requests.js';
import { RequestSecretDialog } from './RequestSecretDialog.js';
import { SourceErrors } from './SourceErrors.js';
import { useLoad } from './useLoad.js';

const README_URL = 'https://github.com/kvcsi/kvcsi/tree/main/plugins/kvcsi#annotations';

function MissingAnnotation() {
  return <MissingAnnotationEmptyState annotation={[KVCSI_APP_ANNOTATION, KUBERNETES_ID_ANNOTATION]} readMoreUrl={README_URL} />;
}

/** What happened after the last request or value: sentences from the backend (never a value), and what to paste. */
function Outcome(props: { results: RequestActionResponse[] }) {
  return (
    <Flex direction="column" gap="2" aria-live="polite">
      {props.results.map((result, index) => (
        <Alert
          key={index}
          status={result.status === 'failed' || result.status === 'denied' ? 'danger' : 'success'}
          icon
          title={result.message}
          description={[...result.warnings, ...(result.version ? [`version ${result.version}`] : [])].join(' · ') || undefined}
        />
      ))}
    </Flex>
  );
}

function Requested(props: { entityRef: string; bindings: BindingsResponse }) {
  const api = useApi(kvcsiApiRef);
  const identityApi = useApi(identityApiRef);
  const requests = useLoad((signal) => api.listRequests(props.entityRef, { signal }), props.entityRef);
  const user = useLoad((_signal) => identityApi.getBackstageIdentity(), 'identity');
  const [outcome, setOutcome] = useState<RequestActionResponse[]>([]);
  const done = (results: RequestActionResponse[]) => {
    setOutcome(results);
    requests.reload();
  };
  return (
    <section aria-label="Secret requests">
      <Flex direction="column" gap="2">
        <Flex justify="between" align="center">
          <Text as="h3" variant="title-small">Secret requests</Text>
          <RequestSecretDialog entityRef={props.entityRef} clusters={props.bindings.clusters} onRequested={done} />
        </Flex>
        {outcome.length > 0 ? <Outcome results={outcome} /> : null}
        {requests.status === 'loading' ? <Progress /> : null}
        {requests.status === 'failed' ? <Alert status={isDenied(requests.error) ? 'warning' : 'danger'} icon title="The requests could not be read" description={errorText(requests.error)} /> : null}
        {requests.status === 'done' ? (
          <Requests
            entityRef={props.entityRef} requests={requests.value.items} onSet={(result) => done([result])}
            {...(user.status === 'done' ? { userEntityRef: user.value.userEntityRef } : {})}
          />
        ) : null}
      </Flex>
    </section>
  );
}

function Bindings(props: { entityRef: string }) {
  const api = useApi(kvcsiApiRef);
  const bindings = useLoad((signal) => api.getBindings(props.entityRef, { signal }), props.entityRef);
  if (bindings.status === 'loading') return <Progress />;
  if (bindings.status === 'failed') {
    return isDenied(bindings.error)
      ? <Alert status="warning" icon title="You may not see this entity's Key Vault bindings" description={errorText(bindings.error)} />
      : <Alert status="danger" icon title="The Key Vault bindings could not be read" description={errorText(bindings.error)} customActions={<Button size="small" variant="secondary" onPress={bindings.reload}>Retry</Button>} />;
  }
  const value = bindings.value;
  if (value.missingAnnotation) return <MissingAnnotation />;
  return (
    <Flex direction="column" gap="4">
      <SourceErrors errors={value.errors} />
      <OpenProblems entityRef={props.entityRef} />
      {value.items.length === 0
        ? <Alert status="info" icon title={`No SecretProviderClass of ${value.app} on ${value.clusters.join(', ') || 'any cluster'}`} description="Request a secret below, then mount it with a SecretProviderClass labelled with the app." />
        : <ClusterBindings entityRef={props.entityRef} items={value.items} clusters={value.clusters} />}
      <Text as="p" color="secondary">
        App {value.app} (from {value.annotation}){value.indexedAt ? ` · read at ${value.indexedAt}` : ''}
      </Text>
      <Requested entityRef={props.entityRef} bindings={value} />
    </Flex>
  );
}

/** The Key Vault tab of a catalog entity. */
export function KvcsiContent() {
  const { entity } = useEntity();
  if (!isKvcsiAvailable(entity)) return <MissingAnnotation />;
  return <Bindings entityRef={stringifyEntityRef(entity)} />;
}
