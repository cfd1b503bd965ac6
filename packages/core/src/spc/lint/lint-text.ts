import type { ClusterRegistry } from '../../clusters/registry.js';
import { SPC_KIND, SPC_PROVIDER, mountedFiles } from '../model.js';
import { DEFAULT_GITOPS_ROOT, locateInGitops } from '../gitops.js';
import { parseSecretProviderClassFile, type ParsedSecretProviderClass } from '../parse.js';
import { LINT_RULES, yamlSyntaxRule } from './rules/index.js';
import type { LintContext, LintFinding, LintRule, MountedFile } from './types.js';

export interface LintOptions {
  /** Enables the GitOps-path rules; its gitopsRoot locates `<root>/<app>/<cluster>/…`. */
  registry?: ClusterRegistry;
  /** Overrides the registry's GitOps root (default `argo-cd-helm-values/kube-addons`). */
  gitopsRoot?: string;
  /** Default: every rule. */
  rules?: readonly LintRule[];
}

function collectMountedFiles(spc: ParsedSecretProviderClass): MountedFile[] {
  const files: MountedFile[] = [];
  for (const entry of spc.objects?.entries ?? []) {
    const alias = entry.values.objectAlias?.trim();
    const name = entry.values.objectName?.trim() ?? '';
    const history = Number(entry.values.objectVersionHistory?.trim() ?? '0');
    const objectType = entry.values.objectType?.trim() ?? '';
    const line = entry.fields.find((field) => field.key === (alias ? 'objectAlias' : 'objectName'))?.line ?? entry.line;
    const objectAlias = alias === '' ? undefined : alias;
    if (name === '' && objectAlias === undefined) continue;
    for (const file of mountedFiles({ objectName: name, objectAlias, objectVersionHistory: Number.isFinite(history) ? history : 0 })) {
      files.push({ file, objectIndex: entry.index, objectType, line });
    }
  }
  return files;
}

/** An SPC for another provider (aws, gcp, vault…) is not ours to lint; `Azure` or a blank one is. */
function isAzureOrUnset(spc: ParsedSecretProviderClass): boolean {
  const provider = spc.provider?.value.trim().toLowerCase();
  return provider === undefined || provider === '' || provider === SPC_PROVIDER;
}

function byFileAndLine(a: LintFinding, b: LintFinding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  return a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0;
}

/** Lints the text of one file. Findings are sorted by line. Never throws on bad YAML: it is a finding. */
export function lintText(text: string, file: string, options: LintOptions = {}): LintFinding[] {
  // Most files in a GitOps tree are not SecretProviderClasses: skip parsing them.
  if (!text.includes(SPC_KIND)) return [];
  const rules = options.rules ?? LINT_RULES;
  const parsed = parseSecretProviderClassFile(text, file);
  const findings: LintFinding[] = parsed.problems.map((problem) => ({
    file,
    line: problem.line,
    rule: yamlSyntaxRule.id,
    severity: yamlSyntaxRule.severity,
    message: problem.message,
    fix: 'Fix the YAML syntax (indentation with spaces, unique keys, closed quotes and brackets).',
  }));
  const location = locateInGitops(file, options.gitopsRoot ?? options.registry?.gitopsRoot ?? DEFAULT_GITOPS_ROOT);
  const gitops = location ? { ...location, registered: options.registry?.find(location.cluster) } : undefined;
  for (const spc of parsed.documents) {
    if (!isAzureOrUnset(spc)) continue;
    const context: LintContext = { file, spc, mountedFiles: collectMountedFiles(spc) };
    if (options.registry) context.registry = options.registry;
    if (gitops) context.gitops = gitops;
    for (const rule of rules) {
      for (const finding of rule.check(context)) {
        findings.push({ file, line: finding.line, rule: rule.id, severity: rule.severity, message: finding.message, fix: finding.fix });
      }
    }
  }
  return findings.sort(byFileAndLine);
}

export { byFileAndLine };
