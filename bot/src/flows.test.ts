/**
 * The bot end to end: signed HTTP requests to the running Bolt app, the real KvcsiService over the sandbox, and a
 * fake Slack that records (and limit-checks) every Web API and response_url call.
 */
import { randomBytes } from 'node:crypto';
import { applyBreak } from '@kvcsi/sandbox';
import { LogLevel } from '@slack/bolt';
import { SANDBOX_SLACK_USERS } from './config.js';
import { ACTION_IDS } from './presenters/diagnosis.js';
import { CALLBACK_IDS, FIELDS } from './modals.js';
import type { RecordedCall } from './testing/fake-slack.js';
import { startBotHarness, type BotHarness } from './testing/harness.js';

const { requester, approver, outsider } = SANDBOX_SLACK_USERS;
const APPROVALS = 'C0SBXAPPROVALS';
const DEFECTDOJO_POD = 'defectdojo-hvvfwdpl2p-gzd7z';

let harness: BotHarness;

beforeAll(async () => {
  // DEBUG: the canary must survive Bolt's most talkative logging too.
  harness = await startBotHarness({ logLevel: LogLevel.DEBUG });
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

afterEach(() => {
  // Every payload the bot sent in the test fits Slack's limits.
  expect(harness.fake.problems).toEqual([]);
});

type Json = Record<string, unknown>;

function blocksOf(call: RecordedCall): Json[] {
  return (call.args.blocks as Json[] | undefined) ?? [];
}

function buttons(call: RecordedCall): { action_id: string; value: string }[] {
  return blocksOf(call).filter((block) => block.type === 'actions').flatMap((block) => block.elements as { action_id: string; value: string }[]);
}

function textOf(call: RecordedCall): string {
  return JSON.stringify(call.args);
}

async function ask(text: string, user: string = requester, channel = 'C0SBXPRD'): Promise<RecordedCall> {
  const sent = await harness.command(text, { user, channel });
  expect(sent.status).toBe(200);
  return harness.finalResponse(sent.responseId);
}

describe('every command', () => {
  it('help, and help for one command', async () => {
    expect(textOf(await ask(''))).toContain('/kvcsi grant <app> <cluster> [--dry-run]');
    expect(textOf(await ask('help diagnose'))).toContain('diagnose --app <app>');
  });

  it('clusters', async () => {
    expect((await ask('clusters')).args.text).toBe('5 clusters: cafehyna-dev, cafehyna-hub, cafehyna-prd, painelclientes-dev, painelclientes-prd');
  });

  it('status, with the cluster from the channel or -c', async () => {
    expect((await ask('status')).args.text).toMatch(/^cafehyna-prd: /);
    expect((await ask('status -c cafehyna-dev', requester, 'C0OTHER')).args.text).toMatch(/^cafehyna-dev: /);
  });

  it('status in a channel without a default asks for -c', async () => {
    expect(textOf(await ask('status', requester, 'C0OTHER'))).toContain('Name the cluster with -c');
  });

  it('bindings of an app', async () => {
    const answer = textOf(await ask('bindings defectdojo'));
    expect(answer).toContain('kv-cafehyna-prd');
    expect(answer).toContain('defectdojo');
  });

  it('diagnose --app and diagnose a pod find the missing role (D2) and offer "Grant access"', async () => {
    for (const text of ['diagnose --app defectdojo', `diagnose ${DEFECTDOJO_POD} -n defectdojo -c cafehyna-prd`]) {
      const answer = await ask(text);
      expect(textOf(answer)).toContain('D2');
      expect(buttons(answer).map((button) => button.action_id)).toContain(ACTION_IDS.grantAccess);
    }
  });

  it('grant --dry-run shows the plan and requests nothing', async () => {
    const answer = await ask('grant defectdojo cafehyna-prd --dry-run');
    expect(textOf(answer)).toContain('Planned (dry run)');
    expect(textOf(answer)).toContain('Key Vault Secrets User');
    expect(harness.fake.of('chat.postMessage').filter((call) => call.args.channel === APPROVALS)).toEqual([]);
  });

  it('spc renders a short SecretProviderClass inline, and a long one as a file in a DM', async () => {
    const short = await ask('spc defectdojo -n defectdojo --secret defectdojo-admin-password');
    expect(textOf(short)).toContain('kind: SecretProviderClass');
    const many = Array.from({ length: 40 }, (_, index) => `--secret object-number-${index}`).join(' ');
    const long = await ask(`spc defectdojo -n defectdojo ${many}`);
    expect(textOf(long)).toContain('was sent to you in a DM');
    const upload = await harness.fake.waitFor((call) => call.method === 'file_upload' && String(call.args.content).includes('object-number-39'));
    expect(String(upload.args.content)).toContain('kind: SecretProviderClass');
    expect(harness.fake.of('files.completeUploadExternal').at(-1)?.args.channel_id).toBe(`D${requester}`);
  });

  it('--public posts in the channel and removes the working message', async () => {
    const answer = await ask('clusters --public');
    expect(answer.args.response_type).toBe('in_channel');
    await harness.fake.waitFor((call) => call.responseId === answer.responseId && call.args.delete_original === true);
  });

  it('requests and audit', async () => {
    expect(textOf(await ask('requests'))).toMatch(/request|No open requests/);
    expect(textOf(await ask('audit defectdojo'))).toContain('Audit of defectdojo');
  });

  it('unknown input gets usage at once, in the acknowledgement', async () => {
    const sent = await harness.command('grnat defectdojo cafehyna-prd', { user: requester });
    expect(sent.status).toBe(200);
    const ack = JSON.parse(sent.ack) as Json;
    expect(ack.response_type).toBe('ephemeral');
    expect(JSON.stringify(ack)).toContain('did you mean `grant`');
  });

  it('unknown users may read but not write', async () => {
    expect((await ask('clusters', outsider)).args.text).toMatch(/^5 clusters/);
    const sent = await harness.command('grant defectdojo cafehyna-prd', { user: outsider });
    expect(sent.ack).toContain('may read');
    expect(harness.fake.calls.filter((call) => call.responseId === sent.responseId)).toEqual([]);
  });
});

describe('approval flow over the sandbox', () => {
  it('diagnose → Grant access → request card → approval by a second user → card updated → requester told → healthy', async () => {
    const diagnosis = await ask(`diagnose ${DEFECTDOJO_POD} -n defectdojo -c cafehyna-prd`);
    const grantButton = buttons(diagnosis).find((button) => button.action_id === ACTION_IDS.grantAccess);
    expect(grantButton).toBeDefined();

    const click = await harness.click({ actionId: ACTION_IDS.grantAccess, value: grantButton!.value, userId: requester });
    expect(click.status).toBe(200);
    const pending = await harness.fake.waitFor((call) => call.responseId === click.responseId);
    expect(textOf(pending)).toContain('Waiting for approval');

    const card = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === APPROVALS);
    const cardButtons = buttons(card);
    expect(cardButtons.map((button) => button.action_id)).toEqual([ACTION_IDS.approve, ACTION_IDS.reject]);
    const requestId = cardButtons[0]!.value;
    // The button carries the request id and nothing else.
    expect(requestId).toMatch(/^req-[0-9a-z]+$/);
    expect(cardButtons[1]!.value).toBe(requestId);
    // The requester cannot approve their own request; an unknown user cannot approve at all.
    const self = await harness.click({ actionId: ACTION_IDS.approve, value: requestId, userId: requester, channelId: APPROVALS });
    expect(textOf(await harness.fake.waitFor((call) => call.responseId === self.responseId))).toContain('cannot approve');
    const stranger = await harness.click({ actionId: ACTION_IDS.approve, value: requestId, userId: outsider, channelId: APPROVALS });
    expect(textOf(await harness.fake.waitFor((call) => call.responseId === stranger.responseId))).toContain('may read');

    const ts = cardTsOf(card);
    await harness.click({ actionId: ACTION_IDS.approve, value: requestId, userId: approver, channelId: APPROVALS, messageTs: ts });

    const updated = await harness.fake.waitFor((call) => call.method === 'chat.update' && call.args.ts === ts && textOf(call).includes('Applied'));
    expect(updated.args.channel).toBe(APPROVALS);
    expect(buttons(updated)).toEqual([]);
    expect(textOf(updated)).toContain(`Approved by <@${approver}>`);

    const dm = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === requester && textOf(call).includes(requestId));
    expect(textOf(dm)).toContain('approved by');
    expect(textOf(dm)).toContain('applied');

    // A second approval races in: a clear answer, no second apply.
    const late = await harness.click({ actionId: ACTION_IDS.approve, value: requestId, userId: approver, channelId: APPROVALS, messageTs: ts });
    expect(textOf(await harness.fake.waitFor((call) => call.responseId === late.responseId))).toMatch(/already applied by you/);

    const after = await ask(`diagnose ${DEFECTDOJO_POD} -n defectdojo -c cafehyna-prd`);
    expect(String(after.args.text)).toMatch(/^Healthy/);
  });
});

