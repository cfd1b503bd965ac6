/**
 * The dev app: the real catalog plugin (its entity page hosts the Key Vault tab as in an adopter's app) and the kvcsi
 * plugin, new frontend system, talking to the dev backend through dev/start.js.
 */
import '@backstage/ui/css/styles.css';
import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { createRoot } from 'react-dom/client';
import kvcsiPlugin from '../src/alpha.js';

const app = createApp({ features: [catalogPlugin, kvcsiPlugin] });
createRoot(document.getElementById('root')!).render(app.createRoot());
