/**
 * The web page's entry (webpack bundles it into dist/web/app.js, loaded by dist/web/index.html): the Spectrum widget
 * stand-ins, the runtime this page can have (threads when cross-origin isolated), the model manager over the
 * browser's storage, and the page's controller, mounted into #app.
 */
import { mountWebApp } from '../../../ui/web-index';
import { bundledCatalog } from '../panel/bundled-catalog';
import { createBrowserModelHost } from './browser-model-host';
import { decodeImageFile, encodePng } from './image-files';
import { createBrowserRuntime, planThreads } from './ort';
import { pickModelFile, saveBlob, thumbnailUrl } from './page-files';
import { defineSpectrumWidgets } from './spectrum-widgets';
import { createWebController, type WebAppController } from './web-controller';

declare global {
  interface Window {
    /** The page's controller, for scripted use (tests, benchmarks) from the devtools console. */
    faceRestore?: WebAppController;
  }
}

function start(): void {
  defineSpectrumWidgets();
  const params = new URLSearchParams(location.search);
  const requested = params.has('threads') ? Number(params.get('threads')) : undefined;
  const runtime = planThreads({ isCrossOriginIsolated: self.crossOriginIsolated === true, hardwareConcurrency: navigator.hardwareConcurrency, ...(requested === undefined ? {} : { requested }) });
  const vendorUrl = new URL('vendor/', document.baseURI).href;
  const controller = createWebController({
    catalog: bundledCatalog(),
    modelHost: createBrowserModelHost(),
    createRuntime: async () => createBrowserRuntime({ vendorUrl, threads: runtime.threads }),
    runtime,
    files: { decode: decodeImageFile, encodePng, thumbnailUrl, save: saveBlob, pickModelFile },
  });
  window.faceRestore = controller;
  const root = document.getElementById('app');
  if (!root) throw new Error('index.html has no #app');
  mountWebApp(root, controller);
}

start();
