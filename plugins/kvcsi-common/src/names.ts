/**
 * Azure naming rules the request form checks before it sends anything; the backend applies the same rules again.
 * Each check returns undefined when the name is fine, else the rule it breaks (the name itself is not secret).
 */

/** Key Vault names: 3–24 characters, letters, digits and dashes, starting with a letter, no `--`, not ending in `-`. */
export const KEY_VAULT_NAME_PATTERN = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
/** Key Vault secret (object) names: 1–127 letters, digits and dashes. */
export const SECRET_NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/;

export function checkKeyVaultName(name: string): string | undefined {
  return KEY_VAULT_NAME_PATTERN.test(name) ? undefined : 'must be a Key Vault name: 3-24 letters, digits and dashes, starting with a letter, not ending with a dash, no "--"';
}

export function checkSecretName(name: string): string | undefined {
  return SECRET_NAME_PATTERN.test(name) ? undefined : 'must be 1-127 letters, digits and dashes (a Key Vault secret name)';
}
