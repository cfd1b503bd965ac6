import { OBJECT_ENCODINGS, OBJECT_FORMATS, OBJECT_TYPES } from '../../model.js';
import { FILE_PERMISSION_PATTERN, checkKeyVaultObjectName, checkMountedFilePath } from '../../names.js';
import type { ParsedField, ParsedKeyVaultObject } from '../../objects.js';
import { parameterValue } from '../../parse.js';
import { didYouMean, quote } from '../helpers.js';
import type { LintRule, RuleFinding } from '../types.js';

function field(entry: ParsedKeyVaultObject, key: string): ParsedField | undefined {
  let found: ParsedField | undefined;
  for (const candidate of entry.fields) if (candidate.key === key) found = candidate;
  return found;
}

/** The trimmed value (the provider trims every field) or undefined when absent or blank. */
function text(entry: ParsedKeyVaultObject, key: string): string | undefined {
  const value = field(entry, key)?.value.trim();
  return value === undefined || value === '' ? undefined : value;
}

function lineOf(entry: ParsedKeyVaultObject, key: string): number {
  return field(entry, key)?.line ?? entry.line;
}

function describe(entry: ParsedKeyVaultObject): string {
  const name = text(entry, 'objectName');
  return name === undefined ? `objects entry ${entry.index}` : `object ${quote(name)}`;
}

export const objectsYamlRule: LintRule = {
  id: 'objects-yaml',
  severity: 'error',
  description: '`objects` is not the YAML the provider reads: bad YAML, no `array:`, a list of maps instead of strings (missing `|`), an empty array, a non-integer `objectVersionHistory`',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    const fix = 'Write `objects: |` then `array:` and one `- |` block per object, each with objectName and objectType, indented with spaces.';
    const parameter = parameterValue(spc, 'objects');
    if (parameter && (parameter.kind === 'map' || parameter.kind === 'list')) {
      findings.push({ line: parameter.line, message: `objects is a YAML ${parameter.kind}, but it must be a string holding YAML`, fix });
    }
    for (const problem of spc.objects?.problems ?? []) {
      findings.push({ line: problem.line, message: `${problem.message}: the provider fails with "failed to yaml unmarshal objects"`, fix });
    }
    for (const entry of spc.objects?.entries ?? []) {
      const history = field(entry, 'objectVersionHistory');
      if (history && history.value.trim() !== '' && !/^[-+]?\d+$/.test(history.value.trim())) {
        findings.push({ line: history.line, message: `objectVersionHistory ${quote(history.value)} of ${describe(entry)} is not an integer: the provider fails to unmarshal objects`, fix: 'Use a whole number, e.g. `objectVersionHistory: 5`, or remove it.' });
      }
    }
    return findings;
  },
};

export const objectNameRule: LintRule = {
  id: 'object-name',
  severity: 'error',
  description: '`objectName` missing, or not a Key Vault object name (1–127 letters, digits, dashes)',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const entry of spc.objects?.entries ?? []) {
      const name = text(entry, 'objectName');
      if (name === undefined) {
        const misspelled = entry.fields.find((candidate) => didYouMean(candidate.key, ['objectName']) === 'objectName');
        findings.push({ line: misspelled?.line ?? entry.line, message: `objects entry ${entry.index} has no objectName${misspelled ? ` (found ${quote(misspelled.key)})` : ''}`, fix: 'Add `objectName: <Key Vault object name>`.' });
        continue;
      }
      const rule = checkKeyVaultObjectName(name);
      if (rule) findings.push({ line: lineOf(entry, 'objectName'), message: `objectName ${quote(name)} ${rule}; Key Vault answers 404 or the request is invalid`, fix: 'Use the name exactly as it appears in the vault (az keyvault secret list --vault-name <vault>).' });
    }
    return findings;
  },
};

export const objectTypeRule: LintRule = {
  id: 'object-type',
  severity: 'error',
  description: '`objectType` not exactly `secret`, `key` or `cert` (case matters; empty when the key is misspelled)',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const entry of spc.objects?.entries ?? []) {
      const type = text(entry, 'objectType');
      if (type !== undefined && (OBJECT_TYPES as readonly string[]).includes(type)) continue;
      const lower = type?.toLowerCase();
      const hint = lower !== undefined && (OBJECT_TYPES as readonly string[]).includes(lower) ? ` (write "${lower}": the provider compares case-sensitively)` : '';
      findings.push({
        line: lineOf(entry, 'objectType'),
        message: `${describe(entry)} has objectType ${type === undefined ? '(missing)' : quote(type)}${hint}: the provider fails with "Invalid vaultObjectTypes. Should be secret, key, or cert"`,
        fix: 'Set objectType to secret, key or cert (lower-case). A certificate with its private key is objectType secret.',
      });
    }
    return findings;
  },
};

