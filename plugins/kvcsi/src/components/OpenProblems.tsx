import type { OpenProblemDto } from '@kvcsi/backstage-plugin-common';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { Alert, Flex, Text } from '@backstage/ui';
import { kvcsiApiRef } from '../api/KvcsiApi.js';
import { errorText, isDenied } from './errors.js';
import { useLoad } from './useLoad.js';

const cell = { padding: '4px 8px', textAlign: 'left', verticalAlign: 'top' } as const;
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86_400], ['hour', 3_600], ['minute', 60]];

/** `3 hours ago`, `yesterday`, `less than a minute ago`: how long ago `at` was, at `now` (both epoch ms). */
export function relativeTime(at: number, now: number): string {
  const seconds = (at - now) / 1000;
  const format = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  return seconds > 0 ? 'in less than a minute' : 'less than a minute ago';
}

/** `since 3 hours ago (2026-12-05T09:00:00.000Z)`. */
export function sinceText(openedAt: string, now: number): string {
  return `since ${relativeTime(Date.parse(openedAt), now)} (${openedAt})`;
}

function ProblemsTable(props: { items: OpenProblemDto[] }) {
  const now = Date.now();
  return (
    <table style={{ borderCollapse: 'collapse', width: '100%' }}>
      <caption style={{ textAlign: 'left' }}><Text color="secondary">Failing mounts the kvcsi watcher has diagnosed, oldest first</Text></caption>
      <thead>
        <tr><th style={cell}>Cluster</th><th style={cell}>Namespace</th><th style={cell}>Workload</th><th style={cell}>Problem</th><th style={cell}>Open</th></tr>
      </thead>
      <tbody>
        {props.items.map((item) => (
          <tr key={`${item.cluster}|${item.namespace}|${item.workload}|${item.findingId}|${item.openedAt}`}>
            <td style={cell}>{item.cluster}</td>
            <td style={cell}>{item.namespace}</td>
            <td style={cell}>{item.workload}</td>
            <td style={cell}>
              <Flex direction="column" gap="1">
                <Text as="span">{item.title}</Text>
                {item.finding?.summary ? <Text as="span" color="secondary">{item.finding.summary}</Text> : null}
              </Flex>
            </td>
            <td style={cell}>{sinceText(item.openedAt, now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The app's open problems, as the kvcsi watcher keeps them (one per workload and root cause). */
export function OpenProblems(props: { entityRef: string }) {
  const api = useApi(kvcsiApiRef);
  const problems = useLoad((signal) => api.listProblems(props.entityRef, { signal }), props.entityRef);
  return (
    <section aria-label="Open problems">
      <Flex direction="column" gap="2">
        <Text as="h3" variant="title-small">Open problems</Text>
        {problems.status === 'loading' ? <Progress /> : null}
        {problems.status === 'failed' ? <Alert status={isDenied(problems.error) ? 'warning' : 'danger'} icon title="The open problems could not be read" description={errorText(problems.error)} /> : null}
        {problems.status === 'done' ? (
          <>
            {problems.value.note ? <Text as="p" color="secondary">{problems.value.note}</Text> : null}
            {problems.value.errors.map((error) => <Text as="p" color="secondary" key={error.name}>Not shown: {error.cluster} ({error.message})</Text>)}
            {problems.value.items.length === 0 ? <Text as="p" color="secondary">No open problems</Text> : <ProblemsTable items={problems.value.items} />}
          </>
        ) : null}
      </Flex>
    </section>
  );
}
