import { parseRegistryConfig } from '../clusters/index.js';

const loadRegistryFromObject = (config: unknown) => parseRegistryConfig(JSON.stringify(config), 'test.yaml');
import { watchChannelFor, watchChannelsFor } from './routing.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const CLIENT = '22222222-2222-4222-8222-222222222222';
const cluster = (watch: unknown) => ({ name: 'prd', tier: 'prd', keyVault: { name: 'kv-prd' }, identity: { clientId: CLIENT }, watch });

describe('watch routing', () => {
  it('routes by app, then namespace, then the cluster channel', () => {
    const registry = loadRegistryFromObject({
      tenantId: TENANT,
      clusters: [cluster({ channel: 'C0PLATFORM1', routes: [{ namespace: 'billing', channel: 'C0BILLING1' }, { app: 'billing-api', channel: 'C0123ABCDE' }] })],
    });
    const prd = registry.get('prd');
    expect(watchChannelFor(prd, { namespace: 'billing', workload: 'Deployment/billing-api' })).toBe('C0123ABCDE');
    expect(watchChannelFor(prd, { namespace: 'billing', workload: 'Deployment/worker' })).toBe('C0BILLING1');
    expect(watchChannelFor(prd, { namespace: 'web', workload: 'Deployment/web' })).toBe('C0PLATFORM1');
  });

  it('has no channel for a cluster without watch, and refuses a bad channel or an empty route, naming the field', () => {
    expect(watchChannelFor(loadRegistryFromObject({ tenantId: TENANT, clusters: [cluster(undefined)] }).get('prd'), { namespace: 'a', workload: 'Pod/a' })).toBeUndefined();
    expect(() => loadRegistryFromObject({ tenantId: TENANT, clusters: [cluster({ channel: 'Team Alerts' })] })).toThrow(/clusters\[0\]\.watch\.channel: must be a Slack channel id/);
    // A name posts, but cannot be found again after a failover (conversations.history takes ids): refused up front.
    expect(() => loadRegistryFromObject({ tenantId: TENANT, clusters: [cluster({ channel: '#team-alerts' })] })).toThrow(/clusters\[0\]\.watch\.channel: must be a Slack channel id .*after a failover/);
    expect(() => loadRegistryFromObject({ tenantId: TENANT, clusters: [cluster({ channel: 'C0AAAAAAAA', routes: [{ channel: 'C0BBBBBBBB' }] })] })).toThrow(/a route needs a namespace or an app/);
  });
});

describe('watch routing to the approvers channel', () => {
  it('adds the approvers channel on prd clusters that ask for it, once, and refuses it on other tiers', () => {
    const withApprovers = (approvers: unknown, tier = 'prd') => loadRegistryFromObject({ tenantId: TENANT, clusters: [{ ...cluster({ channel: 'C0PLATFORM1', routes: [{ namespace: 'billing', channel: 'C0BILLING1' }], approvers }), tier }] }).get('prd');
    const where = { namespace: 'billing', workload: 'Deployment/billing-api' };
    expect(watchChannelsFor(withApprovers(true), where, { approversChannel: 'C0APPROVALS' })).toEqual(['C0BILLING1', 'C0APPROVALS']);
    expect(watchChannelsFor(withApprovers('C0PRDAPPROVE'), where, { approversChannel: 'C0APPROVALS' })).toEqual(['C0BILLING1', 'C0PRDAPPROVE']);
    // `true` without a front-end approvers channel, the routed channel itself, or not asked: one channel.
    expect(watchChannelsFor(withApprovers(true), where)).toEqual(['C0BILLING1']);
    expect(watchChannelsFor(withApprovers('C0BILLING1'), where)).toEqual(['C0BILLING1']);
    expect(watchChannelsFor(withApprovers(undefined), where, { approversChannel: 'C0APPROVALS' })).toEqual(['C0BILLING1']);
    expect(() => withApprovers(true, 'dev')).toThrow(/clusters\[0\]\.watch\.approvers: is for prd clusters only \(this one is dev\)/);
  });
});
