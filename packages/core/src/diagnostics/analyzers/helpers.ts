import { podSubject } from '../context.js';
import type { PodFacts } from '../facts.js';
import { finding, type Finding, type FindingInput } from '../finding.js';
import { describeOrigin, describeSignal, signalsOf, type Signal } from '../signals.js';

/** An analyzer: a pure function from the facts of one pod to findings. */
export type Analyzer = (facts: PodFacts) => Finding[];

/** Signals with one of the ids, grouped by id, in catalogue order of the ids given. */
export function signalGroups(facts: PodFacts, ids: readonly string[]): { id: string; signals: Signal[] }[] {
  const signals = signalsOf(facts);
  return ids.map((id) => ({ id, signals: signals.filter((signal) => signal.id === id) })).filter((group) => group.signals.length > 0);
}

/**
 * Evidence lines for signals: one error seen in the event, the provider log and the driver log is quoted once, with
 * the other places named, so the reader is not handed the same text three times.
 */
export function evidenceOf(signals: readonly Signal[], limit = 3): string[] {
  const groups: { first: Signal; key: string; others: Signal[] }[] = [];
  for (const signal of signals) {
    // The same failure as each component words it: same signature, object, vault, status and codes.
    const { objectType, objectName, vault, status, errorCode, innerCode, aadsts } = signal.fields;
    const key = JSON.stringify([signal.id, objectType, objectName, vault, status, errorCode, innerCode, aadsts]);
    const group = groups.find((candidate) => candidate.key === key);
    if (group) group.others.push(signal);
    else groups.push({ first: signal, key, others: [] });
  }
  return groups.slice(0, limit).map(({ first, others }) =>
    others.length === 0 ? describeSignal(first) : `${describeOrigin(first)} (the same error in ${[...new Set(others.map(describeOrigin))].join(', ')}): ${first.excerpt}`,
  );
}

/** The first defined value of a field across signals. */
export function fieldOf<K extends keyof Signal['fields']>(signals: readonly Signal[], key: K): Signal['fields'][K] | undefined {
  return signals.map((signal) => signal.fields[key]).find((value) => value !== undefined);
}

/** Age of a signal in seconds: an event's last timestamp against collection time, else the pasted row's Age. */
export function signalAgeInSeconds(facts: PodFacts, signal: Signal): number | undefined {
  const origin = signal.origin;
  if (origin.kind === 'event' && origin.lastSeen && facts.collectedAtMs > 0) {
    const seen = Date.parse(origin.lastSeen);
    if (Number.isFinite(seen)) return Math.max(0, Math.round((facts.collectedAtMs - seen) / 1000));
  }
  return signal.fields.ageInSeconds;
}

/** What the signals say about when and how often: observed, youngest age, occurrences, and the volume they name. */
export function evidenceMeta(facts: PodFacts, signals: readonly Signal[]): Pick<Finding, 'observed' | 'ageInSeconds' | 'occurrences' | 'volume'> {
  if (signals.length === 0) return {};
  const meta: Pick<Finding, 'observed' | 'ageInSeconds' | 'occurrences' | 'volume'> = { observed: true };
  const ages = signals.map((signal) => signalAgeInSeconds(facts, signal)).filter((age): age is number => age !== undefined);
  if (ages.length > 0) meta.ageInSeconds = Math.min(...ages);
  meta.occurrences = signals.reduce((sum, signal) => sum + ((signal.origin.kind === 'event' ? signal.origin.count : undefined) ?? signal.fields.count ?? 1), 0);
  const volumes = [...new Set(signals.map((signal) => signal.fields.volume).filter((name): name is string => name !== undefined))];
  if (volumes.length === 1) {
    const volume = facts.volumes.find((candidate) => candidate.name === volumes[0]);
    meta.volume = volume?.spcName ? { name: volumes[0]!, secretProviderClass: volume.spcName } : { name: volumes[0]! };
  }
  return meta;
}

/** A finding about the pod, with the signals as evidence. */
export function podFinding(facts: PodFacts, signals: readonly Signal[], input: Omit<FindingInput, 'evidence'> & { evidence?: string[] }): Finding {
  const subject = input.subject ?? podSubject(facts);
  const full: FindingInput = { ...evidenceMeta(facts, signals), ...input, evidence: [...(input.evidence ?? []), ...evidenceOf(signals)] };
  if (subject) full.subject = subject;
  if (signals.length > 0 && signals.every((signal) => signal.generic) && full.generic === undefined) full.generic = true;
  return finding(full);
}

/** "pod ns/name" or "the pod", for sentences. */
export function podLabel(facts: PodFacts): string {
  const subject = podSubject(facts);
  return subject ? `pod ${subject.namespace ? `${subject.namespace}/` : ''}${subject.name}` : 'the pod';
}
