import type { Cluster, ClusterRegistry } from '../../clusters/registry.js';
import type { GitopsLocation } from '../gitops.js';
import type { ParsedSecretProviderClass } from '../parse.js';

export type LintSeverity = 'error' | 'warning';

/** One problem in one file: the JSON contract of `kvcsi lint --format json`. */
export interface LintFinding {
  file: string;
  /** 1-based line in the file. */
  line: number;
  rule: string;
  severity: LintSeverity;
  message: string;
  fix: string;
}

/** What a rule reports; the runner adds file, rule and severity. */
export interface RuleFinding {
  line: number;
  message: string;
  fix: string;
}

/** A mounted file and the object that writes it. */
export interface MountedFile {
  file: string;
  objectIndex: number;
  objectType: string;
  line: number;
}

export interface LintContext {
  file: string;
  spc: ParsedSecretProviderClass;
  registry?: ClusterRegistry;
  /** Set when the file sits at `<gitops-root>/<app>/<cluster>/…`. */
  gitops?: GitopsLocation & { registered?: Cluster };
  /** Files the provider writes for this SPC (alias or name, `/0…` with history), in object order. */
  mountedFiles: MountedFile[];
}

export interface LintRule {
  /** Short, stable, kebab-case. */
  id: string;
  severity: LintSeverity;
  /** What it catches, for the rule table. */
  description: string;
  check(context: LintContext): RuleFinding[];
}
