/**
 * The Photoshop panel controller end to end against the in-memory Photoshop, with real models and photos: one
 * click restores the active layer into a group of masked face layers whose pixels and masks are the engine's
 * placements; the source layer is untouched; strength, cancel and failures behave as a retoucher expects.
 */
import * as path from 'path';
import { createRestorer, type PixelImage, type RestoreResult } from '../src/core';
import { createNodeRuntime } from '../src/host/node/ort';
import type { PsDocument, PsLayer } from '../src/host/photoshop/ps-api';
import { sharedModel } from './helpers/shared';
import { digest, loadPhoto, makeHarness, openPhotoAsBackground, photoLayer, type Harness, type Photo } from './helpers/photoshop-harness';

const PHOTO = 'gfpgan_whole_00.jpg';

/** What the engine itself produces for these pixels (the reference the layers must match). */
async function engineResult(image: PixelImage, model = 'restore/unsharp-512.onnx'): Promise<RestoreResult> {
  const r = createRestorer({
    runtime: createNodeRuntime(),
    detector: { kind: 'yunet', source: { label: 'yunet', location: sharedModel('detection/yunet-2023mar-640.onnx') } },
    restorer: { source: { label: path.basename(model), location: sharedModel(model) } },
  });
  try {
    return await r.restore(image, { shouldComposite: false });
  } finally {
    await r.dispose();
  }
}

function children(layer: PsLayer): PsLayer[] {
  return Array.from(layer.layers ?? []);
}

function topLevel(doc: PsDocument): PsLayer[] {
  return Array.from(doc.layers);
}

/** Waits for the panel's pending work (runs and strength changes) to settle. */
async function settle(h: Harness): Promise<void> {
  for (let i = 0; i < 2000 && (h.controller.state.phase !== 'idle' || h.fake.isModal()); i++) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
}

describe('Restore on a Background layer (8-bit RGB)', () => {
  let h: Harness;
  let photo: Photo;
  let doc: PsDocument;
  let reference: RestoreResult;
  let before: ReturnType<Harness['fake']['snapshot']>;

  beforeAll(async () => {
    h = await makeHarness();
    photo = await loadPhoto(PHOTO);
    doc = openPhotoAsBackground(h.fake, photo);
    before = h.fake.snapshot(doc);
    reference = await engineResult({ width: photo.width, height: photo.height, channels: 3, data: photo.data, maxValue: 255 });
    h.controller.setModel('unsharp-512.onnx');
    await h.controller.restore();
  });
  afterAll(() => h.controller.dispose());

  it('reports success and lists the faces', () => {
    expect(h.controller.state.status).toMatchObject({ kind: 'success' });
    expect(h.controller.state.status.text).toContain('Restored 2 faces into the group “Restored faces (unsharp-512)” above “Background”');
    expect(h.controller.state.faces.map((f) => f.number)).toEqual([1, 2]);
    expect(h.controller.state.faces.every((f) => f.thumbnail.startsWith('data:image/jpeg;base64,'))).toBe(true);
    expect(h.controller.state.canSetStrength).toBe(true);
  });

  it('adds one group directly above the source, holding Face 2 above Face 1', () => {
    const layers = topLevel(doc);
    expect(layers.map((l) => [l.name, l.kind])).toEqual([['Restored faces (unsharp-512)', 'group'], ['Background', 'pixel']]);
    expect(children(layers[0]).map((l) => l.name)).toEqual(['Face 2', 'Face 1']);
  });

  it('writes exactly the engine placements as pixels and layer masks', () => {
    const [group] = topLevel(doc);
    const faceLayers = children(group).reverse();
    expect(reference.faces).toHaveLength(2);
    reference.faces.forEach((face, i) => {
      const p = face.placement!;
      const layer = faceLayers[i];
      const pixels = h.fake.layerPixels(layer.id)!;
      expect(pixels.bounds).toEqual({ left: p.rect.x, top: p.rect.y, right: p.rect.x + p.rect.width, bottom: p.rect.y + p.rect.height });
      expect(pixels.channels).toBe(4);
      let worst = 0;
      for (let k = 0; k < p.rect.width * p.rect.height; k++) {
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(pixels.data[k * 4 + c] - Math.min(255, Math.max(0, Math.round(p.pixels.data[k * 3 + c])))));
        expect(pixels.data[k * 4 + 3]).toBe(255);
      }
      expect(worst).toBe(0);
      const mask = h.fake.layerMask(layer.id)!;
      let maskWorst = 0;
      for (let y = 0; y < p.rect.height; y++) {
        for (let x = 0; x < p.rect.width; x++) {
          const m = mask.data[(p.rect.y + y) * photo.width + p.rect.x + x];
          maskWorst = Math.max(maskWorst, Math.abs(m - Math.round(p.mask[y * p.rect.width + x] * 255)));
        }
      }
      expect(maskWorst).toBe(0);
    });
  });

  it('leaves the source layer byte-identical, makes one history step and frees every buffer', () => {
    const source = (snapshot: unknown) => (snapshot as { layers: { name: string }[] }).layers.find((l) => l.name === 'Background');
    expect(source(digest(h.fake.snapshot(doc)))).toEqual(source(digest(before)));
    expect(h.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
    expect(h.fake.liveImageData()).toBe(0);
    expect(h.fake.modalCalls.map((c) => c.commandName)).toEqual(['Restore Faces']);
    const values = h.fake.progressReports.map((r) => r.value ?? 0);
    expect(values.every((v, i) => i === 0 || v >= values[i - 1])).toBe(true);
    expect(values.at(-1)).toBe(1);
  });

  it('sets the faces’ opacity from the slider without running anything, as its own history step', async () => {
    h.controller.setStrength(0.4, true);
    await settle(h);
    const faces = children(topLevel(doc)[0]);
    expect(faces.map((l) => l.opacity)).toEqual([40, 40]);
    expect(h.fake.history(doc)).toEqual(['Open', 'Restore Faces', 'Face Strength']);
    // Dragging sends many values; only the latest needs to land, and the layers end at the last one.
    for (const v of [0.5, 0.6, 0.7, 0.8]) h.controller.setStrength(v, false);
    h.controller.setStrength(0.9, true);
    await settle(h);
    expect(children(topLevel(doc)[0]).map((l) => l.opacity)).toEqual([90, 90]);
    expect(h.controller.state.strength).toBe(0.9);
  });
});


