#!/usr/bin/env bash
# Renders the overlays' SecretProviderClass for the Slack tokens with kvcsi's own renderer (`kvcsi render`): vault,
# tenant and cloud come from the hub cluster of base/kvcsi.yaml, the identity is the bot's own managed identity.
# Edit the two values below for your hub, run it after `npm run build`, commit the output. test/src/deploy checks
# that the committed files are exactly what this script renders.
#
#   deploy/scripts/render-secretproviderclasses.sh [output-dir]   (default: deploy/overlays)
set -euo pipefail

HUB_CLUSTER=cafehyna-hub                             # the registry cluster the bot runs in
BOT_CLIENT_ID=00000000-0000-0000-0000-000000000000   # the bot identity's client id (az identity show … --query clientId)

kit="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$kit/overlays}"
kvcsi="$kit/../node_modules/.bin/kvcsi"

render() {
  "$kvcsi" render --config "$kit/base/kvcsi.yaml" --app kvcsi --cluster "$HUB_CLUSTER" --namespace kvcsi \
    --name kvcsi-slack --workload-identity --identity-client-id "$BOT_CLIENT_ID" "$@"
}

mkdir -p "$out/http" "$out/socket"
# HTTP receiver: the bot token and the signing secret. Socket Mode: the bot token and the app-level token.
render --secret kvcsi-slack-bot-token=slack-bot-token --secret kvcsi-slack-signing-secret=slack-signing-secret \
  > "$out/http/secretproviderclass.yaml"
render --secret kvcsi-slack-bot-token=slack-bot-token --secret kvcsi-slack-app-token=slack-app-token \
  > "$out/socket/secretproviderclass.yaml"
