import type { FindingDto } from '@kvcsi/backstage-plugin-common';
import { Alert, Flex, Link, Text } from '@backstage/ui';
import { CopyButton } from './CopyButton.js';

const STATUS = { error: 'danger', warning: 'warning', info: 'info' } as const;

/** Consequences of a cause, one line each (they follow from it; fixing the cause fixes them). */
function Consequences(props: { findings: FindingDto[] }) {
  if (props.findings.length === 0) return null;
  return (
    <details>
      <summary>Consequences of this cause ({props.findings.length})</summary>
      <ul aria-label="Consequences" style={{ margin: 0 }}>
        {props.findings.map((finding, index) => <li key={`${finding.id}-${index}`}><Text as="span">{finding.title}: {finding.summary}</Text></li>)}
      </ul>
    </details>
  );
}

/** Findings with their cause and their fix; the fix commands can be copied. Consequences sit under their cause. */
export function Findings(props: { findings: FindingDto[] }) {
  if (props.findings.length === 0) return null;
  const causes = props.findings.filter((finding) => !finding.causedBy || !props.findings.some((other) => other.id === finding.causedBy && !other.causedBy));
  const consequencesOf = (cause: FindingDto) => (cause.causedBy ? [] : props.findings.filter((finding) => finding.causedBy === cause.id && finding !== cause));
  return (
    <Flex direction="column" gap="2" role="list" aria-label="Findings">
      {causes.map((finding, index) => (
        <div role="listitem" key={`${finding.id}-${index}`}>
          <Alert
            status={STATUS[finding.severity]}
            icon
            title={finding.title}
            description={
              <Flex direction="column" gap="1">
                <Text as="p">{finding.summary}</Text>
                <Text as="p" color="secondary">Cause: {finding.cause}</Text>
                {finding.evidence.length > 0 ? (
                  <details>
                    <summary>Evidence ({finding.evidence.length})</summary>
                    <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{finding.evidence.join('\n\n')}</pre>
                  </details>
                ) : null}
                {finding.fix.commands.length > 0 ? (
                  <Flex align="center" gap="2">
                    <pre aria-label={`Fix for ${finding.title}`} style={{ margin: 0, whiteSpace: 'pre-wrap' }}><code>{finding.fix.commands.join('\n')}</code></pre>
                    <CopyButton text={finding.fix.commands.join('\n')} label={`Copy the fix for ${finding.title}`} />
                  </Flex>
                ) : null}
                {finding.fix.docs.map((doc) => <Link key={doc} href={doc} target="_blank" rel="noopener noreferrer">{doc}</Link>)}
                <Consequences findings={consequencesOf(finding)} />
              </Flex>
            }
          />
        </div>
      ))}
    </Flex>
  );
}