describe('layers, formats and choices', () => {
  let h: Harness;
  let photo: Photo;
  beforeAll(async () => {
    h = await makeHarness();
    h.controller.setModel('identity-512.onnx');
    photo = await loadPhoto(PHOTO);
  });
  afterAll(() => h.controller.dispose());

  it('respects the layer offset and puts the group directly above the source, not at the top', async () => {
    const width = photo.width + 80, height = photo.height + 50;
    const white = new Uint8Array(width * height * 3).fill(255);
    const doc = h.fake.openDocument({
      width, height,
      layers: [
        { name: 'Notes', pixels: { left: 0, top: 0, width: 2, height: 2, channels: 4, data: new Uint8Array(16).fill(200) } },
        photoLayer('Scan', photo, 37, 21),
        { name: 'Background', isBackground: true, pixels: { left: 0, top: 0, width, height, channels: 3, data: white } },
      ],
      activeLayer: 'Scan',
    });
    await h.controller.restore();
    expect(h.controller.state.status.kind).toBe('success');
    const layers = topLevel(doc);
    expect(layers.map((l) => l.name)).toEqual(['Notes', 'Restored faces (identity-512)', 'Scan', 'Background']);
    const reference = await engineResult({ width: photo.width, height: photo.height, channels: 3, data: photo.data, maxValue: 255 }, 'restore/identity-512.onnx');
    const faces = children(layers[1]).reverse();
    reference.faces.forEach((face, i) => {
      const r = face.placement!.rect;
      expect(h.fake.layerPixels(faces[i].id)!.bounds).toEqual({ left: 37 + r.x, top: 21 + r.y, right: 37 + r.x + r.width, bottom: 21 + r.y + r.height });
    });
  });

  it.each([
    ['16-bit Grayscale', 16, true],
    ['32-bit RGB', 32, false],
  ] as const)('restores a %s document at its own depth and colour space', async (_name, depth, isGray) => {
    const source = isGray ? await loadPhoto(PHOTO, { gray: true }) : photo;
    const doc = openPhotoAsBackground(h.fake, source, { depth });
    const before = digest(h.fake.snapshot(doc));
    const puts = h.fake.putCalls.length;
    await h.controller.restore();
    expect(h.controller.state.status).toMatchObject({ kind: 'success' });
    const calls = h.fake.putCalls.slice(puts);
    expect(calls).toHaveLength(4);
    for (const call of calls) expect(call.componentSize).toBe(depth);
    expect(calls.map((c) => [c.api, c.colorSpace, c.components])).toEqual([
      ['putPixels', isGray ? 'Grayscale' : 'RGB', isGray ? 1 : 3], ['putLayerMask', 'Grayscale', 1],
      ['putPixels', isGray ? 'Grayscale' : 'RGB', isGray ? 1 : 3], ['putLayerMask', 'Grayscale', 1],
    ]);
    const face = children(topLevel(doc)[0])[1];
    const px = h.fake.layerPixels(face.id)!;
    const top = depth === 16 ? 32768 : 1.0001;
    expect(Array.from(px.data).every((v) => v >= 0 && v <= top)).toBe(true);
    // The identity model returns its input: restored pixels equal the source's where the mask is full.
    const background = (digest(h.fake.snapshot(doc)) as { layers: unknown[] }).layers.at(-1);
    expect(background).toEqual((before as { layers: unknown[] }).layers.at(-1));
    expect(h.fake.liveImageData()).toBe(0);
  });

  it('restores only the faces left ticked, and finds faces again when the layer changed since', async () => {
    const doc = h.fake.openDocument({ width: photo.width, height: photo.height, layers: [photoLayer('Scan', photo, 0, 0)] });
    await h.controller.findFaces();
    expect(h.controller.state.faces.map((f) => [f.number, f.isSelected])).toEqual([[1, true], [2, true]]);
    expect(h.fake.history(doc)).toEqual(['Open']);
    h.controller.setFaceSelected(1, false);
    await h.controller.restore();
    expect(children(topLevel(doc)[0]).map((l) => l.name)).toEqual(['Face 2']);
    expect(h.controller.state.faces.map((f) => [f.number, f.isSelected])).toEqual([[1, false], [2, true]]);

    // The retoucher paints on the photo: the listed faces no longer describe it, so a restore detects again.
    await h.fake.modules.core.executeAsModal(async () => {
      const layer = doc.layers[doc.layers.length - 1];
      const patch = await h.fake.modules.imaging.createImageDataFromBuffer(new Uint8Array(4 * 4 * 3).fill(7), { width: 4, height: 4, components: 3, colorSpace: 'RGB' });
      await h.fake.modules.imaging.putPixels({ layerID: layer.id, imageData: patch, targetBounds: { left: 0, top: 0 }, replace: false });
      await patch.dispose();
    }, { commandName: 'Paint' });
    await h.controller.restore();
    const groups = topLevel(doc).filter((l) => l.kind === 'group');
    // The newest group goes directly above the source, below the earlier one.
    expect(groups.map((g) => children(g).map((l) => l.name))).toEqual([['Face 2'], ['Face 2', 'Face 1']]);
    expect(Array.from(doc.activeLayers).map((l) => l.name)).toEqual(['Scan']);
  });

  it('re-running adds a new group and leaves the user’s edits to the earlier one alone', async () => {
    const doc = openPhotoAsBackground(h.fake, photo);
    await h.controller.restore();
    const first = topLevel(doc)[0];
    await h.fake.modules.core.executeAsModal(async () => {
      const face = children(first)[0];
      face.name = 'Face 2 (mine)';
      face.opacity = 70;
    }, { commandName: 'Edit' });
    const edited = digest(h.fake.snapshot(doc)) as { layers: unknown[] };
    await h.controller.restore();
    await settle(h);
    const after = digest(h.fake.snapshot(doc)) as { layers: unknown[] };
    expect(after.layers).toHaveLength(3);
    expect(after.layers[0]).toEqual(edited.layers[0]);
    expect(topLevel(doc).map((l) => l.name)).toEqual(['Restored faces (identity-512)', 'Restored faces (identity-512)', 'Background']);
    // The slider now drives the newest run (directly above the source) only.
    h.controller.setStrength(0.25, true);
    await settle(h);
    expect(children(topLevel(doc)[1]).map((l) => l.opacity)).toEqual([25, 25]);
    expect(children(topLevel(doc)[0]).map((l) => [l.name, l.opacity])).toEqual([['Face 2 (mine)', 70], ['Face 1', 100]]);
  });

  it('falls back to batchPlay "make mask" when putLayerMask needs an existing mask', async () => {
    const strict = await makeHarness({ fake: { putLayerMaskNeedsExistingMask: true } });
    try {
      strict.controller.setModel('identity-512.onnx');
      const doc = openPhotoAsBackground(strict.fake, photo);
      await strict.controller.restore();
      expect(strict.controller.state.status.kind).toBe('success');
      for (const face of children(topLevel(doc)[0])) expect(strict.fake.layerMask(face.id)).not.toBeNull();
      expect(strict.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
    } finally {
      await strict.controller.dispose();
    }
  });

  it('warns when the slider’s layers were deleted, and changes nothing', async () => {
    const doc = openPhotoAsBackground(h.fake, photo);
    await h.controller.restore();
    await h.fake.modules.core.executeAsModal(async () => topLevel(doc)[0].delete(), { commandName: 'Delete' });
    const before = digest(h.fake.snapshot(doc));
    h.controller.setStrength(0.3, true);
    await settle(h);
    expect(h.controller.state.status.kind).toBe('warning');
    expect(h.controller.state.status.text).toContain('Restore again to use the slider');
    expect(h.controller.state.canSetStrength).toBe(false);
    expect(digest(h.fake.snapshot(doc))).toEqual(before);
  });
});

describe('cancel and failure leave no trace', () => {
  let h: Harness;
  let photo: Photo;
  beforeAll(async () => {
    h = await makeHarness();
    h.controller.setModel('identity-512.onnx');
    photo = await loadPhoto('codeformer_whole_00.jpg');
  });
  afterAll(() => h.controller.dispose());

  async function expectUntouched(doc: PsDocument, before: unknown, history: string[]): Promise<void> {
    expect(digest(h.fake.snapshot(doc))).toEqual(before);
    expect(h.fake.history(doc)).toEqual(history);
    expect(h.fake.liveImageData()).toBe(0);
    expect(h.controller.state.phase).toBe('idle');
    expect(h.controller.state.progress).toBeUndefined();
  }

  it.each([
    ['the panel’s Cancel while face 2 is restored', 'Restoring face 2', 'panel'],
    ['Photoshop’s Cancel while face 3 is restored', 'Restoring face 3', 'photoshop'],
    ['the panel’s Cancel while layers are written', 'Writing layer 2', 'panel'],
  ] as const)('%s', async (_name, when, by) => {
    const doc = openPhotoAsBackground(h.fake, photo);
    const before = digest(h.fake.snapshot(doc));
    let hasFired = false;
    const unsubscribe = h.controller.subscribe(() => {
      if (!hasFired && h.controller.state.phase === 'restoring' && h.controller.state.progress?.label.startsWith(when)) {
        hasFired = true;
        if (by === 'panel') h.controller.cancel();
        else h.fake.cancelModal('user pressed Esc');
      }
    });
    try {
      await h.controller.restore();
    } finally {
      unsubscribe();
    }
    expect(h.controller.state.status).toEqual({ kind: 'info', text: 'Cancelled. The document is as it was before.' });
    await expectUntouched(doc, before, ['Open']);
  });

  it('an error part-way through writing layers rolls the whole step back', async () => {
    const doc = openPhotoAsBackground(h.fake, photo);
    const before = digest(h.fake.snapshot(doc));
    const imaging = h.fake.modules.imaging;
    const original = imaging.putPixels.bind(imaging);
    let calls = 0;
    imaging.putPixels = async (options) => {
      calls += 1;
      if (calls === 3) throw new Error('Out of scratch disk space');
      return original(options);
    };
    try {
      await h.controller.restore();
    } finally {
      imaging.putPixels = original;
    }
    expect(h.controller.state.status.kind).toBe('error');
    expect(h.controller.state.status.text).toBe('Photoshop reported an error: Out of scratch disk space. The document is as it was before.');
    await expectUntouched(doc, before, ['Open']);
    // And the next run works.
    await h.controller.restore();
    expect(h.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
  });
});
