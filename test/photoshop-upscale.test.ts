/**
 * ×2/×4 in the Photoshop panel against the in-memory Photoshop, with the real Real-ESRGAN model and real photos:
 * the document is enlarged, the upsampler's result of the source layer becomes "Background (<model>)" under the
 * faces group, the faces sit at the new scale, all as one history step; a long run asks first with an estimate,
 * and a cancel puts back the original size and layers.
 */
import { createRestorer, createUpsampler, type PixelImage } from '../src/core';
import { createNodeRuntime } from '../src/host/node/ort';
import { bundledCatalog } from '../src/host/panel/bundled-catalog';
import type { PsDocument, PsLayer } from '../src/host/photoshop/ps-api';
import { PLUGIN_TILE } from '../src/host/photoshop/write-background';
import { sharedModel } from './helpers/shared';
import { digest, loadPhoto, makeHarness, MODEL_FILES, openPhotoAsBackground, type Harness, type Photo } from './helpers/photoshop-harness';

const UPSCALER = 'upscale/realesr-general-x4v3.onnx';
/** The catalog's name for it, which the panel shows and names the layer after. */
const X4V3_NAME = bundledCatalog().models.find((m) => m.id === 'realesr-general-x4v3')!.name;
const WITH_UPSCALER = [...MODEL_FILES, UPSCALER];
const PHOTO = 'gfpgan_whole_Blake_Lively.jpg';

const topLevel = (doc: PsDocument): PsLayer[] => Array.from(doc.layers);

async function settle(h: Harness): Promise<void> {
  for (let i = 0; i < 2000 && (!['idle', 'confirming'].includes(h.controller.state.phase) || h.fake.isModal()); i++) await new Promise((r) => setTimeout(r, 5));
}

const asImage = (photo: Photo): PixelImage => ({ width: photo.width, height: photo.height, channels: photo.channels, data: photo.data, maxValue: 255 });

describe('Restore ×2 with Real-ESRGAN (8-bit RGB Background layer)', () => {
  let h: Harness;
  let photo: Photo;
  let doc: PsDocument;
  let expected: PixelImage;
  let before: ReturnType<Harness['fake']['snapshot']>;

  beforeAll(async () => {
    h = await makeHarness({ modelFiles: WITH_UPSCALER });
    photo = await loadPhoto(PHOTO);
    doc = openPhotoAsBackground(h.fake, photo);
    before = h.fake.snapshot(doc);
    const up = createUpsampler({ runtime: createNodeRuntime(), source: { label: 'x4v3', location: sharedModel(UPSCALER) } });
    try {
      expected = await up.upscale(asImage(photo), { scale: 2, tile: PLUGIN_TILE });
    } finally {
      await up.dispose();
    }
    h.controller.setModel('identity-512.onnx');
    h.controller.setUpscale('2');
    await h.controller.restore();
  }, 120_000);
  afterAll(() => h.controller.dispose());

  it('offers the installed upsampler and reports what it did', () => {
    // A catalog model: offered under its catalog name.
    expect(h.controller.state.upscalers).toEqual([{ id: 'realesr-general-x4v3.onnx', label: X4V3_NAME }]);
    expect(h.controller.state.status.kind).toBe('success');
    expect(h.controller.state.status.text).toContain(`The document is now ×2, with “Background (${X4V3_NAME})” above the source.`);
  });

  it('enlarges the document ×2 and stacks faces group › upscaled layer › source', () => {
    expect([doc.width, doc.height]).toEqual([photo.width * 2, photo.height * 2]);
    expect(topLevel(doc).map((l) => l.name)).toEqual(['Restored faces (identity-512)', `Background (${X4V3_NAME})`, 'Background']);
  });

  it('fills the upscaled layer with exactly the engine’s Real-ESRGAN result, streamed tile by tile', () => {
    const layer = topLevel(doc)[1];
    const view = h.fake.layerPixels(layer.id)!;
    expect(view.bounds).toEqual({ left: 0, top: 0, right: photo.width * 2, bottom: photo.height * 2 });
    let worst = 0;
    for (let k = 0; k < expected.width * expected.height; k++) {
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(view.data[k * 4 + c] - expected.data[k * 3 + c]));
      if (view.data[k * 4 + 3] !== 255) throw new Error(`pixel ${k} is not opaque`);
    }
    expect(worst).toBe(0);
    // One putPixels per tile, none larger than a tile at ×2: the plugin never held the whole enlarged image.
    const puts = h.fake.putCalls.filter((p) => p.layerID === layer.id);
    expect(puts.length).toBeGreaterThan(4);
    for (const p of puts) expect(p.width).toBeLessThanOrEqual(PLUGIN_TILE * 2);
  });

  it('places the faces at the new scale, as the engine does for ×2', async () => {
    const r = createRestorer({
      runtime: createNodeRuntime(),
      detector: { kind: 'yunet', source: { label: 'yunet', location: sharedModel('detection/yunet-2023mar-640.onnx') } },
      restorer: { source: { label: 'identity', location: sharedModel('restore/identity-512.onnx') } },
    });
    const reference = await r.restore(asImage(photo), { upscale: 2, shouldComposite: false });
    await r.dispose();
    const faceLayers = Array.from(topLevel(doc)[0].layers ?? []).reverse();
    expect(faceLayers).toHaveLength(reference.faces.length);
    reference.faces.forEach((face, i) => {
      const rect = face.placement!.rect;
      expect(h.fake.layerPixels(faceLayers[i].id)!.bounds).toEqual({ left: rect.x, top: rect.y, right: rect.x + rect.width, bottom: rect.y + rect.height });
    });
  });

  it('is one history step, frees every buffer, and leaves the source layer where it was', () => {
    expect(h.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
    expect(h.fake.liveImageData()).toBe(0);
    const source = h.fake.snapshot(doc).layers.find((l) => l.name === 'Background')!;
    const original = before.layers.find((l) => l.name === 'Background')!;
    // Photoshop resampled the source with the document (Image Size); it is still the bottom, unmasked layer.
    expect(source.isBackground).toBe(true);
    expect(source.mask).toBeNull();
    expect(source.id).toBe(original.id);
  });
});

