export { runInformer, sleepUnlessAborted } from './informer.js';
export type { InformerCalls, InformerOptions } from './informer.js';
export { TRIGGER_REASONS, isTriggerEvent, isWaitingOnConfig, isPodReady, readySinceMs, workloadOf } from './triggers.js';
export type { WorkloadRef } from './triggers.js';
export { createMemoryProblemStore } from './problems.js';
export type { ProblemRow, MessageRow, PostState, ProblemStore } from './problems.js';
export { Watcher, causeKeyOf, rootCauseOf } from './watcher.js';
export type { WatcherOptions, WatcherStats, ProblemNotice, ProblemSink, WatchNote, WorkloadOnMessage } from './watcher.js';
