import type { ObjectStatus } from '@kvcsi/backstage-plugin-common';
import { Badge, Flex } from '@backstage/ui';

type Tone = 'ok' | 'bad' | 'unknown';
const MARK: Record<Tone, string> = { ok: '✓', bad: '✗', unknown: '?' };
const COLOR: Record<Tone, string> = { ok: 'var(--bui-fg-success, #1b7f3b)', bad: 'var(--bui-fg-danger, #b3261e)', unknown: 'var(--bui-fg-secondary, #666)' };

function chip(tone: Tone, text: string) {
  return { tone, text };
}

/** exists / access / synced / mounted, each as words (the mark and colour only repeat them). */
export function statusChips(status: ObjectStatus): { tone: Tone; text: string }[] {
  return [
    status.exists === null ? chip('unknown', 'existence unknown') : status.exists ? chip('ok', 'exists') : chip('bad', 'missing'),
    status.access === 'granted' ? chip('ok', 'access granted') : status.access === 'denied' ? chip('bad', 'access denied') : chip('unknown', 'access unknown'),
    ...(status.synced === null ? [] : [status.synced ? chip('ok', 'synced') : chip('bad', 'not synced')]),
    status.mountedBy.length > 0 ? chip('ok', `mounted by ${status.mountedBy.length} pod${status.mountedBy.length === 1 ? '' : 's'}`) : chip('unknown', 'not mounted'),
  ];
}

export function StatusChips(props: { status: ObjectStatus; objectName: string }) {
  return (
    <Flex gap="1" role="list" aria-label={`Status of ${props.objectName}`} style={{ flexWrap: 'wrap' }}>
      {statusChips(props.status).map(({ tone, text }) => (
        <span role="listitem" key={text}>
          <Badge size="small" data-tone={tone} style={{ color: COLOR[tone] }}><span aria-hidden="true">{MARK[tone]} </span>{text}</Badge>
        </span>
      ))}
    </Flex>
  );
}
