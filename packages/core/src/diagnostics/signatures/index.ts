export { SIGNATURES, SIGNATURES_BY_ID } from './catalogue.js';
export type { Family, Signature } from './catalogue.js';
export { classifyText, classifyRecord } from './classify.js';
export type { Match } from './classify.js';
export { extractFields, innermostSegment } from './fields.js';
export type { MatchFields } from './fields.js';
export { splitRecords, normaliseRecord } from './records.js';
export type { TextRecord } from './records.js';
