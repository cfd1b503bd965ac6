/** The dev app: the kvcsi plugin (new frontend system) on a minimal catalog, talking to the dev backend through dev/start.js. */
import '@backstage/ui/css/styles.css';
import { createApp } from '@backstage/frontend-defaults';
import { createRoot } from 'react-dom/client';
import kvcsiPlugin from '../src/alpha.js';
import { devCatalogPlugin } from './DevCatalog.js';

const app = createApp({ features: [devCatalogPlugin, kvcsiPlugin] });
createRoot(document.getElementById('root')!).render(app.createRoot());
