export { inspectCsiPlumbing, flagValue } from './csi-plumbing.js';
export type { CsiPlumbingStatus, NodePlumbing, PlumbingPod } from './csi-plumbing.js';
