import { SIGNATURES } from './catalogue.js';
import { SIGNATURE_FIXTURES } from './catalogue.test.fixtures.js';
import { classifyText } from './classify.js';
import { innermostSegment } from './fields.js';
import { splitRecords } from './records.js';

/** Pairs where a record legitimately carries two causes (rotation wraps a provider error). */
const ALSO_ALLOWED: Record<string, string[]> = { G1: ['D1'] };

describe('classifyText: every catalogue signature in each era', () => {
  it.each(SIGNATURE_FIXTURES.map((fixture) => [fixture.id, fixture.era, fixture] as const))('%s (%s)', (id, _era, fixture) => {
    const matches = classifyText(fixture.text);
    const ids = matches.map((match) => match.id);
    expect(ids).toContain(id);
    const match = matches.find((candidate) => candidate.id === id)!;
    for (const [key, value] of Object.entries(fixture.fields ?? {})) {
      expect([key, match.fields[key as keyof typeof match.fields]]).toEqual([key, value]);
    }
    // No other specific signature claims the same text.
    const others = matches.filter((candidate) => candidate.id !== id && candidate.specificity >= match.specificity && !(ALSO_ALLOWED[id] ?? []).includes(candidate.id));
    expect(others.map((other) => other.id)).toEqual([]);
  });

  it('has a fixture for every signature', () => {
    const covered = new Set(SIGNATURE_FIXTURES.map((fixture) => fixture.id));
    expect(SIGNATURES.map((signature) => signature.id).filter((id) => !covered.has(id))).toEqual([]);
  });
});

describe('classifyText: input shapes', () => {
  it('reads every FailedMount of kubectl describe, not only the latest, with spans into the input', () => {
    const describe = [
      'Events:',
      '  Type     Reason       Age                  From               Message',
      '  ----     ------       ----                 ----               -------',
      '  Normal   Scheduled    10m                  default-scheduler  Successfully assigned defectdojo/dd-0 to aks-node-1',
      '  Warning  FailedMount  3m (x5 over 9m)      kubelet            MountVolume.SetUp failed for volume "secrets-store-inline" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod defectdojo/dd-0, err: rpc error: code = Unknown desc = failed to mount objects, error: failed to get objectType:secret, objectName:db-password, objectVersion:: keyvault.BaseClient#GetSecret: Failure responding to request: StatusCode=403 -- Original Error: autorest/azure: Service returned an error. Status=403 Code="Forbidden" Message="x" InnerError={"code":"AccessDenied"}',
      '  Warning  FailedMount  1m (x2 over 7m)      kubelet            Unable to attach or mount volumes: unmounted volumes=[secrets-store-inline], unattached volumes=[kube-api-access-x secrets-store-inline]: timed out waiting for the condition',
    ].join('\n');
    const matches = classifyText(describe);
    expect(matches.map((match) => match.id)).toEqual(['D1', 'A6']);
    const d1 = matches[0]!;
    // A hit on the service fields spans the whole record.
    expect(describe.slice(d1.span.start, d1.span.end)).toMatch(/^ {2}Warning {2}FailedMount .*AccessDenied"\}$/);
    expect(d1.line).toBe(5);
    expect(matches[1]!.generic).toBe(true);
  });

  it('maps spans through un-escaping back to the original text', () => {
    const text = 'I0611 x] err="provider not found: provider \\"azure\\""';
    const [match] = classifyText(text);
    expect(match?.id).toBe('A4');
    expect(text.slice(match!.span.start, match!.span.end)).toBe('provider not found: provider \\"azure\\"');
  });

  it('keeps a multi-line azcore error in one record and splits on blank lines', () => {
    const fixture = SIGNATURE_FIXTURES.find((candidate) => candidate.id === 'D7' && candidate.era === 'azcore')!;
    expect(splitRecords(fixture.text)).toHaveLength(1);
    expect(splitRecords(`${fixture.text}\n\nsecond record`)).toHaveLength(2);
  });

  it('redacts the excerpt', () => {
    const [match] = classifyText('MountVolume.SetUp failed for volume "v" : rpc error: code = Unknown desc = odd {"token":"eyJabcdef.eyJabcdef.sig"}');
    expect(match?.id).toBe('K6');
    expect(match?.excerpt).not.toContain('eyJabcdef');
  });

  it('finds the innermost segment behind every wrapper', () => {
    expect(innermostSegment('MountVolume.SetUp failed for volume "v" : rpc error: code = Unknown desc = failed to mount secrets store objects for pod a/b, err: rpc error: code = Unknown desc = failed to mount objects, error: keyvaultName is not provided')).toBe('keyvaultName is not provided');
  });

  it('returns nothing for healthy text', () => {
    expect(classifyText('Normal  Pulled  1m  kubelet  Successfully pulled image "nginx"\nNormal  Started  1m  kubelet  Started container app')).toEqual([]);
  });
});
