/**
 * The built plugin (dist/, made by `npm run build`) loaded the way Photoshop loads it — index.html's scripts in
 * order, in a realm with UXP's limits (no Worker, no SharedArrayBuffer, no dynamic import(), `require` only for
 * photoshop/uxp/fs/os) — against the in-memory Photoshop: the panel mounts, the user clicks Restore, and a face
 * group appears. Run twice: with shared WebAssembly memory (onnxruntime-web 1.30) and without (the 1.18 fallback).
 * This is as close as we get to proving the wasm configuration without Photoshop.
 */
import * as fs from 'fs';
import * as path from 'path';
import { JSDOM } from 'jsdom';
import type { PsImageData, PsImaging, PsModules, UxpFs } from '../src/host/photoshop/ps-api';
import { createFakePhotoshop } from './fakes/photoshop-fake';
import { digest, loadPhoto, makeDataDir, openPhotoAsBackground } from './helpers/photoshop-harness';
import { sharedModel } from './helpers/shared';
import { createUxpSandbox, type UxpSandbox } from './helpers/uxp-sandbox';

const DIST = path.resolve(__dirname, '..', 'dist');
type Typed = Uint8Array | Uint16Array | Float32Array;
type Realm = Record<'Uint8Array' | 'Uint16Array' | 'Float32Array', new (n: number) => Typed> & { ArrayBuffer: ArrayBufferConstructor };

/** Copies a typed array into the realm whose constructors are given (the fake and the bundle live in different realms). */
function into(realm: Realm, data: Typed): Typed {
  const Ctor = realm[data.constructor.name as keyof Realm] as new (n: number) => Typed;
  const out = new Ctor(data.length);
  out.set(data);
  return out;
}

const NODE_REALM = { Uint8Array, Uint16Array, Float32Array, ArrayBuffer } as unknown as Realm;

/**
 * In Photoshop the host's buffers belong to the plugin's realm; here the fake is Node code. This wraps the two calls
 * that hand typed arrays across so each side sees its own realm's arrays (`instanceof` works as in UXP).
 */
function acrossRealms(modules: PsModules, sandbox: () => UxpSandbox): PsModules {
  let cached: Realm | undefined;
  // The realm's own constructors (builtins are not properties of the contextified object seen from outside).
  const realm = (): Realm => (cached ??= sandbox().runScript('({ Uint8Array, Uint16Array, Float32Array, ArrayBuffer })', 'realm.js') as Realm);
  const wrapData = (d: PsImageData): PsImageData =>
    Object.assign(Object.create(d) as PsImageData, { getData: async (o?: object) => into(realm(), await d.getData(o)), dispose: () => d.dispose() });
  const imaging: PsImaging = {
    ...modules.imaging,
    getPixels: async (o) => {
      const r = await modules.imaging.getPixels(o);
      return { ...r, imageData: wrapData(r.imageData) };
    },
    createImageDataFromBuffer: (data, o) => modules.imaging.createImageDataFromBuffer(into(NODE_REALM, data), o),
  };
  const fsAcross: UxpFs = {
    ...modules.fs,
    readFile: async (p) => into(realm(), new Uint8Array(await modules.fs.readFile(p))).buffer as ArrayBuffer,
  };
  return { ...modules, imaging, fs: fsAcross };
}

/** The scripts index.html loads, in order. */
function indexScripts(): string[] {
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  return [...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]);
}

async function waitFor(what: string, check: () => boolean, ms = 240_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each([
  ['with shared WebAssembly memory', true, 'onnxruntime-web 1.30'],
  ['without shared WebAssembly memory', false, 'onnxruntime-web 1.18'],
])('the built plugin %s', (_name, isSharedMemoryAvailable, runtimeWords) => {
  it('mounts the panel and restores the active layer into a face group with one click', async () => {
    expect(indexScripts()).toEqual(['vendor/ort-legacy/ort.wasm-core.min.js', 'index.js']);
    // Import .onnx… picks the shared unsharp model: the bundled model manager (SHA-256, fd writes) runs in the realm too.
    const fake = createFakePhotoshop({ pluginDir: DIST, dataDir: makeDataDir(), pickFile: () => sharedModel('restore/unsharp-512.onnx') });
    const photo = await loadPhoto('gfpgan_whole_00.jpg');
    const doc = openPhotoAsBackground(fake, photo);
    const before = digest(fake.snapshot(doc));

    const dom = new JSDOM('<!doctype html><html><head></head><body><div id="app"></div></body></html>');
    const box: { sandbox?: UxpSandbox } = {};
    const across = acrossRealms(fake.modules, () => box.sandbox!);
    const modules = { photoshop: { app: across.app, core: across.core, imaging: across.imaging, action: across.action }, uxp: across.uxp, fs: across.fs, os: {} };
    const sandbox = createUxpSandbox({ isSharedMemoryAvailable, modules, window: dom.window });
    box.sandbox = sandbox;
    for (const src of indexScripts()) sandbox.runScript(fs.readFileSync(path.join(DIST, src), 'utf8'), src);

    const panels = fake.registeredPanels();
    expect(Object.keys(panels ?? {})).toEqual(['facerestore.panel']);
    await panels!['facerestore.panel'].create!(dom.window.document.body);

    const document = dom.window.document;
    const restore = (): Element | null => document.querySelector('sp-button.fr-restore');
    const status = (): string => document.querySelector('.fr-status')?.textContent?.trim() ?? '';
    await waitFor('the panel to be ready', () => restore() !== null && !restore()!.hasAttribute('disabled'));
    expect(status()).toContain(runtimeWords);

    (restore() as HTMLElement).click();
    await waitFor('the restore to finish', () => /Restored|error|Cancelled/i.test(status()) && !restore()!.hasAttribute('disabled'));
    expect(status()).toContain('Restored 2 faces into the group “Restored faces (identity-512)” above “Background”');

    const layers = Array.from(doc.layers);
    expect(layers.map((l) => l.name)).toEqual(['Restored faces (identity-512)', 'Background']);
    expect(Array.from(layers[0].layers ?? []).map((l) => l.name)).toEqual(['Face 2', 'Face 1']);
    for (const face of Array.from(layers[0].layers ?? [])) expect(fake.layerMask(face.id)).not.toBeNull();
    expect(fake.history(doc)).toEqual(['Open', 'Restore Faces']);
    const sourceOf = (s: unknown) => (s as { layers: { name: string }[] }).layers.find((l) => l.name === 'Background');
    expect(sourceOf(digest(fake.snapshot(doc)))).toEqual(sourceOf(before));
    expect(fake.liveImageData()).toBe(0);
    expect(document.querySelectorAll('fr-face-list img')).toHaveLength(2);

    (document.querySelector('fr-models .fr-models-toggle') as HTMLElement).click();
    await waitFor('the Models section to open', () => document.querySelector('fr-models .fr-models-import') !== null);
    (document.querySelector('fr-models .fr-models-import') as HTMLElement).click();
    await waitFor('the import to finish', () => /Imported|Not imported/.test(status()));
    expect(status()).toBe('Imported unsharp-512.onnx as the restore model “unsharp-512”.');
    expect([...document.querySelectorAll('sp-dropdown.fr-model sp-menu-item')].map((i) => i.textContent?.trim())).toEqual(['identity-512', 'unsharp-512']);
    expect(sandbox.fetched).toEqual([]);
    expect(sandbox.logs.filter((l) => l.startsWith('error'))).toEqual([]);
  });
});
