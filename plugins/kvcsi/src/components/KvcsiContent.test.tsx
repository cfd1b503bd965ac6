import { identityApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { MockFetchApi, mockApis, registerMswTestHooks, renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import type { Entity } from '@backstage/catalog-model';
import type { BindingsResponse, ProblemsResponse, SecretRequestDto } from '@kvcsi/backstage-plugin-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { kvcsiApiRef } from '../api/KvcsiApi.js';
import { KvcsiClient } from '../api/KvcsiClient.js';
import { bindings, defectdojo, ENTITY_REF, entityWith, request } from '../testing/fixtures.js';
import { KvcsiContent } from './KvcsiContent.js';
import { relativeTime } from './OpenProblems.js';

const BASE = 'http://backstage.test/api/kvcsi';
const server = setupServer();
registerMswTestHooks(server);

/** The real client over msw, as the app would wire it. */
const client = new KvcsiClient({ discoveryApi: { getBaseUrl: async (pluginId) => `http://backstage.test/api/${pluginId}` }, fetchApi: new MockFetchApi() });

function serve(options: { bindings?: BindingsResponse; requests?: SecretRequestDto[]; problems?: Partial<ProblemsResponse> } = {}) {
  server.use(
    http.get(`${BASE}/bindings`, () => HttpResponse.json(options.bindings ?? bindings)),
    http.get(`${BASE}/requests`, () => HttpResponse.json({ items: options.requests ?? [] })),
    http.get(`${BASE}/problems`, () => HttpResponse.json({ entityRef: ENTITY_REF, app: 'defectdojo', items: [], errors: [], ...options.problems })),
  );
}

async function render(entity: Entity = defectdojo) {
  return renderInTestApp(
    <TestApiProvider apis={[[kvcsiApiRef, client], [identityApiRef, mockApis.identity({ userEntityRef: 'user:default/guest' })]]}>
      <EntityProvider entity={entity}>
        <KvcsiContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('KvcsiContent', () => {
  it('shows progress while the bindings load', async () => {
    server.use(http.get(`${BASE}/bindings`, async () => {
      await delay('infinite');
      return HttpResponse.json(bindings);
    }));
    await render();
    expect(await screen.findByRole('progressbar')).toBeInTheDocument();
  });

  it('groups bindings by cluster and SecretProviderClass, with status chips, findings, a copyable fix and the workload snippet', async () => {
    serve();
    await render();
    const dev = await screen.findByRole('region', { name: 'Cluster cafehyna-dev' });
    expect(within(dev).getByText('defectdojo/defectdojo-secrets')).toBeInTheDocument();
    const redis = within(dev).getByRole('list', { name: 'Status of redis-password' });
    expect(within(redis).getByText('missing')).toBeInTheDocument();
    expect(within(dev).getByRole('list', { name: 'Status of db-password' })).toHaveTextContent(/exists.*access granted.*synced.*mounted by 1 pod/);
    expect(within(dev).getByText('Objects missing in the vault')).toBeInTheDocument();

    const prd = screen.getByRole('region', { name: 'Cluster cafehyna-prd' });
    expect(within(prd).getByRole('list', { name: 'Status of db-password' })).toHaveTextContent(/access denied.*not synced.*not mounted/);
    expect(within(prd).getByLabelText('Fix for The identity cannot read the vault')).toHaveTextContent('kvcsi grant defectdojo cafehyna-prd');

    const writeText = jest.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await userEvent.click(within(prd).getByRole('button', { name: 'Copy the fix for The identity cannot read the vault' }));
    expect(writeText).toHaveBeenCalledWith('kvcsi grant defectdojo cafehyna-prd');
    expect(await within(prd).findByRole('button', { name: 'Copy the fix for The identity cannot read the vault' })).toHaveTextContent('Copied');

    await userEvent.click(within(prd).getByRole('button', { name: /Workload snippet for defectdojo-secrets/ }));
    expect(within(prd).getByLabelText('Pod spec that mounts defectdojo-secrets')).toHaveTextContent('secretProviderClass: defectdojo-secrets');
  });

  it('puts a warning per unreadable source above the bindings, and still shows the rest', async () => {
    serve();
    await render();
    const warnings = await screen.findByRole('region', { name: 'Sources that could not be read' });
    expect(warnings).toHaveTextContent('cafehyna-prd: vault kv-cafehyna-prd could not be read (FORBIDDEN)');
    expect(warnings).toHaveTextContent('403 Forbidden');
    const firstCluster = screen.getByRole('region', { name: 'Cluster cafehyna-dev' });
    // DOCUMENT_POSITION_FOLLOWING: the cluster comes after the warnings.
    expect(warnings.compareDocumentPosition(firstCluster) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('shows the annotation to add when the entity names no app', async () => {
    const bindingsCalls = jest.fn();
    server.use(http.get(`${BASE}/bindings`, () => {
      bindingsCalls();
      return HttpResponse.json(bindings);
    }));
    await render(entityWith({ 'github.com/project-slug': 'org/defectdojo' }));
    expect(await screen.findByText(/Missing Annotation/i)).toBeInTheDocument();
    expect(screen.getAllByText(/kvcsi\.io\/app/).length).toBeGreaterThan(0);
    expect(bindingsCalls).not.toHaveBeenCalled();
  });

  it('says so when the app has no SecretProviderClass yet, and still offers a request', async () => {
    serve({ bindings: { ...bindings, items: [], errors: [] } });
    await render();
    expect(await screen.findByText('No SecretProviderClass of defectdojo on cafehyna-dev, cafehyna-prd')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Request a secret' })).toBeInTheDocument();
  });

  it('says the user may not see the bindings when the backend refuses (403)', async () => {
    server.use(http.get(`${BASE}/bindings`, () => HttpResponse.json(
      { error: { name: 'NotAllowedError', message: `kvcsi.bindings.read is not allowed on ${ENTITY_REF}` }, response: { statusCode: 403 } }, { status: 403 },
    )));
    await render();
    expect(await screen.findByText("You may not see this entity's Key Vault bindings")).toBeInTheDocument();
    expect(screen.getByText(`kvcsi.bindings.read is not allowed on ${ENTITY_REF} (403)`)).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: /^Cluster / })).not.toBeInTheDocument();
  });

  it('checks the request form with Key Vault rules before sending, then sends it', async () => {
    serve();
    const sent: unknown[] = [];
    server.use(http.post(`${BASE}/requests`, async ({ request: incoming }) => {
      sent.push(await incoming.json());
      return HttpResponse.json({ results: [{ status: 'pending', message: 'Request req-9 waits for approvers-prd', warnings: [], vault: 'kv-cafehyna-prd', secretName: 'smtp-password' }] }, { status: 201 });
    }));
    await render();
    await userEvent.click(await screen.findByRole('button', { name: 'Request a secret' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send request' }));
    expect(within(dialog).getByText('A secret name is required')).toBeInTheDocument();
    expect(within(dialog).getByText('Pick at least one cluster')).toBeInTheDocument();
    expect(within(dialog).getByText('Say why the app needs it')).toBeInTheDocument();

    await userEvent.type(within(dialog).getByRole('textbox', { name: /Secret name/ }), 'smtp_password');
    expect(within(dialog).getByText(/The name must be 1-127 letters, digits and dashes/)).toBeInTheDocument();
    expect(within(dialog).getByRole('textbox', { name: /Secret name/ })).toHaveAttribute('aria-invalid', 'true');
    expect(sent).toEqual([]);

    await userEvent.clear(within(dialog).getByRole('textbox', { name: /Secret name/ }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Secret name/ }), 'smtp-password');
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'cafehyna-prd' }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Justification/ }), 'mail for reports');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send request' }));

    expect(await screen.findByText('Request req-9 waits for approvers-prd')).toBeInTheDocument();
    expect(sent).toEqual([{ entityRef: ENTITY_REF, name: 'smtp-password', clusters: ['cafehyna-prd'], justification: 'mail for reports' }]);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('shows the backend refusal of a request inside the dialog', async () => {
    serve();
    server.use(http.post(`${BASE}/requests`, () => HttpResponse.json(
      { error: { name: 'NotAllowedError', message: `kvcsi.secret.request is not allowed on ${ENTITY_REF}` }, response: { statusCode: 403 } }, { status: 403 },
    )));
    await render();
    await userEvent.click(await screen.findByRole('button', { name: 'Request a secret' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Secret name/ }), 'smtp-password');
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'cafehyna-dev' }));
    await userEvent.type(within(dialog).getByRole('textbox', { name: /Justification/ }), 'mail');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Send request' }));
    expect(await within(dialog).findByText(`kvcsi.secret.request is not allowed on ${ENTITY_REF} (403)`)).toBeInTheDocument();
  });

  it("lists the entity's requests; Set value only on the user's own approved ones, sent once and never shown", async () => {
    serve({ requests: [
      request(),
      request({ id: 'req-2', requester: 'backstage:user:default/someone-else', secretName: 'api-key' }),
      request({ id: 'req-3', status: 'pending', secretName: 'queued', approvalRequired: true, approverGroup: 'approvers-prd', createdAt: '2026-11-28T00:05:00.000Z' }),
    ] });
    const values: unknown[] = [];
    server.use(http.post(`${BASE}/requests/:id/value`, async ({ request: incoming, params }) => {
      values.push({ id: params.id, body: await incoming.json() });
      return HttpResponse.json({ status: 'applied', message: 'smtp-password written to kv-cafehyna-dev', warnings: [], vault: 'kv-cafehyna-dev', secretName: 'smtp-password', version: 'v7' });
    }));
    await render();
    const requests = await screen.findByRole('region', { name: 'Secret requests' });
    expect(await within(requests).findByText('waiting for approvers-prd')).toBeInTheDocument();
    const setButtons = within(requests).getAllByRole('button', { name: /^Set the value of/ });
    expect(setButtons.map((button) => button.getAttribute('aria-label'))).toEqual(['Set the value of smtp-password on cafehyna-dev']);

    await userEvent.click(setButtons[0]!);
    const dialog = await screen.findByRole('dialog');
    const field = within(dialog).getByLabelText(/Secret value/);
    expect(field).toHaveAttribute('type', 'password');
    await userEvent.type(field, 'S3cr3t-value!');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save value' }));

    expect(await screen.findByText('smtp-password written to kv-cafehyna-dev')).toBeInTheDocument();
    expect(values).toEqual([{ id: 'req-1', body: { entityRef: ENTITY_REF, value: 'S3cr3t-value!' } }]);
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(document.body.innerHTML).not.toContain('S3cr3t-value!');
  });

  it("lists the app's open problems with their workload, cause and start, and the clusters left out", async () => {
    const HOUR = 3_600_000;
    const opened = new Date(Date.now() - 3 * HOUR).toISOString();
    serve({ problems: {
      items: [{
        cluster: 'cafehyna-prd', namespace: 'defectdojo', workload: 'Deployment/defectdojo', findingId: 'D2', title: 'The kubelet identity has no data-plane role', openedAt: opened,
        finding: { id: 'D2', severity: 'error', title: 'The kubelet identity has no data-plane role', summary: 'Key Vault answers 403 ForbiddenByRbac', evidence: [], cause: '403', fix: { commands: [], docs: [] }, confidence: 'high' },
      }],
      errors: [{ cluster: 'cafehyna-dev', source: 'kubernetes', name: 'cluster/cafehyna-dev', code: 'FORBIDDEN', message: 'the kvcsi policy does not let you read cafehyna-dev' }],
    } });
    await render();
    const section = await screen.findByRole('region', { name: 'Open problems' });
    const row = await within(section).findByRole('row', { name: /Deployment\/defectdojo/ });
    expect(within(row).getAllByRole('cell').map((cell) => cell.textContent)).toEqual([
      'cafehyna-prd', 'defectdojo', 'Deployment/defectdojo', 'The kubelet identity has no data-plane roleKey Vault answers 403 ForbiddenByRbac', `since 3 hours ago (${opened})`,
    ]);
    expect(section).toHaveTextContent('Not shown: cafehyna-dev (the kvcsi policy does not let you read cafehyna-dev)');
    expect(within(section).queryByText('No open problems')).not.toBeInTheDocument();
  });

  it('says "No open problems" for an app without any, and passes on the backend\'s note', async () => {
    serve({ problems: { note: 'kvcsi.store is not set' } });
    await render();
    const section = await screen.findByRole('region', { name: 'Open problems' });
    expect(await within(section).findByText('No open problems')).toBeInTheDocument();
    expect(section).toHaveTextContent('kvcsi.store is not set');
    expect(within(section).queryByRole('table')).not.toBeInTheDocument();
  });

  it('diagnoses a pod that mounts the app', async () => {
    serve();
    let asked: unknown;
    server.use(http.post(`${BASE}/diagnose`, async ({ request: incoming }) => {
      asked = await incoming.json();
      return HttpResponse.json({ entityRef: ENTITY_REF, app: 'defectdojo', cluster: 'cafehyna-dev', findings: [], unknowns: [{ source: 'driver logs', reason: 'not readable' }] });
    }));
    await render();
    await userEvent.click(await screen.findByRole('button', { name: 'Diagnose pod defectdojo/defectdojo-7d9f-abcde' }));
    const result = await screen.findByRole('region', { name: 'Diagnosis of defectdojo/defectdojo-7d9f-abcde' });
    expect(result).toHaveTextContent('No problem found');
    expect(result).toHaveTextContent('Not checked: driver logs — not readable');
    expect(asked).toEqual({ entityRef: ENTITY_REF, cluster: 'cafehyna-dev', pod: 'defectdojo/defectdojo-7d9f-abcde' });
  });
});

describe('relativeTime', () => {
  it('says how long ago a problem started, in the largest whole unit', () => {
    const now = Date.parse('2026-12-05T12:00:00.000Z');
    expect(relativeTime(now - 20_000, now)).toBe('less than a minute ago');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 minutes ago');
    expect(relativeTime(now - 3 * 3_600_000, now)).toBe('3 hours ago');
    expect(relativeTime(now - 25 * 3_600_000, now)).toBe('yesterday');
    expect(relativeTime(now - 4 * 86_400_000, now)).toBe('4 days ago');
  });
});
