import type { RequestActionResponse, SecretRequestDto } from '@kvcsi/backstage-plugin-common';
import { Badge, Flex, Text, VisuallyHidden } from '@backstage/ui';
import { SetValueDialog } from './SetValueDialog.js';

const cell = { padding: '4px 8px', textAlign: 'left', verticalAlign: 'top' } as const;
const SECRET_KINDS = new Set(['secret-request', 'secret-create']);

/** Whether the signed-in user may set the value: their own approved secret request (the backend checks it again). */
export function canSetValue(request: SecretRequestDto, userEntityRef: string | undefined): boolean {
  if (!userEntityRef || request.status !== 'approved' || !SECRET_KINDS.has(request.kind)) return false;
  return request.requester === `backstage:${userEntityRef}` || request.requester === userEntityRef;
}

/** The entity's requests with their status; "Set value" on the signed-in user's approved secret requests. */
export function Requests(props: { entityRef: string; requests: SecretRequestDto[]; userEntityRef?: string; onSet(result: RequestActionResponse): void }) {
  if (props.requests.length === 0) return <Text as="p" color="secondary">No requests for this app yet.</Text>;
  return (
    <table style={{ borderCollapse: 'collapse', width: '100%' }}>
      <caption style={{ textAlign: 'left' }}><Text color="secondary">Requests of this app, newest first</Text></caption>
      <thead>
        <tr><th style={cell}>Request</th><th style={cell}>Secret</th><th style={cell}>Cluster</th><th style={cell}>Status</th><th style={cell}>Requested by</th><th style={cell}>Created</th><th style={cell}><VisuallyHidden>Actions</VisuallyHidden></th></tr>
      </thead>
      <tbody>
        {[...props.requests].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((request) => (
          <tr key={request.id}>
            <td style={cell}>{request.kind} <Text as="span" color="secondary">{request.id}</Text></td>
            <td style={cell}>{request.secretName ?? '—'}{request.vault ? ` in ${request.vault}` : ''}</td>
            <td style={cell}>{request.cluster}</td>
            <td style={cell}>
              <Flex direction="column" gap="1">
                <Badge size="small">{request.status}</Badge>
                {request.approvalRequired && request.status === 'pending' ? <Text as="span" color="secondary">waiting for {request.approverGroup ?? 'an approver'}</Text> : null}
                {request.failureReason ? <Text as="span" color="danger">{request.failureReason}</Text> : null}
                {request.outcome?.message ? <Text as="span" color="secondary">{request.outcome.message}</Text> : null}
              </Flex>
            </td>
            <td style={cell}>{request.requester.replace(/^backstage:/, '')}</td>
            <td style={cell}>{request.createdAt.slice(0, 16).replace('T', ' ')}</td>
            <td style={cell}>{canSetValue(request, props.userEntityRef) ? <SetValueDialog entityRef={props.entityRef} request={request} onSet={props.onSet} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
