/** What to add to the app's SecretProviderClass for a new secret: the `objects` entry and the `secretObjects` data line. */
import { stringifyKeyVaultObject } from '../spc/serialize.js';
import type { KeyVaultObject } from '../spc/model.js';
import type { SecretSnippet } from '../service/types.js';

function indent(text: string, prefix: string): string {
  return text.trimEnd().split('\n').map((line) => `${prefix}${line}`).join('\n');
}

/** The entry as it sits under `objects: |` → `array:` (a block string per object), and the data line of `secretObjects`. */
export function secretSnippet(name: string, options: { key?: string } = {}): SecretSnippet {
  const object: KeyVaultObject = { objectName: name, objectType: 'secret' };
  const objectsEntry = `  - |\n${indent(stringifyKeyVaultObject(object), '    ')}\n`;
  const secretObjectsLine = `- objectName: ${name}\n  key: ${options.key ?? name}\n`;
  return { object, objectsEntry, secretObjectsLine };
}
