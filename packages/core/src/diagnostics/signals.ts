/**
 * Signals: the catalogue matches found in everything textual the facts hold — every pod event (not only the
 * latest), provider and driver logs from the pod's node, pasted text. Computed once per facts object.
 */
import type { KubeEvent } from '../ports.js';
import type { LogText, PodFacts } from './facts.js';
import { classifyText, type Match } from './signatures/classify.js';

export type SignalOrigin =
  | { kind: 'event'; reason?: string; type?: string; count?: number; lastSeen?: string; component?: string }
  | { kind: 'log'; component: LogText['component']; pod: string }
  | { kind: 'text'; label: string };

export interface Signal extends Match {
  origin: SignalOrigin;
}

const cache = new WeakMap<PodFacts, Signal[]>();

function eventTime(event: KubeEvent): string | undefined {
  return event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp ?? undefined;
}

function signalsOfEvent(event: KubeEvent): Signal[] {
  if (!event.message) return [];
  // The reason helps the classifier (e.g. FailedToCreateSecret + "timed out waiting for the condition").
  const text = event.reason ? `${event.reason}: ${event.message}` : event.message;
  const origin: SignalOrigin = { kind: 'event' };
  if (event.reason !== undefined) origin.reason = event.reason;
  if (event.type !== undefined) origin.type = event.type;
  if (event.count !== undefined) origin.count = event.count;
  const lastSeen = eventTime(event);
  if (lastSeen !== undefined) origin.lastSeen = lastSeen;
  const component = event.source?.component ?? event.reportingComponent;
  if (component !== undefined) origin.component = component;
  return classifyText(text).map((match) => ({ ...match, origin }));
}

/** Every signal of the facts; duplicates (same id, same text) collapse into the first. */
export function signalsOf(facts: PodFacts): Signal[] {
  const cached = cache.get(facts);
  if (cached) return cached;
  const all: Signal[] = [];
  if (facts.events.status === 'known') {
    for (const event of facts.events.value) if (event.type !== 'Normal' || /Rotation/.test(event.reason ?? '')) all.push(...signalsOfEvent(event));
  }
  if (facts.logs.status === 'known') {
    for (const log of facts.logs.value) {
      all.push(...classifyText(log.text).map((match) => ({ ...match, origin: { kind: 'log', component: log.component, pod: log.pod } as const })));
    }
  }
  for (const text of facts.texts) all.push(...classifyText(text.text).map((match) => ({ ...match, origin: { kind: 'text', label: text.label } as const })));
  const seen = new Set<string>();
  const unique = all.filter((signal) => {
    const key = `${signal.id}\u0000${signal.excerpt}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  cache.set(facts, unique);
  return unique;
}

export function signalsWithId(facts: PodFacts, ...ids: string[]): Signal[] {
  return signalsOf(facts).filter((signal) => ids.includes(signal.id));
}

/** Evidence line for a signal: where it was seen, then the redacted excerpt. */
/** Where a signal was read: `event Warning FailedMount (x5)`, `provider log (pod)`, or the pasted text's label. */
export function describeOrigin(signal: Signal): string {
  const origin = signal.origin;
  return origin.kind === 'event'
    ? `event ${origin.type ?? ''} ${origin.reason ?? ''}${origin.count && origin.count > 1 ? ` (x${origin.count})` : ''}`.replace(/\s+/g, ' ').trim()
    : origin.kind === 'log'
      ? `${origin.component} log (${origin.pod})`
      : origin.label;
}

export function describeSignal(signal: Signal): string {
  return `${describeOrigin(signal)}: ${signal.excerpt}`;
}
