export * from './types.js';
export { LINT_RULES, yamlSyntaxRule } from './rules/index.js';
export { lintText, type LintOptions } from './lint-text.js';
export { lintFiles, listYamlFiles, type LintFilesOptions, type LintResult } from './lint-files.js';
