import type { Finding } from '@kvcsi/core';
import { toFindingDto } from './dto.js';

const finding = (overrides: Partial<Finding>): Finding => ({
  id: 'K3', severity: 'error', title: 'A container reads a Secret that does not exist', summary: 'secret "x" not found', evidence: ['event Failed'],
  cause: 'the Secret is synced only after a successful mount', fix: { commands: [], docs: [] }, confidence: 'confirmed', ...overrides,
} as Finding);

describe('toFindingDto', () => {
  it('carries causedBy and earlier, so the Key Vault tab folds consequences under their cause', () => {
    expect(toFindingDto(finding({ causedBy: 'F2' }))).toMatchObject({ id: 'K3', causedBy: 'F2' });
    expect(toFindingDto(finding({ id: 'A2', earlier: true }))).toMatchObject({ id: 'A2', earlier: true });
  });

  it('leaves both out of a root cause that is happening now', () => {
    const dto = toFindingDto(finding({ id: 'F2' }));
    expect(dto).not.toHaveProperty('causedBy');
    expect(dto).not.toHaveProperty('earlier');
  });
});
