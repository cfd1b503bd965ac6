import { isKvcsiAvailable } from '@kvcsi/backstage-plugin-common';
import { EntityKvcsiContent, isKvcsiAvailable as exported, kvcsiApiRef, kvcsiPlugin } from './index.js';

describe('legacy exports', () => {
  it('are the plugin with its API factory, the tab component and the shared predicate', () => {
    expect(kvcsiPlugin.getId()).toBe('kvcsi');
    expect([...kvcsiPlugin.getApis()].map((factory) => factory.api.id)).toEqual([kvcsiApiRef.id]);
    expect(typeof EntityKvcsiContent).toBe('function');
    expect(exported).toBe(isKvcsiAvailable);
  });
});