/** The ts Slack gave a posted message. */
function cardTsOf(posted: RecordedCall): string {
  return String(posted.response?.ts);
}

describe('secret values only through modals (with a canary)', () => {
  const canary = `canary-${randomBytes(12).toString('hex')}`;

  function expectNoCanary(): void {
    expect(harness.fake.everything()).not.toContain(canary);
    expect(harness.logLines.join('\n')).not.toContain(canary);
    // The check means something only if the bot did log while handling the value.
    expect(harness.logLines.length).toBeGreaterThan(10);
  }

  async function openedView(triggerId: string): Promise<Json> {
    const call = await harness.fake.waitFor((recorded) => recorded.method === 'views.open' && recorded.args.trigger_id === triggerId);
    return call.args.view as Json;
  }

  it('secret create: ack, modal at once, value straight to Key Vault, outcome replaces nothing but the command answer', async () => {
    const sent = await harness.command('secret create canary-created -c cafehyna-dev', { user: requester });
    expect(sent.status).toBe(200);
    expect(sent.ack).toBe('');
    const view = await openedView(sent.triggerId);
    expect(view.callback_id).toBe(CALLBACK_IDS.secretCreate);
    expect(String(view.private_metadata)).not.toContain(canary);

    const submitted = await harness.submit({ callbackId: CALLBACK_IDS.secretCreate, userId: requester, values: { [FIELDS.value]: `${canary}\n` }, privateMetadata: String(view.private_metadata) });
    expect(submitted.status).toBe(200);
    expect(submitted.body).not.toContain(canary);
    const outcome = await harness.finalResponse(sent.responseId);
    expect(textOf(outcome)).toContain('Applied');
    expect(textOf(outcome)).toContain('canary-created');
    const stored = harness.backend.sandbox!.sandbox!.state.azure.vaults.find((vault) => vault.name === 'kv-cafehyna-dev-hlg')!.secrets.find((secret) => secret.name === 'canary-created');
    expect(stored?.versions.at(-1)?.value).toBe(canary);
    expectNoCanary();
  });

  it('an empty value is refused inside the modal', async () => {
    const submitted = await harness.submit({ callbackId: CALLBACK_IDS.secretCreate, userId: requester, values: { [FIELDS.value]: '' }, privateMetadata: '{"cluster":"cafehyna-dev","name":"x"}' });
    expect(JSON.parse(submitted.body)).toEqual({ response_action: 'errors', errors: { [FIELDS.value]: 'The value is empty.' } });
  });

  it('a failing write shows an error without the value', async () => {
    const sent = await harness.command('secret create canary-created -c cafehyna-dev', { user: requester });
    const view = await openedView(sent.triggerId);
    await harness.submit({ callbackId: CALLBACK_IDS.secretCreate, userId: requester, values: { [FIELDS.value]: canary }, privateMetadata: String(view.private_metadata) });
    const outcome = await harness.finalResponse(sent.responseId);
    expect(textOf(outcome)).toMatch(/exists/i);
    expectNoCanary();
  });

  it('secret request: justification modal → card → approval → DM with "Supply the value" → value modal → Key Vault', async () => {
    const sent = await harness.command('secret request canary-requested --app defectdojo -c cafehyna-prd', { user: requester });
    const view = await openedView(sent.triggerId);
    expect(view.callback_id).toBe(CALLBACK_IDS.secretRequest);
    await harness.submit({ callbackId: CALLBACK_IDS.secretRequest, userId: requester, values: { [FIELDS.justification]: 'defectdojo needs its API key' }, privateMetadata: String(view.private_metadata) });
    expect(textOf(await harness.finalResponse(sent.responseId))).toContain('Waiting for approval');

    const card = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === APPROVALS && textOf(call).includes('canary-requested'));
    const requestId = buttons(card)[0]!.value;
    await harness.click({ actionId: ACTION_IDS.approve, value: requestId, userId: approver, channelId: APPROVALS, messageTs: cardTsOf(card) });

    const dm = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === requester && textOf(call).includes(requestId));
    const supply = buttons(dm).find((button) => button.action_id === ACTION_IDS.supplyValue);
    expect(supply?.value).toBe(requestId);

    const click = await harness.click({ actionId: ACTION_IDS.supplyValue, value: requestId, userId: requester, channelId: `D${requester}` });
    const valueView = await openedView(click.triggerId);
    expect(valueView.callback_id).toBe(CALLBACK_IDS.supplyValue);
    await harness.submit({ callbackId: CALLBACK_IDS.supplyValue, userId: requester, values: { [FIELDS.value]: canary }, privateMetadata: String(valueView.private_metadata) });
    const done = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === requester && textOf(call).includes('Secret canary-requested'));
    expect(textOf(done)).toMatch(/Applied|Already in place/);
    const stored = harness.backend.sandbox!.sandbox!.state.azure.vaults.find((vault) => vault.name === 'kv-cafehyna-prd')!.secrets.find((secret) => secret.name === 'canary-requested');
    expect(stored?.versions.at(-1)?.value).toBe(canary);
    expectNoCanary();
  });

  it('reject opens a modal for the reason; the card loses its buttons and the requester is told', async () => {
    // defectdojo was granted on prd above: a revoke there needs approval too.
    expect(textOf(await ask('revoke defectdojo cafehyna-prd'))).toContain('Waiting for approval');
    const card = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === APPROVALS && textOf(call).includes('Revoke request'));
    const requestId = buttons(card)[0]!.value;
    const click = await harness.click({ actionId: ACTION_IDS.reject, value: requestId, userId: approver, channelId: APPROVALS, messageTs: cardTsOf(card) });
    const view = await openedView(click.triggerId);
    expect(view.callback_id).toBe(CALLBACK_IDS.reject);
    await harness.submit({ callbackId: CALLBACK_IDS.reject, userId: approver, values: { [FIELDS.reason]: 'not during the release freeze' }, privateMetadata: String(view.private_metadata) });
    const updated = await harness.fake.waitFor((call) => call.method === 'chat.update' && call.args.ts === cardTsOf(card) && textOf(call).includes('Rejected'));
    expect(buttons(updated)).toEqual([]);
    expect(textOf(updated)).toContain('not during the release freeze');
    await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === requester && textOf(call).includes(requestId) && textOf(call).includes('rejected'));
  });
});

