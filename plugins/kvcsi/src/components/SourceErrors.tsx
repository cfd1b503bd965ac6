import type { SourceError } from '@kvcsi/backstage-plugin-common';
import { Alert, Flex } from '@backstage/ui';

const KIND = { kubernetes: 'cluster', vault: 'vault', access: 'access check', 'pod-status': 'pod mount status' } as const;

/** One warning per cluster or vault that could not be read; what is shown below may be older or incomplete. */
export function SourceErrors(props: { errors: SourceError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <Flex direction="column" gap="2" aria-label="Sources that could not be read" role="region">
      {props.errors.map((error) => (
        <Alert
          key={`${error.source}/${error.name}`}
          status="warning"
          icon
          title={`${error.cluster}: ${KIND[error.source]} ${error.name.replace(/^[\w-]+\//, '')} could not be read (${error.code})`}
          description={`${error.message}${error.lastSuccessAt ? ` — showing what was read at ${error.lastSuccessAt}` : ' — nothing from it is shown'}`}
        />
      ))}
    </Flex>
  );
}
