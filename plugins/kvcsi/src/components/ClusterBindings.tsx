import { useApi } from '@backstage/core-plugin-api';
import type { BindingItem, DiagnoseResponse } from '@kvcsi/backstage-plugin-common';
import { Accordion, AccordionPanel, AccordionTrigger, Alert, Button, Card, CardBody, CardHeader, Flex, Text } from '@backstage/ui';
import { useState } from 'react';
import { kvcsiApiRef } from '../api/KvcsiApi.js';
import { CopyButton } from './CopyButton.js';
import { errorText } from './errors.js';
import { Findings } from './Findings.js';
import { StatusChips } from './StatusChips.js';
import { workloadSnippet } from './workloadSnippet.js';

const cell = { padding: '4px 8px', textAlign: 'left', verticalAlign: 'top' } as const;

function BindingCard(props: { item: BindingItem }) {
  const { item } = props;
  const snippet = workloadSnippet(item);
  return (
    <Card>
      <CardHeader>
        <Text as="h4" variant="title-x-small">{item.namespace}/{item.spc}</Text>
        <Text as="p" color="secondary">
          vault {item.vault ?? 'not named'} · identity {item.identity.mode}{item.identity.clientId ? ` (${item.identity.clientId})` : ''}
        </Text>
      </CardHeader>
      <CardBody>
        <Flex direction="column" gap="3">
          <Findings findings={item.findings} />
          <table style={{ borderCollapse: 'collapse', width: '100%' }}>
            <caption style={{ textAlign: 'left' }}><Text color="secondary">Objects of {item.spc} on {item.cluster}</Text></caption>
            <thead><tr><th style={cell}>Object</th><th style={cell}>Type</th><th style={cell}>Synced to</th><th style={cell}>Status</th></tr></thead>
            <tbody>
              {item.objects.map((object) => (
                <tr key={`${object.objectType}/${object.objectName}/${object.alias ?? ''}`}>
                  <td style={cell}>{object.objectName}{object.alias ? ` (as ${object.alias})` : ''}{object.version ? ` @${object.version}` : ''}</td>
                  <td style={cell}>{object.objectType}</td>
                  <td style={cell}>{object.syncedTo ?? '—'}</td>
                  <td style={cell}><StatusChips status={object.status} objectName={object.objectName} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          <Accordion>
            <AccordionTrigger title={`Workload snippet for ${item.spc}`} />
            <AccordionPanel>
              <Flex direction="column" gap="2">
                <pre aria-label={`Pod spec that mounts ${item.spc}`} style={{ margin: 0 }}><code>{snippet}</code></pre>
                <div><CopyButton text={snippet} label={`Copy the workload snippet for ${item.spc}`} /></div>
              </Flex>
            </AccordionPanel>
          </Accordion>
        </Flex>
      </CardBody>
    </Card>
  );
}

type Diagnosis = { target: string; state: 'running' } | { target: string; state: 'done'; result: DiagnoseResponse } | { target: string; state: 'failed'; message: string };

/** Diagnose buttons, one per pod that mounts one of the app's classes on the cluster (or the app when none does). */
function Diagnose(props: { entityRef: string; cluster: string; items: BindingItem[] }) {
  const api = useApi(kvcsiApiRef);
  const [diagnosis, setDiagnosis] = useState<Diagnosis>();
  const pods = [...new Set(props.items.flatMap((item) => item.objects.flatMap((object) => object.status.mountedBy.map((pod) => `${item.namespace}/${pod}`))))].sort();
  const run = (pod?: string) => {
    const target = pod ?? `the app on ${props.cluster}`;
    setDiagnosis({ target, state: 'running' });
    api.diagnose({ entityRef: props.entityRef, cluster: props.cluster, ...(pod ? { pod } : {}) }).then(
      (result) => setDiagnosis({ target, state: 'done', result }),
      (error: Error) => setDiagnosis({ target, state: 'failed', message: errorText(error) }),
    );
  };
  return (
    <Flex direction="column" gap="2">
      <Flex gap="2" style={{ flexWrap: 'wrap' }}>
        {pods.length === 0
          ? <Button size="small" variant="secondary" onPress={() => run()} isPending={diagnosis?.state === 'running'}>Diagnose {props.cluster}</Button>
          : pods.map((pod) => <Button key={pod} size="small" variant="secondary" aria-label={`Diagnose pod ${pod}`} onPress={() => run(pod)} isPending={diagnosis?.state === 'running' && diagnosis.target === pod}>Diagnose {pod}</Button>)}
      </Flex>
      <div aria-live="polite">
        {diagnosis?.state === 'failed' ? <Alert status="danger" icon title={`Diagnosis of ${diagnosis.target} failed`} description={diagnosis.message} /> : null}
        {diagnosis?.state === 'done' ? (
          <Flex direction="column" gap="2" role="region" aria-label={`Diagnosis of ${diagnosis.target}`}>
            {diagnosis.result.findings.length === 0 ? <Alert status="success" icon title={`No problem found for ${diagnosis.target}`} /> : <Findings findings={diagnosis.result.findings} />}
            {diagnosis.result.unknowns.map((unknown) => <Text key={unknown.source} as="p" color="secondary">Not checked: {unknown.source} — {unknown.reason}</Text>)}
          </Flex>
        ) : null}
      </div>
    </Flex>
  );
}

/** The app's SecretProviderClasses, grouped by cluster. */
export function ClusterBindings(props: { entityRef: string; items: BindingItem[]; clusters: string[] }) {
  const byCluster = new Map<string, BindingItem[]>();
  for (const item of props.items) byCluster.set(item.cluster, [...(byCluster.get(item.cluster) ?? []), item]);
  return (
    <Flex direction="column" gap="4">
      {[...byCluster].map(([cluster, items]) => (
        <section key={cluster} aria-label={`Cluster ${cluster}`}>
          <Flex direction="column" gap="2">
            <Text as="h3" variant="title-small">{cluster} <Text as="span" color="secondary">({items[0]?.tier})</Text></Text>
            {items.map((item) => <BindingCard key={`${item.namespace}/${item.spc}`} item={item} />)}
            <Diagnose entityRef={props.entityRef} cluster={cluster} items={items} />
          </Flex>
        </section>
      ))}
    </Flex>
  );
}
