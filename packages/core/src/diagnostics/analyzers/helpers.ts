import { podSubject } from '../context.js';
import type { PodFacts } from '../facts.js';
import { finding, type Finding, type FindingInput } from '../finding.js';
import { describeSignal, signalsOf, type Signal } from '../signals.js';

/** An analyzer: a pure function from the facts of one pod to findings. */
export type Analyzer = (facts: PodFacts) => Finding[];

/** Signals with one of the ids, grouped by id, in catalogue order of the ids given. */
export function signalGroups(facts: PodFacts, ids: readonly string[]): { id: string; signals: Signal[] }[] {
  const signals = signalsOf(facts);
  return ids.map((id) => ({ id, signals: signals.filter((signal) => signal.id === id) })).filter((group) => group.signals.length > 0);
}

export function evidenceOf(signals: readonly Signal[], limit = 3): string[] {
  return signals.slice(0, limit).map(describeSignal);
}

/** The first defined value of a field across signals. */
export function fieldOf<K extends keyof Signal['fields']>(signals: readonly Signal[], key: K): Signal['fields'][K] | undefined {
  return signals.map((signal) => signal.fields[key]).find((value) => value !== undefined);
}

/** A finding about the pod, with the signals as evidence. */
export function podFinding(facts: PodFacts, signals: readonly Signal[], input: Omit<FindingInput, 'evidence'> & { evidence?: string[] }): Finding {
  const subject = input.subject ?? podSubject(facts);
  const full: FindingInput = { ...input, evidence: [...(input.evidence ?? []), ...evidenceOf(signals)] };
  if (subject) full.subject = subject;
  if (signals.length > 0 && signals.every((signal) => signal.generic) && full.generic === undefined) full.generic = true;
  return finding(full);
}

/** "pod ns/name" or "the pod", for sentences. */
export function podLabel(facts: PodFacts): string {
  const subject = podSubject(facts);
  return subject ? `pod ${subject.namespace ? `${subject.namespace}/` : ''}${subject.name}` : 'the pod';
}
