export { tokenizeCommand, normalizeCommandText, type TokenizeResult } from './tokenize.js';
export { KVCSI_VERBS, VERBS, FLAGS, COMMON_FLAGS, usageLines, type KvcsiVerb, type VerbSpec, type FlagSpec, type FlagKey } from './grammar.js';
export { parseCommand, isWriteCommand } from './parse.js';
export type { KvcsiCommand, KvcsiCommandVerb, DiagnoseTarget, SpcCommandOptions, CommandUsageError, ParseCommandResult, ParseCommandOptions } from './parse.js';
