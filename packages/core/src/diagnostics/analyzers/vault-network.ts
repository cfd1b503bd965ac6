/** D3 / D4 / D8 / D9 / D10 / D11: network rules, throttling, DNS/egress and other Key Vault answers. */
import { providerLogsCommand } from '../commands.js';
import { pickVaultName, podOf, vaultProperties } from '../context.js';
import type { PodFacts } from '../facts.js';
import { DOCS, type Finding } from '../finding.js';
import { fieldOf, podFinding, signalGroups, type Analyzer } from './helpers.js';
import { sh } from '../../shell/quote.js';

export const analyzeVaultNetwork: Analyzer = (facts: PodFacts): Finding[] => {
  const findings: Finding[] = [];
  const node = podOf(facts)?.spec.nodeName;
  for (const { id, signals } of signalGroups(facts, ['D3', 'D4', 'D8', 'D9', 'D10', 'D10.1', 'D10.2', 'D10.3', 'D10.4', 'D11'])) {
    const vault = pickVaultName(facts, fieldOf(signals, 'vault'));
    const properties = vaultProperties(facts, vault);
    const v = vault ?? '<vault>';
    switch (id) {
      case 'D3': {
        const address = fieldOf(signals, 'clientAddress');
        findings.push(
          podFinding(facts, signals, {
            id,
            severity: 'error',
            title: `The firewall of ${v} blocks the node's address${address ? ` ${address}` : ''}`,
            summary: `Key Vault ${v} denies requests from ${address ?? 'the node egress IP'}: not in its network rules, and AKS is not a trusted service.`,
            evidence: properties?.networkRules ? [`${v} network rules: default ${properties.networkRules.defaultAction}, ${properties.networkRules.ipRules.length} IP rules, ${properties.networkRules.virtualNetworkRules.length} VNet rules`] : [],
            cause: 'The vault firewall allows neither the cluster\'s outbound IP nor its subnet; provider pods use host networking, so the node\'s egress IP is what Key Vault sees.',
            fix: { commands: [sh`az keyvault network-rule add --name ${v} --ip-address ${address ?? '<node-egress-ip>'}/32`, sh`az keyvault network-rule list --name ${v}`], docs: [DOCS.networkSecurity] },
            confidence: properties?.networkRules?.defaultAction === 'Deny' ? 'confirmed' : 'likely',
          }),
        );
        break;
      }
      case 'D4':
        findings.push(
          podFinding(facts, signals, {
            id,
            severity: 'error',
            title: `Public access to ${v} is disabled and the node reaches it over the public endpoint`,
            summary: `${v} only accepts private-link traffic, but the node resolved its public address.`,
            evidence: properties ? [`${v}: publicNetworkAccess ${properties.publicNetworkAccess}, ${properties.privateEndpointCount ?? 0} private endpoint(s)`] : [],
            cause: 'Missing private endpoint, or the privatelink.vaultcore.azure.net DNS zone is not linked to the cluster VNet.',
            fix: { commands: [sh`nslookup ${v}.vault.azure.net   # from a hostNetwork pod on node ${node ?? '<node>'}`, 'az network private-dns link vnet list -g <dns-resource-group> -z privatelink.vaultcore.azure.net -o table'], docs: [DOCS.privateLink] },
            confidence: properties?.publicNetworkAccess === 'Disabled' ? 'confirmed' : 'likely',
          }),
        );
        break;
      case 'D8':
        findings.push(
          podFinding(facts, signals, {
            id,
            severity: 'error',
            title: `Key Vault ${v} answered 401 Unauthorized`,
            summary: 'The token was rejected: wrong tenant, wrong audience, or no token at all.',
            cause: 'See C6: managed-identity tokens come from the identity\'s home tenant; custom clouds may use the wrong audience.',
            fix: { commands: [providerLogsCommand(node)], docs: [DOCS.keyVaultErrors] },
          }),
        );
        break;
      case 'D9':
        findings.push(
          podFinding(facts, signals, {
            id,
            severity: 'error',
            title: `Key Vault ${v} is throttling (429)`,
            summary: `Too many requests to ${v}: every pod mount and every rotation poll does one GET per object.`,
            cause: 'Pods × objects × rotation frequency exceeds the per-vault limit (about 4,000 GETs per 10 s).',
            fix: { commands: ['helm upgrade csi-secrets-store … --reuse-values --set rotationPollInterval=10m', sh`az monitor metrics list --resource $(az keyvault show --name ${v} --query id -o tsv) --metric ServiceApiHit --interval PT1M`], docs: [DOCS.throttling] },
          }),
        );
        break;
      case 'D10': {
        const host = fieldOf(signals, 'host');
        const aad = signals.some((signal) => /login\.microsoftonline\.com|refresh request/.test(signal.excerpt));
        findings.push(
          podFinding(facts, signals, {
            id,
            severity: 'error',
            title: host ? `DNS cannot resolve ${host}` : aad ? 'The node cannot reach Entra ID (login.microsoftonline.com)' : `The node cannot reach ${v}`,
            summary: host ? `${host} does not resolve from node ${node ?? '(unknown)'}: the vault name is wrong or private DNS is misconfigured.` : 'Egress from the node to Key Vault or Entra ID fails.',
            evidence: host && vault && properties === undefined && facts.vaults[vault.toLowerCase()]?.properties.status === 'known' ? [`no vault named ${vault} is visible to kvcsi`] : [],
            cause: 'A nonexistent keyvaultName, a private endpoint without DNS, or a firewall/NSG/network policy blocking egress (provider pods use host networking).',
            fix: { commands: [sh`nslookup ${host ?? `${v}.vault.azure.net`}   # from a hostNetwork pod on node ${node ?? '<node>'}`, sh`az keyvault show --name ${v} --query properties.vaultUri -o tsv`], docs: [DOCS.providerTroubleshooting] },
          }),
        );
        break;
      }
      case 'D10.1':
      case 'D10.2':
      case 'D10.3':
      case 'D10.4': {
        const host = fieldOf(signals, 'host');
        const target = host ?? (fieldOf(signals, 'service') === 'entra' ? 'login.microsoftonline.com' : `${v}.vault.azure.net`);
        const nameMismatch = signals.some((signal) => /certificate is valid for/.test(signal.excerpt));
        const spec = {
          'D10.1': {
            title: nameMismatch ? `TLS: the certificate is not valid for ${target}` : `TLS to ${target} failed: the certificate is not trusted`,
            cause: nameMismatch
              ? 'The client called a host name the service certificate does not cover (e.g. <vault>.privatelink.vaultcore.azure.net). Call the vault by its vault.azure.net name; private DNS resolves it to the private endpoint.'
              : 'Something between the node and the service re-signs TLS (an intercepting proxy or firewall), or the CA bundle is missing. Exempt Key Vault and Entra ID from TLS inspection, or trust the proxy\'s CA.',
            commands: [sh`openssl s_client -connect ${target}:443 -servername ${target} </dev/null 2>/dev/null | openssl x509 -noout -issuer -subject   # from a hostNetwork pod on node ${node ?? '<node>'}`],
          },
          'D10.2': {
            title: `An HTTP proxy refused or broke the connection to ${target}`,
            cause: 'The node (or the client) sends traffic through a proxy that rejected or reset it. Allow Key Vault and Entra ID through the proxy, or add them to NO_PROXY.',
            commands: [`kubectl get pods -A -l 'app in (csi-secrets-store-provider-azure, secrets-store-provider-azure)' -o jsonpath='{..env}'   # HTTPS_PROXY / NO_PROXY of the provider`],
          },
          'D10.3': {
            title: `The connection to ${target} was reset or closed early`,
            cause: 'A firewall, proxy or NAT gateway dropped the connection (connection reset / EOF). Repeated resets point at egress filtering or SNAT exhaustion.',
            commands: [sh`curl -sv https://${target}/ -o /dev/null   # from a hostNetwork pod on node ${node ?? '<node>'}`],
          },
          'D10.4': {
            title: `No answer from ${target} before the mount deadline`,
            cause: 'The request to Key Vault was sent but nothing came back in time (StatusCode=0: no HTTP status): egress blocked or slow, a firewall silently dropping, or private DNS pointing nowhere. The provider runs on the node\'s network.',
            commands: [sh`nslookup ${v}.vault.azure.net   # from a hostNetwork pod on node ${node ?? '<node>'}`, sh`curl -sv https://${v}.vault.azure.net/healthstatus -o /dev/null`],
          },
        }[id];
        findings.push(
          podFinding(facts, signals, {
            id,
            severity: 'error',
            title: spec.title,
            summary: `${spec.title}.`,
            cause: spec.cause,
            fix: { commands: spec.commands, docs: [DOCS.networkSecurity, DOCS.providerTroubleshooting] },
          }),
        );
        break;
      }
      case 'D11':
        findings.push(
          podFinding(facts, signals, {
            id,
            severity: 'warning',
            title: `Key Vault ${v} answered ${fieldOf(signals, 'status') ?? 'an error'} ${fieldOf(signals, 'errorCode') ?? ''}`.trim(),
            summary: 'A malformed request (often a bad objectVersion) or a transient service error.',
            cause: '400 BadParameter usually means the objectVersion is not a version id; 5xx is transient.',
            fix: { commands: [sh`az keyvault secret list-versions --vault-name ${v} --name ${fieldOf(signals, 'objectName') ?? '<name>'} --query "[].id" -o tsv`], docs: [DOCS.keyVaultErrors] },
          }),
        );
        break;
    }
  }
  return findings;
};
