/** Issue 19: a Slack error showed the server's config path. */
import { KvcsiError } from '@kvcsi/core';
import { errorReply, hideServerPaths } from './common.js';

describe('errors shown in Slack', () => {
  it('never show a server path: the unknown-cluster error names the configuration, not its file', () => {
    const error = new KvcsiError('NOT_FOUND', 'Unknown cluster "nowhere" in /etc/kvcsi/kvcsi.yaml. Known clusters: cafehyna-dev, cafehyna-prd.');
    const reply = JSON.stringify(errorReply(error, 'ref-1'));
    expect(reply).not.toContain('/etc/kvcsi');
    expect(reply).toContain('Unknown cluster \\"nowhere\\" in the kvcsi configuration.');
  });

  it.each([
    ['/work/main/packages/core/config/kvcsi.example.yaml:12: clusters[0].tier: must be dev, hub or prd', 'the kvcsi configuration:12: clusters[0].tier: must be dev, hub or prd'],
    ['cannot read /var/run/secrets/kvcsi/decision.key', 'cannot read a file on the server'],
    ['C:\\kvcsi\\kvcsi.yaml is not readable', 'the kvcsi configuration is not readable'],
    ['./kvcsi.yaml: invalid YAML', 'the kvcsi configuration: invalid YAML'],
  ])('hides %s', (text, shown) => {
    expect(hideServerPaths(text)).toBe(shown);
  });

  it.each([
    'role assignment at /subscriptions/a6806ab2-ebb4-4fdc-a9d5-884687a165bd/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a',
    'GET https://kv-cafehyna-prd.vault.azure.net/secrets/x answered 403',
    'secret defectdojo/admin-password on cafehyna-prd',
    'pod defectdojo/defectdojo-7c9d is not a pod of external-dns',
  ])('keeps ARM ids, URLs and namespace/name pairs: %s', (text) => {
    expect(hideServerPaths(text)).toBe(text);
  });
});
