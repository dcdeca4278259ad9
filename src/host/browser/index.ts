/**
 * The web page's entry (webpack bundles it into dist/web/app.js, loaded by dist/web/index.html): the Spectrum widget
 * stand-ins, the runtime this page can have (threads when cross-origin isolated), the model manager over the
 * browser's storage, and the page's controller, mounted into #app.
 */
import { mountWebApp } from '../../../ui/web-index';
import { parseCatalog, type Catalog } from '../../core/catalog';
import { bundledCatalog } from '../panel/bundled-catalog';
import { createBrowserModelHost } from './browser-model-host';
import { decodeImageFile, encodePng } from './image-files';
import { createBrowserRuntime, planThreads } from './ort';
import { pickModelFile, saveBlob, thumbnailUrl } from './page-files';
import { defineSpectrumWidgets } from './spectrum-widgets';
import { createWebController, type WebAppController } from './web-controller';
import { createServerFetch } from '../panel/fetch-transport';

declare global {
  interface Window {
    /** The page's controller, for scripted use (tests, benchmarks) from the devtools console. */
    faceRestore?: WebAppController;
  }
}

/**
 * The catalog the page's server offers (`npm run demo -- --models-dir` adds same-origin sources for the models it
 * holds), else the one bundled with the page (a server that has none, or an unreadable one).
 */
async function loadCatalog(): Promise<Catalog> {
  try {
    const response = await fetch('models/catalog.json', { cache: 'no-cache' });
    if (response.ok) return parseCatalog(await response.json());
  } catch {
    // Not served by the demo server, or not JSON: the bundled catalog is the same, minus local sources.
  }
  return bundledCatalog();
}


async function start(): Promise<void> {
  defineSpectrumWidgets();
  const params = new URLSearchParams(location.search);
  const requested = params.has('threads') ? Number(params.get('threads')) : undefined;
  const runtime = planThreads({ isCrossOriginIsolated: self.crossOriginIsolated === true, hardwareConcurrency: navigator.hardwareConcurrency, ...(requested === undefined ? {} : { requested }) });
  const vendorUrl = new URL('vendor/', document.baseURI).href;
  const controller = createWebController({
    catalog: await loadCatalog(),
    modelHost: createBrowserModelHost(),
    createRuntime: async () => createBrowserRuntime({ vendorUrl, threads: runtime.threads }),
    runtime,
    files: { decode: decodeImageFile, encodePng, thumbnailUrl, save: saveBlob, pickModelFile },
    servers: { fetch: createServerFetch((u, i) => fetch(u, i)), settings: window.localStorage, secrets: window.sessionStorage, pageOrigin: location.origin },
  });
  window.faceRestore = controller;
  const root = document.getElementById('app');
  if (!root) throw new Error('index.html has no #app');
  mountWebApp(root, controller);
}

/**
 * The service worker (sw.js) keeps the page and its runtime cached, so it opens and runs offline once loaded. Where it
 * cannot register (a plain-http host other than this computer, a private window), the page works online as before.
 */
function keepForOffline(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('sw.js').catch(() => undefined);
}

keepForOffline();
void start();
