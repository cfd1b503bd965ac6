import { TLS_SECRET_KEYS, TLS_SECRET_TYPE } from '../../model.js';
import { quote } from '../helpers.js';
import type { LintRule, RuleFinding } from '../types.js';

export const secretObjectRequiredRule: LintRule = {
  id: 'secret-object-required',
  severity: 'error',
  description: 'a `secretObjects` entry without `secretName`, `type` or `data`, or a data item without `objectName` or `key`',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const secretObject of spc.secretObjects) {
      const label = secretObject.secretName?.value ? `secretObjects ${quote(secretObject.secretName.value)}` : `secretObjects entry ${secretObject.index}`;
      if (!secretObject.secretName || secretObject.secretName.value === '') {
        findings.push({ line: secretObject.line, message: `${label} has no secretName: the driver skips it ("secret name is empty")`, fix: 'Add `secretName: <Kubernetes Secret name>`.' });
      }
      if (!secretObject.type || secretObject.type.value === '') {
        findings.push({ line: secretObject.line, message: `${label} has no type: the driver skips it ("secret type is empty"; there is no Opaque default)`, fix: 'Add `type: Opaque` (or kubernetes.io/tls for a certificate).' });
      }
      if (secretObject.dataNotAList) {
        findings.push({ line: secretObject.line, message: `${label}: data must be a list of {objectName, key}`, fix: 'Write data as a list: `- objectName: <file>` / `  key: <key>`.' });
      } else if (!secretObject.data || secretObject.data.length === 0) {
        findings.push({ line: secretObject.line, message: `${label} has no data: the driver skips it ("data is empty")`, fix: 'List the files to sync under data.' });
      }
      for (const item of secretObject.data ?? []) {
        if (!item.objectName || item.objectName.value === '') {
          findings.push({ line: item.line, message: `${label} data item ${item.index} has no objectName: the Secret is never created`, fix: 'Set objectName to the mounted file name (the objectAlias when set).' });
        }
        if (!item.key || item.key.value === '') {
          findings.push({ line: item.line, message: `${label} data item ${item.index} has no key: the driver fails with "key in secretObjects.data is empty"`, fix: 'Set key to the key of the Kubernetes Secret.' });
        }
      }
    }
    return findings;
  },
};

export const secretObjectUnmountedRule: LintRule = {
  id: 'secret-object-unmounted',
  severity: 'error',
  description: 'a `secretObjects` `objectName` that matches no mounted file name (the alias when set)',
  check({ spc, mountedFiles }) {
    const files = new Set(mountedFiles.map((mounted) => mounted.file));
    const aliasesByName = new Map<string, string[]>();
    for (const entry of spc.objects?.entries ?? []) {
      const name = entry.values.objectName?.trim();
      const alias = entry.values.objectAlias?.trim();
      if (name && alias) aliasesByName.set(name, [...(aliasesByName.get(name) ?? []), alias]);
    }
    const findings: RuleFinding[] = [];
    for (const secretObject of spc.secretObjects) {
      for (const item of secretObject.data ?? []) {
        const objectName = item.objectName?.value;
        if (!objectName || files.has(objectName)) continue;
        const aliases = aliasesByName.get(objectName) ?? [];
        findings.push({
          line: item.objectName!.line,
          message: `secretObjects objectName ${quote(objectName)} matches no mounted file${aliases.length > 0 ? ` (that object is mounted as ${aliases.map(quote).join(' or ')})` : ''}: the driver fails with "file matching objectName … not found in the pod" and the Secret is never created`,
          fix: aliases.length > 0 ? `Use the alias: \`objectName: ${aliases[0]!}\`${aliases.length > 1 ? ' (or another alias of it)' : ''}.` : 'Use the mounted file name: the objectAlias when set, else the objectName.',
        });
      }
    }
    return findings;
  },
};

export const tlsSecretKeysRule: LintRule = {
  id: 'tls-secret-keys',
  severity: 'error',
  description: 'a `kubernetes.io/tls` Secret missing `tls.crt` or `tls.key`, or with any other key',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    for (const secretObject of spc.secretObjects) {
      if (secretObject.type?.value !== TLS_SECRET_TYPE) continue;
      const name = quote(secretObject.secretName?.value ?? '');
      const keys = (secretObject.data ?? []).map((item) => item.key?.value ?? '');
      for (const item of secretObject.data ?? []) {
        const key = item.key?.value;
        if (key && !(TLS_SECRET_KEYS as readonly string[]).includes(key)) {
          findings.push({ line: item.key!.line, message: `kubernetes.io/tls Secret ${name} has key ${quote(key)}: the driver fails with "key '${key}' is not supported. Only 'tls.key' and 'tls.crt' are supported"`, fix: 'Use only the keys tls.crt and tls.key.' });
        }
      }
      const missing = TLS_SECRET_KEYS.filter((key) => !keys.includes(key));
      if (missing.length > 0) {
        findings.push({ line: secretObject.type.line, message: `kubernetes.io/tls Secret ${name} has no ${missing.join(' or ')}: Kubernetes rejects a TLS Secret without both`, fix: 'Map tls.crt from the cert object (objectType cert) and tls.key from the secret of the same name (objectType secret), with distinct aliases.' });
      }
    }
    return findings;
  },
};

export const tlsKeyFromCertRule: LintRule = {
  id: 'tls-key-from-cert',
  severity: 'warning',
  description: '`tls.key` synced from an `objectType: cert` file, which holds no private key',
  check({ spc, mountedFiles }) {
    const typeOfFile = new Map(mountedFiles.map((mounted) => [mounted.file, mounted.objectType]));
    const findings: RuleFinding[] = [];
    for (const secretObject of spc.secretObjects) {
      if (secretObject.type?.value !== TLS_SECRET_TYPE) continue;
      for (const item of secretObject.data ?? []) {
        const file = item.objectName?.value;
        if (item.key?.value === 'tls.key' && file !== undefined && typeOfFile.get(file) === 'cert') {
          findings.push({ line: item.objectName!.line, message: `tls.key comes from ${quote(file)}, an objectType cert file: it holds only the certificate, so the driver finds no private key`, fix: 'Mount the same name again as objectType secret with its own alias (e.g. `<name>.key`) and point tls.key at it.' });
        }
      }
    }
    return findings;
  },
};

export const duplicateSecretKeyRule: LintRule = {
  id: 'duplicate-secret-key',
  severity: 'error',
  description: 'the same `key` twice in one synced Secret, or two `secretObjects` with the same `secretName`',
  check({ spc }) {
    const findings: RuleFinding[] = [];
    const names = new Set<string>();
    for (const secretObject of spc.secretObjects) {
      const name = secretObject.secretName?.value;
      if (name) {
        if (names.has(name)) findings.push({ line: secretObject.secretName!.line, message: `two secretObjects are named ${quote(name)}: they overwrite each other`, fix: 'Merge them into one entry or rename one.' });
        names.add(name);
      }
      const keys = new Set<string>();
      for (const item of secretObject.data ?? []) {
        const key = item.key?.value;
        if (!key) continue;
        if (keys.has(key)) findings.push({ line: item.key!.line, message: `key ${quote(key)} appears twice in Secret ${quote(name ?? '')}: the last one wins`, fix: 'Give each data item a distinct key.' });
        keys.add(key);
      }
    }
    return findings;
  },
};