describe('long runs, refusals and cancel (×2)', () => {
  let h: Harness;
  let photo: Photo;
  beforeAll(async () => {
    // Every ×2 run counts as long here, so the confirmation is always asked.
    h = await makeHarness({ modelFiles: WITH_UPSCALER, longRunSeconds: 0 });
    h.controller.setModel('identity-512.onnx');
    photo = await loadPhoto(PHOTO);
  }, 60_000);
  afterAll(() => h.controller.dispose());

  it('asks before a long run with an estimate from this machine’s measured speed; “Not now” changes nothing', async () => {
    const doc = openPhotoAsBackground(h.fake, photo);
    const before = digest(h.fake.snapshot(doc));
    h.controller.setUpscale('2');
    await h.controller.restore();
    const { phase, confirmation } = h.controller.state;
    expect(phase).toBe('confirming');
    expect(confirmation!.seconds).toBeGreaterThan(0);
    expect(confirmation!.text).toMatch(/^Upscaling “Background” \(0\.3 MP\) to ×2 takes about \d+ (s|min) on this computer \(\d+ tiles\), plus the faces\.$/);
    h.controller.cancel();
    expect(h.controller.state.phase).toBe('idle');
    expect(h.controller.state.status.text).toBe('Not run. The document is unchanged.');
    expect(digest(h.fake.snapshot(doc))).toEqual(before);
    expect(h.fake.history(doc)).toEqual(['Open']);
  });

  it('a cancel while tiles are upscaled restores the original size and layers', async () => {
    const doc = openPhotoAsBackground(h.fake, photo);
    const before = digest(h.fake.snapshot(doc));
    const labels: string[] = [];
    let hasFired = false;
    const unsubscribe = h.controller.subscribe(() => {
      const label = h.controller.state.progress?.label ?? '';
      if (labels.at(-1) !== label) labels.push(label);
      if (!hasFired && label.startsWith('Upscaling tile 3 of')) {
        hasFired = true;
        h.controller.cancel();
      }
    });
    try {
      await h.controller.restore();
      expect(h.controller.state.phase).toBe('confirming');
      await h.controller.confirmRestore();
      await settle(h);
    } finally {
      unsubscribe();
    }
    expect(hasFired).toBe(true);
    // The time left is shown during the run.
    expect(labels.some((l) => /^Upscaling tile \d+ of \d+ · about \d+ (s|min) left$/.test(l))).toBe(true);
    expect(h.controller.state.status).toEqual({ kind: 'info', text: 'Cancelled. The document is as it was before.' });
    expect(digest(h.fake.snapshot(doc))).toEqual(before);
    expect([doc.width, doc.height]).toEqual([photo.width, photo.height]);
    expect(h.fake.history(doc)).toEqual(['Open']);
    expect(h.fake.liveImageData()).toBe(0);
  }, 120_000);

  it('×2 without an upscale model says which one is missing, how to get it, and changes nothing', async () => {
    const bare = await makeHarness({ modelFiles: MODEL_FILES });
    try {
      const doc = openPhotoAsBackground(bare.fake, photo);
      const before = digest(bare.fake.snapshot(doc));
      bare.controller.setUpscale('4');
      await bare.controller.restore();
      expect(bare.controller.state.status.kind).toBe('error');
      expect(bare.controller.state.status.text).toMatch(
        /^Upscaling needs an upscaler model\. Import an ONNX super-resolution model in Models below, or put one into .*models\/upscale; or choose ×1\.$/,
      );
      expect(digest(bare.fake.snapshot(doc))).toEqual(before);
    } finally {
      await bare.controller.dispose();
    }
  });
});

describe('×4 keeps the document’s depth (16-bit gray)', () => {
  it('writes the upscaled layer at 16 bits in Photoshop’s 0..32768 range, 4× the size', async () => {
    const h = await makeHarness({ modelFiles: WITH_UPSCALER });
    try {
      const full = await loadPhoto('codeformer_gray_Hepburn01.png', { gray: true });
      const doc = openPhotoAsBackground(h.fake, full, { depth: 16 });
      h.controller.setModel('identity-512.onnx');
      h.controller.setUpscale('4');
      await h.controller.restore();
      expect(h.controller.state.status.kind).toBe('success');
      expect([doc.width, doc.height]).toEqual([full.width * 4, full.height * 4]);
      const layer = topLevel(doc)[1];
      expect(layer.name).toBe(`Background (${X4V3_NAME})`);
      const view = h.fake.layerPixels(layer.id)!;
      expect(view.data).toBeInstanceOf(Uint16Array);
      expect(view.channels).toBe(2); // gray + transparency
      let top = 0;
      for (let i = 0; i < view.data.length; i += 2) top = Math.max(top, view.data[i]);
      expect(top).toBeLessThanOrEqual(32768);
      expect(top).toBeGreaterThan(16384);
      expect(h.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
    } finally {
      await h.controller.dispose();
    }
  }, 180_000);
});
