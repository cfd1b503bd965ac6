/** Key Vault Secrets User: read secret values, nothing else (least privilege for a CSI mount). */
export const KEY_VAULT_SECRETS_USER = { id: '4633458b-17de-408a-b874-0445c86b69e6', name: 'Key Vault Secrets User' } as const;

/** The access-policy permissions a CSI mount needs: `get,list` on secrets, and `get` on certificates when cert objects are mounted. */
export const SECRET_READ_PERMISSIONS = ['get', 'list'] as const;
export const CERTIFICATE_READ_PERMISSIONS = ['get'] as const;
