import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { entityWith } from './testing/fixtures.js';
import kvcsiPlugin, { kvcsiEntityContent } from './alpha.js';

describe('/alpha (new frontend system)', () => {
  it('offers the API and the entity content, under the kvcsi plugin id', () => {
    expect(kvcsiPlugin.getExtension('api:kvcsi')).toBeDefined();
    expect(kvcsiPlugin.getExtension('entity-content:kvcsi')).toBeDefined();
  });

  it('mounts a "Key Vault" tab on key-vault, only for entities that name an app', () => {
    const tester = createExtensionTester(kvcsiEntityContent);
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Key Vault');
    expect(tester.get(coreExtensionData.routePath)).toBe('key-vault');
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(typeof filter).toBe('function');
    expect(filter(entityWith({ 'kvcsi.io/app': 'defectdojo' }))).toBe(true);
    expect(filter(entityWith({ 'backstage.io/kubernetes-id': 'grafana' }))).toBe(true);
    expect(filter(entityWith({ 'kvcsi.io/app': '  ' }))).toBe(false);
    expect(filter(entityWith({}))).toBe(false);
  });
});