export const objectAliasPathRule: LintRule = {
  id: 'object-alias-path',
  severity: 'error',
  description: 'mounted file name (alias, else name) that is not a plain relative path: empty, absolute, `..`, `//`',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const entry of spc.objects?.entries ?? []) {
      const alias = field(entry, 'objectAlias');
      // The provider trims the alias; an alias that is blank falls back to the object name.
      const file = alias && alias.value.trim() !== '' ? alias.value.trim() : text(entry, 'objectName');
      if (file === undefined) continue;
      const rule = checkMountedFilePath(file);
      if (rule) findings.push({ line: alias?.line ?? lineOf(entry, 'objectName'), message: `file name ${quote(file)} of ${describe(entry)} ${rule}: the provider fails with "file name must …"`, fix: 'Use a relative file name such as `db-password` or `tls/tls.crt`.' });
    }
    return findings;
  },
};

export const duplicateFileRule: LintRule = {
  id: 'duplicate-file',
  severity: 'error',
  description: 'two objects writing the same file (the last one silently wins)',
  check({ mountedFiles }) {
    const first = new Map<string, number>();
    const findings: RuleFinding[] = [];
    for (const mounted of mountedFiles) {
      const previous = first.get(mounted.file);
      if (previous === undefined) {
        first.set(mounted.file, mounted.objectIndex);
      } else if (previous !== mounted.objectIndex) {
        findings.push({ line: mounted.line, message: `objects entries ${previous} and ${mounted.objectIndex} both write the file ${quote(mounted.file)}; the last one silently wins`, fix: 'Give one of them a distinct objectAlias (e.g. `<name>.crt` and `<name>.key`).' });
      }
    }
    return findings;
  },
};

export const objectFormatRule: LintRule = {
  id: 'object-format',
  severity: 'error',
  description: '`objectFormat` not `pem`/`pfx`, or `pfx` on a non-secret object',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const entry of spc.objects?.entries ?? []) {
      const format = text(entry, 'objectFormat');
      if (format === undefined) continue;
      const line = lineOf(entry, 'objectFormat');
      if (!(OBJECT_FORMATS as readonly string[]).includes(format.toLowerCase())) {
        findings.push({ line, message: `objectFormat ${quote(format)} of ${describe(entry)}: the provider fails with "invalid objectFormat, should be PEM or PFX"`, fix: 'Use pem (default) or pfx.' });
      } else if (format === 'pfx' && text(entry, 'objectType') !== 'secret') {
        // The provider's validateObjectFormat (pkg/provider/provider.go) refuses only pfx — compared case-sensitively —
        // for cert and key objects: Key Vault returns those as PEM. pem on a cert is the default, not a mistake.
        findings.push({ line, message: `objectFormat pfx on ${describe(entry)} of type ${quote(text(entry, 'objectType') ?? '')}: the provider fails with "PFX format only supported for objectType: secret"`, fix: 'Use objectType secret to fetch the certificate with its private key as PFX, or remove objectFormat.' });
      }
    }
    return findings;
  },
};

export const objectEncodingRule: LintRule = {
  id: 'object-encoding',
  severity: 'error',
  description: '`objectEncoding` not `utf-8`/`base64`/`hex`, or set on a non-secret object',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const entry of spc.objects?.entries ?? []) {
      const encoding = text(entry, 'objectEncoding');
      if (encoding === undefined) continue;
      const line = lineOf(entry, 'objectEncoding');
      if (!(OBJECT_ENCODINGS as readonly string[]).includes(encoding.toLowerCase())) {
        findings.push({ line, message: `objectEncoding ${quote(encoding)} of ${describe(entry)}: the provider fails with "invalid objectEncoding, should be hex, base64 or utf-8"`, fix: 'Use utf-8 (default), base64 or hex.' });
      } else if (text(entry, 'objectType') !== 'secret') {
        findings.push({ line, message: `objectEncoding is set on ${describe(entry)} of type ${quote(text(entry, 'objectType') ?? '')}: the provider fails with "objectEncoding only supported for objectType: secret"`, fix: 'Remove objectEncoding, or change objectType to secret.' });
      }
    }
    return findings;
  },
};

export const filePermissionRule: LintRule = {
  id: 'file-permission',
  severity: 'error',
  description: '`filePermission` not an octal mode such as `0644` (an invalid one silently gives mode 0000)',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const entry of spc.objects?.entries ?? []) {
      const permission = field(entry, 'filePermission');
      if (!permission) continue;
      const value = permission.value.trim();
      if (!FILE_PERMISSION_PATTERN.test(value)) {
        findings.push({ line: permission.line, message: `filePermission ${quote(permission.value)} of ${describe(entry)} is not an octal mode: providers ≥1.3 write the file with mode 0000 and the app gets "permission denied"`, fix: 'Use an octal string such as "0644" or "0440", or remove it (default 0644).' });
      }
    }
    return findings;
  },
};
