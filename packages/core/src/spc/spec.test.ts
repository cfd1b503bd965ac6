import { KvcsiError } from '../errors.js';
import { bindingSpecFromInputs } from './spec.js';
import { exampleRegistry } from './test-support.js';

const cluster = exampleRegistry().get('cafehyna-dev');

function failure(run: () => unknown): KvcsiError {
  try {
    run();
  } catch (error) {
    if (error instanceof KvcsiError) return error;
    throw error;
  }
  throw new Error('expected a KvcsiError');
}

describe('bindingSpecFromInputs', () => {
  it('parses --secret name=alias and --cert, and uses the cluster identity mode by default', () => {
    const spec = bindingSpecFromInputs({ app: 'a', namespace: 'n', cluster, secrets: ['s1=file1', 's2'], certs: ['c1=c1.pem'] });
    expect(spec.objects).toEqual([
      { name: 's1', type: 'secret', alias: 'file1' },
      { name: 's2', type: 'secret' },
      { name: 'c1', type: 'cert', alias: 'c1.pem' },
    ]);
    expect(spec.identityMode).toBe('vmManagedIdentity');
    expect(spec.secretObjects).toBeUndefined();
  });

  it('syncs the remaining secrets into a bare --sync-to and named files into --sync-to name=files', () => {
    const spec = bindingSpecFromInputs({ app: 'a', namespace: 'n', cluster, secrets: ['s1=f1', 's2', 's3'], syncTo: ['rest', 'one=s1'] });
    expect(spec.secretObjects).toEqual([
      { secretName: 'rest', type: 'Opaque', data: [{ objectName: 's2', key: 's2' }, { objectName: 's3', key: 's3' }] },
      { secretName: 'one', type: 'Opaque', data: [{ objectName: 'f1', key: 'f1' }] },
    ]);
  });

  it('turns --workload-identity on', () => {
    expect(bindingSpecFromInputs({ app: 'a', namespace: 'n', cluster, secrets: ['s'], workloadIdentity: true }).identityMode).toBe('workloadIdentity');
  });

  it.each([
    [{ secrets: ['bad_name'] }, '--secret'],
    [{ secrets: ['ok=/abs'] }, '--secret'],
    [{ certs: ['ok=a/../b'] }, '--cert'],
    [{ secrets: ['s'], syncTo: ['Bad'] }, '--sync-to'],
    [{ secrets: ['s'], syncTo: ['x=unknown'] }, '--sync-to'],
    [{ tls: ['bad.name'] }, '--tls'],
    [{}, '--secret'],
  ])('rejects %j naming the flag', (inputs, field) => {
    const error = failure(() => bindingSpecFromInputs({ app: 'a', namespace: 'n', cluster, ...inputs }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.field).toBe(field);
    expect(error.rule).toEqual(expect.any(String));
  });
});
