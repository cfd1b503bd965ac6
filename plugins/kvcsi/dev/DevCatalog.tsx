/**
 * A small stand-in for the catalog plugin in the dev app: the catalog API over the dev backend, a list of its components
 * and an entity page that hosts every EntityContentBlueprint attached to `page:catalog/entity` (honouring their path,
 * title and filter), as the real catalog plugin does. (@backstage/plugin-catalog 2.1 needs Node 22 through
 * @backstage/plugin-scaffolder-common → nunjitsu, and this repository runs on Node 20.)
 */
import { CatalogClient } from '@backstage/catalog-client';
import { stringifyEntityRef, type Entity } from '@backstage/catalog-model';
import {
  ApiBlueprint, coreExtensionData, createExtensionInput, createFrontendPlugin, discoveryApiRef, fetchApiRef, PageBlueprint, useApi,
} from '@backstage/frontend-plugin-api';
import { catalogApiRef, EntityProvider } from '@backstage/plugin-catalog-react';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { Alert, Flex, Link, Text } from '@backstage/ui';
import { useEffect, useState, type JSX } from 'react';
import { NavLink, Navigate, Route, Routes, useParams } from 'react-router-dom';

interface Content {
  path: string;
  title: string;
  filter?: (entity: Entity) => boolean;
  element: JSX.Element;
}

function useLoaded<T>(load: () => Promise<T>, key: string): { value?: T; error?: Error } {
  const [state, setState] = useState<{ value?: T; error?: Error }>({});
  useEffect(() => {
    let live = true;
    load().then((value) => live && setState({ value }), (error: Error) => live && setState({ error }));
    return () => { live = false; };
    // Reloads when the key changes only.
  }, [key]);
  return state;
}

function EntityPage(props: { contents: Content[] }) {
  const { namespace = 'default', kind = 'component', name = '' } = useParams();
  const catalogApi = useApi(catalogApiRef);
  const { value: entity, error } = useLoaded(() => catalogApi.getEntityByRef({ kind, namespace, name }), `${kind}:${namespace}/${name}`);
  if (error) return <Alert status="danger" title="The entity could not be read" description={error.message} />;
  if (entity === undefined) return <Text>Loading {kind}:{namespace}/{name}…</Text>;
  const tabs = props.contents.filter((content) => !content.filter || content.filter(entity));
  return (
    <EntityProvider entity={entity}>
      <Flex direction="column" gap="3" style={{ padding: 24 }}>
        <Text as="h1" variant="title-large">{entity.metadata.title ?? entity.metadata.name}</Text>
        <Text color="secondary">{stringifyEntityRef(entity)}</Text>
        <nav aria-label="Entity tabs">
          <Flex gap="3">{tabs.map((tab) => <NavLink key={tab.path} to={tab.path}>{tab.title}</NavLink>)}</Flex>
        </nav>
        <Routes>
          {tabs.map((tab) => <Route key={tab.path} path={`${tab.path}/*`} element={tab.element} />)}
          {tabs[0] ? <Route path="*" element={<Navigate to={tabs[0].path} replace />} /> : null}
        </Routes>
      </Flex>
    </EntityProvider>
  );
}

function CatalogIndex() {
  const catalogApi = useApi(catalogApiRef);
  const { value, error } = useLoaded(() => catalogApi.getEntities({ filter: { kind: 'Component' } }), 'components');
  if (error) return <Alert status="danger" title="The catalog could not be read" description={error.message} />;
  return (
    <Flex direction="column" gap="2" style={{ padding: 24 }}>
      <Text as="h1" variant="title-large">Components</Text>
      <ul>
        {(value?.items ?? []).map((entity) => (
          <li key={entity.metadata.name}>
            <Link href={`/catalog/${entity.metadata.namespace ?? 'default'}/component/${entity.metadata.name}`}>{entity.metadata.name}</Link>
          </li>
        ))}
      </ul>
    </Flex>
  );
}

const catalogApi = ApiBlueprint.make({
  params: (defineParams) => defineParams({
    api: catalogApiRef,
    deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
    factory: ({ discoveryApi, fetchApi }) => new CatalogClient({ discoveryApi, fetchApi }),
  }),
});

const entityPage = PageBlueprint.makeWithOverrides({
  name: 'entity',
  inputs: {
    contents: createExtensionInput([
      coreExtensionData.reactElement, coreExtensionData.routePath, EntityContentBlueprint.dataRefs.title,
      EntityContentBlueprint.dataRefs.filterFunction.optional(),
    ]),
  },
  factory(originalFactory, { inputs }) {
    const contents: Content[] = inputs.contents.map((input) => {
      const filter = input.get(EntityContentBlueprint.dataRefs.filterFunction);
      return {
        path: input.get(coreExtensionData.routePath).replace(/^\//, ''),
        title: input.get(EntityContentBlueprint.dataRefs.title),
        element: input.get(coreExtensionData.reactElement),
        ...(filter ? { filter } : {}),
      };
    });
    return originalFactory({ path: '/catalog/:namespace/:kind/:name', loader: async () => <EntityPage contents={contents} /> });
  },
});

const indexPage = PageBlueprint.make({ params: { path: '/catalog', title: 'Catalog', loader: async () => <CatalogIndex /> } });

export const devCatalogPlugin = createFrontendPlugin({ pluginId: 'catalog', extensions: [catalogApi, entityPage, indexPage] });