describe('recover a deleted secret', () => {
  it('/kvcsi secret recover on the hub: recovered at once (no approval on hub), said with no snippet to paste', async () => {
    const answer = await ask('secret recover argocd-notifications-slack-token --app argocd-notifications -c cafehyna-hub');
    expect(String(answer.args.text)).toMatch(/^Secret argocd-notifications-slack-token in kv-cafehyna-default: recovered secret argocd-notifications-slack-token in kv-cafehyna-default \(version [0-9a-f]{32}\)$/);
    expect(textOf(answer)).toContain('Recovered: `argocd-notifications-slack-token`');
    expect(textOf(answer)).not.toContain('objects');
    const again = await ask('secret recover argocd-notifications-slack-token -c cafehyna-hub');
    expect(textOf(again)).toContain('is not deleted');
  });


  it('prd: Recover → request card → approval by a second user → recovered once → card updated → requester told', async () => {
    const sandbox = harness.backend.sandbox!.sandbox!;
    // Someone deletes one of defectdojo's prd secrets (soft delete keeps it recoverable).
    applyBreak(sandbox, { action: 'delete-secret', cluster: 'cafehyna-prd', app: 'defectdojo', secret: 'defectdojo-secret-key', restart: false });
    const value = JSON.stringify({ cluster: 'cafehyna-prd', name: 'defectdojo-secret-key' });
    const click = await harness.click({ actionId: ACTION_IDS.recoverSecret, value, userId: requester });
    const pending = await harness.fake.waitFor((call) => call.responseId === click.responseId);
    expect(textOf(pending)).toContain('recovering defectdojo-secret-key in kv-cafehyna-prd waits for approval');

    const card = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === APPROVALS && textOf(call).includes('Secret recovery'));
    const requestId = buttons(card)[0]!.value;
    expect(textOf(card)).toContain('defectdojo-secret-key');
    const ts = cardTsOf(card);
    await harness.click({ actionId: ACTION_IDS.approve, value: requestId, userId: approver, channelId: APPROVALS, messageTs: ts });
    const updated = await harness.fake.waitFor((call) => call.method === 'chat.update' && call.args.ts === ts && textOf(call).includes('Applied'));
    expect(textOf(updated)).toContain('recovered secret defectdojo-secret-key in kv-cafehyna-prd');
    const dm = await harness.fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === requester && textOf(call).includes(requestId));
    expect(textOf(dm)).toContain('applied');
    const vault = sandbox.state.azure.vaults.find((each) => each.name === 'kv-cafehyna-prd')!;
    expect(vault.secrets.map((secret) => secret.name)).toContain('defectdojo-secret-key');
    expect((vault.deletedSecrets ?? []).map((deleted) => deleted.secret.name)).not.toContain('defectdojo-secret-key');

    // A second click now: nothing to recover, said plainly.
    const again = await harness.click({ actionId: ACTION_IDS.recoverSecret, value, userId: requester });
    expect(textOf(await harness.fake.waitFor((call) => call.responseId === again.responseId))).toContain('is not deleted');
  });
});
