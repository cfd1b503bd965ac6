#!/usr/bin/env bash
# kvcsi's Azure roles as code: creates (or updates) the custom role definitions of deploy/azure/roles and
# deploy/cluster/azure-rbac, and assigns them to the bot's managed identity. Idempotent: run it again after a change.
#
# Environment (space-separated lists):
#   BOT_PRINCIPAL_ID          the bot identity's object (principal) id                              (required)
#   SUBSCRIPTION_IDS          subscriptions holding the vaults, identities and AKS clusters          (required)
#                             kvcsi Reader is assigned on each; the role definitions are assignable there
#   RBAC_VAULT_IDS            Azure RBAC vaults kvcsi grants on and writes secrets to (resource ids)
#                             kvcsi Granter (conditioned: only Key Vault Secrets User, only to service principals)
#                             and kvcsi Secret Writer, each at vault scope
#   ACCESS_POLICY_VAULT_IDS   access-policy vaults kvcsi grants on and writes secrets to (resource ids)
#                             kvcsi Access Policy Writer (cannot be conditioned) and kvcsi Secret Writer
#   SLACK_TOKEN_SECRET_IDS    the bot's own Slack token secrets (<vault id>/secrets/<name>): Key Vault Secrets User
#                             at secret scope, for the CSI driver to mount them; nothing else is readable
#   AKS_AZURE_RBAC_CLUSTER_IDS  AKS clusters authorized with Azure RBAC for Kubernetes: kvcsi AKS Reader on each
#   AKS_SECRET_READ=1         also kvcsi AKS Secret Reader on those clusters (optional synced-Secret checks)
#   HUB_CLUSTER_ID            the hub (the registry cluster marked inCluster), only when its watcher calls carry the
#                             bot's Entra ID token instead of the pod's service account token (a hub with Azure RBAC
#                             for Kubernetes and no in-cluster access): kvcsi AKS Watch Leader at the namespace
#                             scope <HUB_CLUSTER_ID>/namespaces/<LEASE_NAMESPACE>, never the cluster. The kit reads
#                             the hub in-cluster, where Kubernetes RBAC grants the Lease (base/lease-role.yaml) and
#                             nothing needs assigning here.
#   LEASE_NAMESPACE           the Lease's namespace (KVCSI_WATCH_LEASE_NAMESPACE of the bot; default kvcsi)
#   DRY_RUN=1                 print the az commands instead of running them
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kit="$(cd "$here/.." && pwd)"
KEY_VAULT_SECRETS_USER=4633458b-17de-408a-b874-0445c86b69e6

: "${BOT_PRINCIPAL_ID:?set BOT_PRINCIPAL_ID to the object id of the bot identity}"
: "${SUBSCRIPTION_IDS:?set SUBSCRIPTION_IDS to the subscriptions kvcsi reads}"

az_run() {
  if [[ "${DRY_RUN:-}" == 1 ]]; then
    printf 'az'; printf ' %q' "$@"; printf '\n'
  else
    az "$@"
  fi
}

# "/subscriptions/a", "/subscriptions/b": the role definitions' AssignableScopes.
assignable_scopes() {
  local out="" id
  for id in $SUBSCRIPTION_IDS; do out+="${out:+, }\"/subscriptions/$id\""; done
  printf '%s' "$out"
}

# Creates the role, or updates it in place (same name), assignable in every subscription of SUBSCRIPTION_IDS.
define_role() {
  local file="$1" name rendered
  name="$(sed -n 's/^ *"Name": "\(.*\)",$/\1/p' "$file")"
  rendered="$(mktemp --suffix=.json)"
  sed "s#\"/subscriptions/{subscriptionId}\"#$(assignable_scopes)#" "$file" > "$rendered"
  if [[ "${DRY_RUN:-}" != 1 ]] && [[ -n "$(az role definition list --custom-role-only true --name "$name" --query '[0].id' -o tsv)" ]]; then
    az role definition update --role-definition "@$rendered" --output none
  else
    az_run role definition create --role-definition "@$rendered" --output none
  fi
  if [[ "${DRY_RUN:-}" == 1 ]]; then sed 's/^/# /' "$rendered"; fi
  rm -f "$rendered"
}

assign() {
  local role="$1" scope="$2"; shift 2
  az_run role assignment create --assignee-object-id "$BOT_PRINCIPAL_ID" --assignee-principal-type ServicePrincipal \
    --role "$role" --scope "$scope" "$@"
}

for file in "$kit"/azure/roles/*.json "$kit"/cluster/azure-rbac/*.json; do define_role "$file"; done

for id in $SUBSCRIPTION_IDS; do assign "kvcsi Reader" "/subscriptions/$id"; done

# Limits what the granter can assign, and delete, to Key Vault Secrets User given to service principals.
granter_condition="$(tr -d '\n' < "$here/granter-condition.txt")"
for vault in ${RBAC_VAULT_IDS:-}; do
  assign "kvcsi Granter" "$vault" --condition-version 2.0 --condition "$granter_condition" \
    --description "kvcsi grant: only Key Vault Secrets User, only to service principals"
  assign "kvcsi Secret Writer" "$vault"
done

for vault in ${ACCESS_POLICY_VAULT_IDS:-}; do
  # Access-policy writes cannot carry a condition: any principal, any permission. Prefer moving the vault to RBAC.
  assign "kvcsi Access Policy Writer" "$vault"
  assign "kvcsi Secret Writer" "$vault"
done

for secret in ${SLACK_TOKEN_SECRET_IDS:-}; do
  [[ "$secret" == */secrets/* ]] || { echo "SLACK_TOKEN_SECRET_IDS: $secret is not a secret id (<vault id>/secrets/<name>)" >&2; exit 2; }
  assign "$KEY_VAULT_SECRETS_USER" "$secret"
done

for cluster in ${AKS_AZURE_RBAC_CLUSTER_IDS:-}; do
  assign "kvcsi AKS Reader" "$cluster"
  if [[ "${AKS_SECRET_READ:-}" == 1 ]]; then assign "kvcsi AKS Secret Reader" "$cluster"; fi
done

# Leader election among the bot's replicas: the Lease kvcsi-watch, read and written in one namespace of the hub only.
if [[ -n "${HUB_CLUSTER_ID:-}" ]]; then
  [[ "$HUB_CLUSTER_ID" == */providers/Microsoft.ContainerService/managedClusters/* ]] || { echo "HUB_CLUSTER_ID: $HUB_CLUSTER_ID is not an AKS cluster id" >&2; exit 2; }
  assign "kvcsi AKS Watch Leader" "${HUB_CLUSTER_ID%/}/namespaces/${LEASE_NAMESPACE:-kvcsi}"
fi
