/**
 * The plugin's entry (webpack bundles this into dist/index.js, loaded by dist/index.html). Registers the panel at
 * once, as UXP expects (late `entrypoints.setup` calls may throw, PS-57605), then builds everything lazily on the
 * panel's `create`: the start-up WebAssembly probe, the runtime it picks, the controller, and the Lit panel.
 */
import { mountPanel } from '../../../ui/index';
import { createUxpRuntime } from './ort-runtime';
import { loadPsModules } from './photoshop';
import { createRestoreController, type RestoreController } from './restore-controller';
import { createServerFetch } from '../panel/fetch-transport';
import type { FetchLike } from './uxp-model-host';
import { describeWasmProbe, probeWasm } from './wasm-probe';

const PANEL_ID = 'facerestore.panel';

const ps = loadPsModules();
const windowFetch: FetchLike = (url, init) => fetch(url, init);
let controller: RestoreController | undefined;
let unmount: (() => void) | undefined;

function start(root: HTMLElement): void {
  if (controller) return;
  const probe = probeWasm(globalThis);
  const runtimeCheck = describeWasmProbe(probe);
  const readPluginFile = async (relativePath: string): Promise<Uint8Array> => new Uint8Array(await ps.fs.readFile(`plugin:/${relativePath}`));
  controller = createRestoreController({
    ps,
    runtimeCheck,
    createRuntime: async () => createUxpRuntime({ readPluginFile, probe, legacyOrt: () => (globalThis as { ort?: unknown }).ort }),
    // UXP's window.fetch (DOCS Global Members/Data Transfers/fetch.md), for model downloads; the manifest lists the hosts.
    models: { ...(typeof fetch === 'function' ? { fetch: windowFetch } : {}) },
    servers: { ...(typeof fetch === 'function' ? { fetch: createServerFetch((u, i) => fetch(u, i)) } : {}) },
  });
  unmount = mountPanel(root, controller);
}

function panelRoot(rootNode: unknown): HTMLElement {
  // With an HTML `main`, the panel shows index.html's body; #app is where the panel goes.
  return document.getElementById('app') ?? (rootNode as HTMLElement);
}

ps.uxp.entrypoints.setup({
  panels: {
    [PANEL_ID]: {
      create(rootNode) {
        start(panelRoot(rootNode));
      },
      show(rootNode) {
        start(panelRoot(rootNode));
      },
      async destroy() {
        unmount?.();
        unmount = undefined;
        const c = controller;
        controller = undefined;
        await c?.dispose();
      },
    },
  },
});
