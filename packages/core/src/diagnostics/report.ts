/** `diagnose` (cluster facts + text) and `explain` (text only): analyzers over facts, ranked. */
import { KvcsiError } from '../errors.js';
import { DEFAULT_ANALYZERS, analyzeApp, analyzeAppClusterAccess, type Analyzer } from './analyzers/index.js';
import { collectAppFacts, collectFacts, type CollectOptions } from './collector.js';
import { isRunningReady, podOf } from './context.js';
import { emptyPodFacts, type AppFacts, type DiagnosisTarget, type PodFacts, type UnknownFact } from './facts.js';
import type { Finding } from './finding.js';
import { rankFindings } from './rank.js';

export interface AnalyzeOptions {
  analyzers?: readonly { name: string; analyze: Analyzer }[];
}

export interface DiagnosisReport {
  target: DiagnosisTarget | { kind: 'text' };
  /** Most likely cause first. */
  findings: Finding[];
  /** What could not be checked, and why. */
  unknowns: UnknownFact[];
  /** Port calls made (diagnose only). */
  calls?: number;
}

/** A running, ready pod has no error: what its events say happened earlier is kept as a warning. */
function settleForHealthyPod(facts: PodFacts, findings: Finding[]): Finding[] {
  if (!isRunningReady(podOf(facts))) return findings;
  return findings.map((finding) =>
    finding.severity === 'error' ? { ...finding, severity: 'warning', summary: `The pod is running now; earlier: ${finding.summary.charAt(0).toLowerCase()}${finding.summary.slice(1)}` } : finding,
  );
}

/** Plumbing that fails at node boot and recovers (driver registration, provider socket, API server). */
const TRANSIENT = new Set(['A1', 'A5', 'A7']);
/** Evidence this much older than the current error is history, not the cause. */
const EARLIER_BY_IN_SECONDS = 10 * 60;

/**
 * An earlier transient drops to context: a driver-registration event while the driver pod on the node is Ready now,
 * or a plumbing error much older than the error the pod reports now.
 */
function settleEarlier(facts: PodFacts, findings: Finding[]): Finding[] {
  const node = podOf(facts)?.spec.nodeName;
  const readyNow = (pods: PodFacts['driverPods']) => {
    const value = pods.status === 'known' ? pods.value.filter((pod) => !node || pod.spec.nodeName === undefined || pod.spec.nodeName === node) : undefined;
    return value !== undefined && value.length > 0 && value.every((pod) => isRunningReady(pod));
  };
  const youngestOther = (finding: Finding) =>
    Math.min(...findings.filter((other) => other !== finding && other.observed && !other.generic && other.severity === 'error' && !TRANSIENT.has(other.id) && other.ageInSeconds !== undefined).map((other) => other.ageInSeconds!));
  return findings.map((finding) => {
    if (!TRANSIENT.has(finding.id) || !finding.observed || finding.severity === 'info') return finding;
    const recovered = (finding.id === 'A1' && readyNow(facts.driverPods)) || (finding.id === 'A5' && readyNow(facts.providerPods));
    const superseded = finding.ageInSeconds !== undefined && finding.ageInSeconds - youngestOther(finding) >= EARLIER_BY_IN_SECONDS;
    if (!recovered && !superseded) return finding;
    const why = recovered ? (finding.id === 'A1' ? 'the driver is registered and Ready on the node now' : 'the provider is Ready on the node now') : 'a newer error follows it';
    return { ...finding, severity: 'info', earlier: true, summary: `Earlier (${why}): ${finding.summary.charAt(0).toLowerCase()}${finding.summary.slice(1)}` };
  });
}

/** Runs every analyzer over the facts of one pod; an analyzer that throws is reported, not fatal. */
export function analyzePod(facts: PodFacts, options: AnalyzeOptions = {}): { findings: Finding[]; unknowns: UnknownFact[] } {
  const findings: Finding[] = [];
  const unknowns: UnknownFact[] = [];
  for (const { name, analyze } of options.analyzers ?? DEFAULT_ANALYZERS) {
    try {
      findings.push(...analyze(facts));
    } catch (error) {
      unknowns.push({ source: `analyzer ${name}`, reason: error instanceof Error ? error.message : String(error), code: 'INTERNAL' });
    }
  }
  return { findings: rankFindings(settleEarlier(facts, settleForHealthyPod(facts, findings))), unknowns };
}

export function analyzeAppFacts(facts: AppFacts, options: AnalyzeOptions = {}): { findings: Finding[]; unknowns: UnknownFact[] } {
  const perPod = facts.pods.map((pod) => analyzePod(pod, options));
  return {
    findings: rankFindings([...perPod.flatMap((result) => result.findings), ...analyzeApp(facts), ...analyzeAppClusterAccess(facts)]),
    unknowns: perPod.flatMap((result) => result.unknowns),
  };
}

export type DiagnoseDeps = CollectOptions & AnalyzeOptions;

/** Diagnose a pod, or every CSI pod and unmounted SPC of an app. Failing sources become `unknowns`. */
export async function diagnose(target: DiagnosisTarget, deps: DiagnoseDeps): Promise<DiagnosisReport> {
  if (target.kind === 'pod') {
    if (!target.namespace || !target.name) throw new KvcsiError('INVALID_INPUT', 'A pod needs a namespace and a name.', { field: 'pod' });
    const collected = await collectFacts(target, deps);
    const podFact = collected.facts.pod;
    if (podFact.status === 'known' && podFact.value === null) {
      const where = target.cluster ? ` on cluster ${target.cluster}` : '';
      throw new KvcsiError('NOT_FOUND', `pod ${target.namespace}/${target.name} not found${where}`, { field: 'pod', rule: 'must be an existing pod in the namespace' });
    }
    const analysis = analyzePod(collected.facts, deps);
    return { target, findings: analysis.findings, unknowns: [...collected.unknowns, ...analysis.unknowns], calls: collected.calls };
  }
  if (!target.app) throw new KvcsiError('INVALID_INPUT', 'An app name is required.', { field: 'app' });
  const collected = await collectAppFacts(target, deps);
  const spcs = collected.facts.secretProviderClasses;
  if (collected.facts.pods.length === 0 && spcs.status === 'known' && spcs.value.length === 0) {
    const where = target.cluster ? ` on cluster ${target.cluster}` : '';
    throw new KvcsiError('NOT_FOUND', `app ${target.app} has no pod mounting a CSI volume and no SecretProviderClass${where} (looked for ${target.labelSelector ?? `app.kubernetes.io/name=${target.app}`})`, {
      field: 'app',
      rule: 'pods and SecretProviderClasses are found by their app.kubernetes.io/name label',
    });
  }
  const analysis = analyzeAppFacts(collected.facts, deps);
  return { target, findings: analysis.findings, unknowns: [...collected.unknowns, ...analysis.unknowns], calls: collected.calls };
}

/** Classify pasted text (kubectl describe, events, provider/driver logs) without any cluster access. */
export function explain(text: string, options: AnalyzeOptions & { label?: string } = {}): { findings: Finding[] } {
  const facts = emptyPodFacts({ texts: [{ label: options.label ?? 'pasted text', text }] });
  return { findings: analyzePod(facts, options).findings };
}
