// Issue 19: the shipped example had no `policy:` or `slack:` section while the READMEs show both. It now carries
// them (commented out, so the front ends keep their own defaults); uncommented, the file must still load.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPolicy } from '../policy/policy.js';
import { parseRegistryConfig } from './load.js';

const EXAMPLE = path.join(__dirname, '../../config/kvcsi.example.yaml');

describe('the shipped example configuration', () => {
  it('shows a policy: and a slack: section that load when uncommented', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    expect(text).toMatch(/^#policy:/m);
    expect(text).toMatch(/^#slack:/m);
    const uncommented = text.replace(/^#(policy:|slack:| {2})/gm, '$1');
    const registry = parseRegistryConfig(uncommented, 'kvcsi.example.yaml (uncommented)');
    expect(registry.policy).toBeDefined();
    const policy = createPolicy(registry.policy!);
    expect(policy.decide('slack:U0RITA', 'grant', 'dev').allowed).toBe(true);
    expect(policy.decide('slack:U0RITA', 'grant', 'prd')).toMatchObject({ allowed: true, approvalRequired: true, approverGroup: 'approvers-prd' });
    // As shipped (commented), the example names no policy: the front ends keep their own.
    expect(parseRegistryConfig(text, 'kvcsi.example.yaml').policy).toBeUndefined();
  });
});
