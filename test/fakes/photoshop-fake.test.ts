/**
 * Every contract the Photoshop fake enforces, each with a test that fails if the rule is removed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { PsDocument, PsExecutionContext, PsLayer, PsModalOptions } from '../../src/host/photoshop/ps-api';
import { createFakePhotoshop, type DocumentSpec, type FakePhotoshop, type FakePhotoshopOptions } from './photoshop-fake';

/** `w×h` pixels of `channels` values each, pixel p = [base + p, …, alpha]. */
function pixels(w: number, h: number, channels: number, base = 10, alpha = 255): Uint8Array {
  const data = new Uint8Array(w * h * channels);
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < channels; c++) data[p * channels + c] = c === 3 ? alpha : (base + p + c) % 256;
  }
  return data;
}

const W = 20, H = 16;

/** Face (RGBA 4×3 at (2,3)), Empty, Title (text), Group{Inner}, Background. Active: Face. */
function standardSpec(): DocumentSpec {
  return {
    title: 'portrait.psd', width: W, height: H,
    layers: [
      { name: 'Face', pixels: { left: 2, top: 3, width: 4, height: 3, channels: 4, data: pixels(4, 3, 4) } },
      { name: 'Empty' },
      { name: 'Title', kind: 'text', pixels: { left: 0, top: 0, width: 5, height: 2, channels: 4, data: pixels(5, 2, 4) } },
      { name: 'Group', kind: 'group', children: [{ name: 'Inner', pixels: { left: 10, top: 10, width: 2, height: 2, channels: 3, data: pixels(2, 2, 3) } }] },
      { name: 'Background', isBackground: true, pixels: { left: 0, top: 0, width: W, height: H, channels: 3, data: pixels(W, H, 3) } },
    ],
  };
}

function setup(options: FakePhotoshopOptions = {}, spec: DocumentSpec = standardSpec()): { fake: FakePhotoshop; doc: PsDocument; byName: (n: string) => PsLayer } {
  const fake = createFakePhotoshop(options);
  const doc = fake.openDocument(spec);
  const byName = (name: string): PsLayer => {
    const walk = (list: ArrayLike<PsLayer>): PsLayer | undefined => {
      for (const l of Array.from(list)) {
        const hit = l.name === name ? l : l.layers ? walk(l.layers) : undefined;
        if (hit) return hit;
      }
      return undefined;
    };
    const hit = walk(doc.layers);
    if (!hit) throw new Error(`no layer ${name}`);
    return hit;
  };
  return { fake, doc, byName };
}

function modal<T>(fake: FakePhotoshop, work: (ctx: PsExecutionContext) => Promise<T>, options: Partial<PsModalOptions> = {}): Promise<T> {
  return fake.modules.core.executeAsModal(work, { commandName: 'Test', ...options });
}

async function imageData(fake: FakePhotoshop, data: Uint8Array | Uint16Array | Float32Array, width: number, height: number, components: number, colorSpace = 'RGB') {
  return fake.modules.imaging.createImageDataFromBuffer(data, { width, height, components, colorSpace });
}

const names = (layers: ArrayLike<PsLayer>): string[] => Array.from(layers).map((l) => l.name);
const MODAL_TEXT = /^Event: \w+ may modify the state of Photoshop\. Such events are only allowed from inside a modal scope$/;

describe('documents and layers', () => {
  it('has no active document until one is opened', () => {
    const fake = createFakePhotoshop();
    expect(fake.modules.app.activeDocument).toBeNull();
    expect(fake.modules.app.documents).toHaveLength(0);
  });

  it('opens a document as the active one, top layer first, first layer active', () => {
    const { fake, doc, byName } = setup();
    expect(fake.modules.app.activeDocument!.id).toBe(doc.id);
    expect([doc.title, doc.mode, doc.bitsPerChannel, doc.width, doc.height]).toEqual(['portrait.psd', 'RGBColorMode', 'bitDepth8', W, H]);
    expect(names(doc.layers)).toEqual(['Face', 'Empty', 'Title', 'Group', 'Background']);
    expect(names(doc.activeLayers)).toEqual(['Face']);
    expect(Array.from(doc.layers).map((l) => l.kind)).toEqual(['pixel', 'pixel', 'text', 'group', 'pixel']);
    expect(byName('Background').isBackgroundLayer).toBe(true);
    expect(byName('Face').layers).toBeNull();
    expect(names(byName('Group').layers!)).toEqual(['Inner']);
    expect(byName('Inner').parent!.name).toBe('Group');
    expect(byName('Face').parent).toBeNull();
    expect(new Set(Array.from(doc.layers).map((l) => l.id)).size).toBe(5);
  });

  it('can open a document with no active layer, or a named one', () => {
    expect(setup({}, { ...standardSpec(), activeLayer: null }).doc.activeLayers).toHaveLength(0);
    expect(names(setup({}, { ...standardSpec(), activeLayer: 'Inner' }).doc.activeLayers)).toEqual(['Inner']);
  });

  it('reports right/bottom-exclusive bounds of non-transparent pixels; empty layers all zeros; Background = canvas', () => {
    const { byName } = setup();
    expect(byName('Face').bounds).toEqual({ left: 2, top: 3, right: 6, bottom: 6 });
    expect(byName('Face').boundsNoEffects).toEqual({ left: 2, top: 3, right: 6, bottom: 6 });
    expect(byName('Empty').bounds).toEqual({ left: 0, top: 0, right: 0, bottom: 0 });
    expect(byName('Background').bounds).toEqual({ left: 0, top: 0, right: W, bottom: H });
    expect(byName('Group').bounds).toEqual({ left: 10, top: 10, right: 12, bottom: 12 });
  });

  it('puts a 3×2 block at (5,7) → bounds {5,7,8,9}', async () => {
    const { fake, byName } = setup();
    const layer = byName('Empty');
    const img = await imageData(fake, pixels(3, 2, 4), 3, 2, 4);
    await modal(fake, () => fake.modules.imaging.putPixels({ layerID: layer.id, imageData: img, targetBounds: { left: 5, top: 7 } }));
    expect(layer.bounds).toEqual({ left: 5, top: 7, right: 8, bottom: 9 });
    expect(fake.layerPixels(layer.id)).toEqual({ bounds: { left: 5, top: 7, right: 8, bottom: 9 }, channels: 4, data: pixels(3, 2, 4) });
  });

  it('validates opacity in 0..100', async () => {
    const { fake, byName } = setup();
    await modal(fake, async () => {
      byName('Face').opacity = 40;
      expect(() => { byName('Face').opacity = 101; }).toThrow(RangeError);
      expect(() => { byName('Face').opacity = -1; }).toThrow(RangeError);
    });
    expect(byName('Face').opacity).toBe(40);
  });

  it('makes every use of a deleted layer throw, except reading its id', async () => {
    const { fake, byName } = setup();
    const face = byName('Face');
    await modal(fake, async () => face.delete());
    expect(face.id).toBeGreaterThan(0);
    expect(() => face.name).toThrow(/not currently available/);
    expect(() => face.bounds).toThrow(/not currently available/);
    await expect(modal(fake, async () => { face.opacity = 10; })).rejects.toThrow(/not currently available/);
    await expect(fake.modules.imaging.getPixels({ layerID: face.id })).rejects.toThrow(/not currently available/);
  });

  it('selects the layer below a deleted active layer', async () => {
    const { fake, doc, byName } = setup();
    await modal(fake, async () => byName('Face').delete());
    expect(names(doc.activeLayers)).toEqual(['Empty']);
  });
});

describe('modal scope', () => {
  it.each<[string, (s: ReturnType<typeof setup>) => Promise<unknown> | unknown]>([
    ['createPixelLayer', ({ doc }) => doc.createPixelLayer({ name: 'x' })],
    ['createLayerGroup', ({ doc }) => doc.createLayerGroup({ name: 'x' })],
    ['move', ({ byName }) => byName('Face').move(byName('Title'), 'placeAfter')],
    ['delete', ({ byName }) => byName('Face').delete()],
    ['name', ({ byName }) => { byName('Face').name = 'x'; }],
    ['opacity', ({ byName }) => { byName('Face').opacity = 50; }],
    ['visible', ({ byName }) => { byName('Face').visible = false; }],
    ['putPixels', async ({ fake, byName }) => fake.modules.imaging.putPixels({ layerID: byName('Face').id, imageData: await imageData(fake, pixels(1, 1, 4), 1, 1, 4) })],
    ['putLayerMask', async ({ fake, byName }) => fake.modules.imaging.putLayerMask({ layerID: byName('Face').id, imageData: await imageData(fake, pixels(1, 1, 1), 1, 1, 1, 'Grayscale') })],
    ['batchPlay select', ({ fake, byName }) => fake.modules.action.batchPlay([{ _obj: 'select', _target: [{ _ref: 'layer', _id: byName('Title').id }] }], {})],
  ])('%s outside executeAsModal throws Photoshop\'s modal-scope error and changes nothing', async (_name, edit) => {
    const s = setup();
    const before = s.fake.snapshot();
    const error = await (async () => edit(s))().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(MODAL_TEXT);
    expect((error as Error & { number?: number }).number).toBe(1000);
    expect(s.fake.snapshot()).toEqual(before);
    expect(s.fake.history()).toEqual(['Open']);
  });

  it('allows reads outside a modal scope', async () => {
    const { fake, byName } = setup();
    const { imageData: img } = await fake.modules.imaging.getPixels({ layerID: byName('Face').id });
    expect(img.width).toBe(4);
    img.dispose();
    expect(byName('Face').opacity).toBe(100);
  });

  it('requires commandName and does not run the target without it', async () => {
    const { fake } = setup();
    const target = jest.fn(async () => 1);
    await expect(fake.modules.core.executeAsModal(target, {} as PsModalOptions)).rejects.toThrow(/commandName is required/);
    expect(target).not.toHaveBeenCalled();
  });

  it('returns the target\'s value and records the call', async () => {
    const { fake } = setup();
    await expect(modal(fake, async () => 42, { commandName: 'Restore faces', interactive: true })).resolves.toBe(42);
    expect(fake.modalCalls).toEqual([{ commandName: 'Restore faces', interactive: true, timeOut: undefined, nested: false }]);
    expect(fake.isModal()).toBe(false);
  });

  it('rejects while another plugin is modal: "Plugin: <id> is running a modal command", number 9', async () => {
    const { fake } = setup();
    const release = fake.holdModal('com.other.plugin');
    const target = jest.fn(async () => 1);
    const error = await modal(fake, target, { timeOut: 0.01 }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('Plugin: com.other.plugin is running a modal command');
    expect((error as Error & { number?: number }).number).toBe(9);
    expect(target).not.toHaveBeenCalled();
    release();
    await expect(modal(fake, target)).resolves.toBe(1);
  });

  it('waits up to timeOut for the other modal state to end (PS 25.10+)', async () => {
    const { fake } = setup();
    const release = fake.holdModal('com.other.plugin');
    setTimeout(release, 20);
    await expect(modal(fake, async () => 'ran', { timeOut: 5 })).resolves.toBe('ran');
  });

  it('fails at once with "host is in a modal state" before PS 25.10', async () => {
    const { fake } = setup({ hostVersion: '25.9.0' });
    fake.holdModal('com.other.plugin');
    const error = await modal(fake, async () => 1, { timeOut: 5 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'host is in a modal state', number: 9 });
  });

  it('lets nested calls in, but a parallel (un-awaited) call collides with this plugin itself', async () => {
    const { fake } = setup();
    await modal(fake, async () => {
      await expect(modal(fake, async () => 'inner', { commandName: 'Inner' })).resolves.toBe('inner');
    });
    const first = modal(fake, () => new Promise((resolve) => setTimeout(() => resolve('first'), 30))); // no await: a bug
    const parallel = await modal(fake, async () => 1, { timeOut: 0 }).catch((e: unknown) => e);
    expect(parallel).toMatchObject({ message: 'Plugin: com.facerestore.photoshop is running a modal command', number: 9 });
    const queued = modal(fake, async () => 'queued', { timeOut: 5 }); // 25.10+: retried until the first scope ends
    await expect(Promise.all([first, queued])).resolves.toEqual(['first', 'queued']);
    expect(fake.modalCalls.map((c) => c.nested)).toEqual([false, true, false, false, false]);
  });

  it('records progress and rejects values outside [0, 1]', async () => {
    const { fake } = setup();
    await modal(fake, async (ctx) => {
      ctx.reportProgress({ value: 0.25, commandName: 'Detecting' });
      ctx.reportProgress({ commandName: 'Restoring' });
      expect(() => ctx.reportProgress({ value: 1.5 })).toThrow(RangeError);
      expect(() => ctx.reportProgress({ value: -0.1 })).toThrow(RangeError);
    });
    expect(fake.progressReports).toEqual([{ value: 0.25, commandName: 'Detecting' }, { value: undefined, commandName: 'Restoring' }]);
  });
});

describe('cancellation', () => {
  it('sets isCancelled, calls onCancel, and makes later Photoshop calls in the scope throw', async () => {
    const { fake, doc, byName } = setup();
    const face = byName('Face');
    const seen: unknown[] = [];
    await modal(fake, async (ctx) => {
      ctx.onCancel = (e) => seen.push(e);
      expect(ctx.isCancelled).toBe(false);
      fake.cancelModal('Esc');
      expect(ctx.isCancelled).toBe(true);
      await expect(fake.modules.imaging.getPixels({ layerID: face.id })).rejects.toThrow(/cancel/);
      await expect(fake.modules.action.batchPlay([{ _obj: 'select', _target: [{ _ref: 'layer', _id: face.id }] }], {})).rejects.toThrow(/cancel/);
      await expect(doc.createPixelLayer()).rejects.toThrow(/cancel/);
      expect(() => face.name).toThrow(/cancel/);
      expect(() => ctx.reportProgress({ value: 0.5 })).toThrow(/cancel/);
    });
    expect(seen).toEqual([{ reason: 'Esc' }]);
    expect(face.name).toBe('Face'); // usable again once the scope ended
  });

  it('cannot cancel when no modal scope runs', () => {
    expect(() => setup().fake.cancelModal()).toThrow(/no modal scope/);
  });
});

describe('history', () => {
  it('adds one state per edit without suspension', async () => {
    const { fake, doc, byName } = setup();
    await modal(fake, async () => {
      await doc.createPixelLayer({ name: 'A' });
      byName('Face').opacity = 50;
    });
    expect(fake.history()).toEqual(['Open', 'New Layer', 'Layer Opacity']);
  });

  it('collapses suspended edits into exactly one state, named finalName when set', async () => {
    const { fake, doc, byName } = setup();
    await modal(fake, async (ctx) => {
      const s = await ctx.hostControl.suspendHistory({ documentID: doc.id, name: 'Restore faces' });
      await doc.createLayerGroup({ name: 'Restored' });
      await doc.createPixelLayer({ name: 'Face 1' });
      byName('Face').visible = false;
      await ctx.hostControl.resumeHistory({ ...s, finalName: 'Restore 2 faces' });
    });
    expect(fake.history()).toEqual(['Open', 'Restore 2 faces']);
  });

  it('creates no state when nothing changed during the suspension', async () => {
    const { fake, doc } = setup();
    await modal(fake, async (ctx) => ctx.hostControl.resumeHistory(await ctx.hostControl.suspendHistory({ documentID: doc.id, name: 'Nothing' })));
    expect(fake.history()).toEqual(['Open']);
  });

  it('rolls back exactly on resumeHistory(s, false): layers, order, pixels, masks, opacity, active layers', async () => {
    const { fake, doc, byName } = setup();
    const before = fake.snapshot(doc);
    let created: PsLayer[] = [];
    await modal(fake, async (ctx) => {
      const s = await ctx.hostControl.suspendHistory({ documentID: doc.id, name: 'Restore faces' });
      const group = (await doc.createLayerGroup({ name: 'Restored', opacity: 80 }))!;
      const layer = (await doc.createPixelLayer({ name: 'Face 1' }))!;
      created = [group, layer];
      await fake.modules.imaging.putPixels({ layerID: layer.id, imageData: await imageData(fake, pixels(3, 3, 3), 3, 3, 3), targetBounds: { left: 1, top: 1 } });
      await fake.modules.imaging.putLayerMask({ layerID: byName('Face').id, imageData: await imageData(fake, pixels(2, 2, 1), 2, 2, 1, 'Grayscale') });
      await fake.modules.imaging.putPixels({ layerID: byName('Face').id, imageData: await imageData(fake, pixels(1, 1, 4), 1, 1, 4), replace: false });
      byName('Face').opacity = 30;
      byName('Face').name = 'Renamed';
      byName('Inner').move(byName('Title'), 'placeBefore');
      byName('Empty').delete();
      await fake.modules.action.batchPlay([{ _obj: 'select', _target: [{ _ref: 'layer', _id: byName('Title').id }] }], {});
      expect(fake.snapshot(doc)).not.toEqual(before);
      await ctx.hostControl.resumeHistory(s, false);
    });
    expect(fake.snapshot(doc)).toEqual(before);
    expect(fake.history()).toEqual(['Open']);
    expect(() => created[0].name).toThrow(/not currently available/);
    expect(byName('Empty').name).toBe('Empty'); // the deleted layer is back
    const next = await modal(fake, async () => (await doc.createPixelLayer())!.id);
    expect(next).toBeGreaterThan(Math.max(...created.map((l) => l.id))); // ids are not reused
  });

  it('auto-rolls back an unresumed suspension when the target throws', async () => {
    const { fake, doc } = setup();
    const before = fake.snapshot(doc);
    await expect(modal(fake, async (ctx) => {
      await ctx.hostControl.suspendHistory({ documentID: doc.id, name: 'Restore faces' });
      await doc.createPixelLayer({ name: 'Half done' });
      throw new Error('model failed');
    })).rejects.toThrow('model failed');
    expect(fake.snapshot(doc)).toEqual(before);
    expect(fake.history()).toEqual(['Open']);
  });

  it('auto-commits an unresumed suspension when the target returns', async () => {
    const { fake, doc } = setup();
    await modal(fake, async (ctx) => {
      await ctx.hostControl.suspendHistory({ documentID: doc.id, name: 'Restore faces' });
      await doc.createPixelLayer({ name: 'Done' });
    });
    expect(names(doc.layers)).toContain('Done');
    expect(fake.history()).toEqual(['Open', 'Restore faces']);
  });
});

describe('layer creation and order', () => {
  it('inserts a new pixel layer directly above the active layer, in its parent, and makes it active', async () => {
    const { fake, doc, byName } = setup({}, { ...standardSpec(), activeLayer: 'Title' });
    const layer = (await modal(fake, () => doc.createPixelLayer({ name: 'New', opacity: 70 })))!;
    expect(names(doc.layers)).toEqual(['Face', 'Empty', 'New', 'Title', 'Group', 'Background']);
    expect([layer.name, layer.opacity, layer.kind, layer.bounds]).toEqual(['New', 70, 'pixel', { left: 0, top: 0, right: 0, bottom: 0 }]);
    expect(doc.activeLayers[0].id).toBe(layer.id);
    await modal(fake, async () => fake.modules.action.batchPlay([{ _obj: 'select', _target: [{ _ref: 'layer', _id: byName('Inner').id }] }], {}));
    await modal(fake, () => doc.createLayerGroup({ name: 'Sub' }));
    expect(names(byName('Group').layers!)).toEqual(['Sub', 'Inner']);
  });

  it('puts new layers at the top of an active group (option off: above the group), or at the top with none active', async () => {
    const a = setup({}, { ...standardSpec(), activeLayer: 'Group' });
    await modal(a.fake, () => a.doc.createPixelLayer({ name: 'New' }));
    expect(names(a.byName('Group').layers!)).toEqual(['New', 'Inner']);
    const b = setup({ newLayerIntoActiveGroup: false }, { ...standardSpec(), activeLayer: 'Group' });
    await modal(b.fake, () => b.doc.createPixelLayer({ name: 'New' }));
    expect(names(b.doc.layers)).toEqual(['Face', 'Empty', 'Title', 'New', 'Group', 'Background']);
    const c = setup({}, { ...standardSpec(), activeLayer: null });
    await modal(c.fake, () => c.doc.createPixelLayer({ name: 'New' }));
    expect(names(c.doc.layers)[0]).toBe('New');
  });

  it('moves with placeBefore (above), placeAfter (below) and placeInside (top of a group)', async () => {
    const { fake, doc, byName } = setup();
    await modal(fake, async () => byName('Face').move(byName('Title'), 'placeBefore'));
    expect(names(doc.layers)).toEqual(['Empty', 'Face', 'Title', 'Group', 'Background']);
    await modal(fake, async () => byName('Empty').move(byName('Title'), 'placeAfter'));
    expect(names(doc.layers)).toEqual(['Face', 'Title', 'Empty', 'Group', 'Background']);
    await modal(fake, async () => byName('Face').move(byName('Group'), 'placeInside'));
    expect(names(doc.layers)).toEqual(['Title', 'Empty', 'Group', 'Background']);
    expect(names(byName('Group').layers!)).toEqual(['Face', 'Inner']);
    expect(byName('Face').parent!.name).toBe('Group');
    expect(fake.history().slice(1)).toEqual(['Layer Order', 'Layer Order', 'Layer Order']);
  });

  it('refuses placeInside on a non-group, moving below the Background, and moving a group into itself', async () => {
    const { fake, byName } = setup();
    await modal(fake, async () => {
      expect(() => byName('Face').move(byName('Title'), 'placeInside')).toThrow(/group/);
      expect(() => byName('Face').move(byName('Background'), 'placeAfter')).toThrow(/Background/);
      expect(() => byName('Group').move(byName('Inner'), 'placeBefore')).toThrow(/itself/);
    });
  });
});

describe('getPixels', () => {
  it('trims to the pixel data and reports document coordinates', async () => {
    const { fake, byName } = setup();
    const { imageData: img, sourceBounds, level } = await fake.modules.imaging.getPixels({ layerID: byName('Face').id, sourceBounds: { left: 0, top: 0, right: 10, bottom: 10 } });
    expect(sourceBounds).toEqual({ left: 2, top: 3, right: 6, bottom: 6 });
    expect(level).toBe(0);
    expect([img.width, img.height, img.components, img.componentSize, img.pixelFormat, img.colorSpace, img.hasAlpha, img.type])
      .toEqual([4, 3, 4, 8, 'RGBA', 'RGB', true, 'image/uncompressed']);
    expect(await img.getData()).toEqual(pixels(4, 3, 4));
    img.dispose();
  });

  it('crops to the requested part, in document coordinates', async () => {
    const { fake, byName } = setup();
    const { imageData: img, sourceBounds } = await fake.modules.imaging.getPixels({ layerID: byName('Face').id, sourceBounds: { left: 5, top: 5, right: 30, bottom: 30 } });
    expect(sourceBounds).toEqual({ left: 5, top: 5, right: 6, bottom: 6 });
    expect(Array.from(await img.getData())).toEqual(Array.from(pixels(4, 3, 4).subarray(11 * 4, 12 * 4))); // pixel (3,2) of the block
    img.dispose();
  });

  it('returns RGB (3 components, no alpha) for the Background', async () => {
    const { fake, byName } = setup();
    const { imageData: img, sourceBounds } = await fake.modules.imaging.getPixels({ layerID: byName('Background').id });
    expect([img.components, img.pixelFormat, img.hasAlpha]).toEqual([3, 'RGB', false]);
    expect(sourceBounds).toEqual({ left: 0, top: 0, right: W, bottom: H });
    img.dispose();
  });

  it('mattes on white with applyAlpha', async () => {
    const fake = createFakePhotoshop();
    const doc = fake.openDocument({ width: 2, height: 1, layers: [{ name: 'L', pixels: { left: 0, top: 0, width: 2, height: 1, channels: 4, data: new Uint8Array([0, 0, 0, 255, 100, 0, 200, 0]) } }] });
    // The fully transparent pixel is trimmed; the opaque one stays as it is.
    const { imageData: img } = await fake.modules.imaging.getPixels({ layerID: doc.layers[0].id, applyAlpha: true, sourceBounds: { left: 0, top: 0, right: 2, bottom: 1 } });
    expect([img.components, img.hasAlpha, Array.from(await img.getData())]).toEqual([3, false, [0, 0, 0]]);
    const half = fake.openDocument({ width: 1, height: 1, layers: [{ name: 'L', pixels: { left: 0, top: 0, width: 1, height: 1, channels: 4, data: new Uint8Array([0, 100, 255, 51]) } }] });
    const { imageData: img2 } = await fake.modules.imaging.getPixels({ documentID: half.id, layerID: half.layers[0].id, applyAlpha: true });
    expect(Array.from(await img2.getData())).toEqual([204, 224, 255]); // c·a + 255·(1−a), a = 0.2
  });

  it('throws on non-pixel layers, empty layers, the composite and non-RGB/Gray documents', async () => {
    const { fake, byName } = setup();
    const get = (layerID?: number) => fake.modules.imaging.getPixels({ layerID });
    await expect(get(byName('Title').id)).rejects.toThrow(/text layer, not a pixel layer/);
    await expect(get(byName('Group').id)).rejects.toThrow(/not a pixel layer/);
    await expect(get(byName('Empty').id)).rejects.toThrow(/no pixel data/);
    await expect(get()).rejects.toThrow(/not implemented in fake/);
    for (const mode of ['CMYKColorMode', 'labColorMode', 'indexedColorMode']) {
      const other = fake.openDocument({ width: 4, height: 4, mode, layers: [{ name: 'Background', isBackground: true }] });
      await expect(fake.modules.imaging.getPixels({ documentID: other.id, layerID: other.layers[0].id })).rejects.toThrow(/UNVERIFIED/);
    }
  });

  it('serves Grayscale documents as Grayscale / GrayscaleAlpha, and RGB on request', async () => {
    const fake = createFakePhotoshop();
    const doc = fake.openDocument({
      width: 4, height: 4, mode: 'grayscaleMode',
      layers: [{ name: 'L', pixels: { left: 1, top: 1, width: 1, height: 1, channels: 1, data: new Uint8Array([77]) } }, { name: 'Background', isBackground: true }],
    });
    const layer = await fake.modules.imaging.getPixels({ layerID: doc.layers[0].id });
    expect([layer.imageData.colorSpace, layer.imageData.pixelFormat, Array.from(await layer.imageData.getData())]).toEqual(['Grayscale', 'GrayscaleAlpha', [77, 255]]);
    const bg = await fake.modules.imaging.getPixels({ layerID: doc.layers[1].id });
    expect([bg.imageData.components, bg.imageData.pixelFormat]).toEqual([1, 'Grayscale']);
    const rgb = await fake.modules.imaging.getPixels({ layerID: doc.layers[0].id, colorSpace: 'RGB' });
    expect(Array.from(await rgb.imageData.getData())).toEqual([77, 77, 77, 255]);
    const rgbData = await imageData(fake, new Uint8Array(3), 1, 1, 3);
    await expect(modal(fake, () => fake.modules.imaging.putPixels({ layerID: doc.layers[0].id, imageData: rgbData }))).rejects.toThrow(/colorSpace RGB does not match/);
  });
});

describe('PhotoshopImageData', () => {
  it('tracks every image data until disposed; disposed data cannot be read or put', async () => {
    const { fake, byName } = setup();
    expect(fake.liveImageData()).toBe(0);
    const got = await fake.modules.imaging.getPixels({ layerID: byName('Face').id });
    const made = await imageData(fake, pixels(1, 1, 4), 1, 1, 4);
    expect(fake.liveImageData()).toBe(2);
    got.imageData.dispose();
    made.dispose();
    expect(fake.liveImageData()).toBe(0);
    await expect(made.getData()).rejects.toThrow(/disposed/);
    await expect(modal(fake, () => fake.modules.imaging.putPixels({ layerID: byName('Face').id, imageData: made }))).rejects.toThrow(/disposed/);
  });

  it('returns planar data when chunky is false', async () => {
    const { fake } = setup();
    const img = await imageData(fake, new Uint8Array([1, 2, 3, 4, 5, 6]), 2, 1, 3);
    expect(Array.from(await img.getData({ chunky: false }))).toEqual([1, 4, 2, 5, 3, 6]);
    const fromPlanar = await fake.modules.imaging.createImageDataFromBuffer(new Uint8Array([1, 4, 2, 5, 3, 6]), { width: 2, height: 1, components: 3, colorSpace: 'RGB', chunky: false });
    expect(Array.from(await fromPlanar.getData())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('checks createImageDataFromBuffer: length, colorSpace, 16-bit range; componentSize from the array type', async () => {
    const { fake } = setup();
    const create = (data: Uint8Array | Uint16Array | Float32Array, colorSpace: string, extra = {}) =>
      fake.modules.imaging.createImageDataFromBuffer(data, { width: 1, height: 1, components: 3, colorSpace, ...extra });
    await expect(create(new Uint8Array(4), 'RGB')).rejects.toThrow(/width\*height\*components/);
    await expect(create(new Uint8Array(3), '')).rejects.toThrow(/colorSpace is required/);
    await expect(create(new Uint8Array(3), 'CMYK')).rejects.toThrow(/colorSpace is required/);
    await expect(create(new Uint16Array([0, 32769, 0]), 'RGB')).rejects.toThrow(/above 32768/);
    expect((await create(new Uint16Array([0, 32768, 0]), 'RGB')).componentSize).toBe(16);
    expect((await create(new Float32Array(3), 'RGB')).componentSize).toBe(32);
    expect((await create(new Uint8Array(3), 'RGB')).componentSize).toBe(8);
    const full = await create(new Uint16Array([0, 65535, 32768]), 'RGB', { fullRange: true });
    expect(Array.from(await full.getData())).toEqual([0, 32768, 16384]);
    expect(Array.from(await full.getData({ fullRange: true }))).toEqual([0, 65535, 32768]);
  });

  it('encodes RGB data as JPEG, refuses Grayscale', async () => {
    const { fake } = setup();
    const rgb = await imageData(fake, pixels(8, 8, 3), 8, 8, 3);
    const b64 = await fake.modules.imaging.encodeImageData({ imageData: rgb, base64: true });
    expect(typeof b64 === 'string' && b64.startsWith('/9j/')).toBe(true);
    const bytes = await fake.modules.imaging.encodeImageData({ imageData: rgb });
    expect(Array.isArray(bytes) && bytes[0] === 0xff && bytes[1] === 0xd8).toBe(true);
    const gray = await imageData(fake, new Uint8Array(1), 1, 1, 1, 'Grayscale');
    await expect(fake.modules.imaging.encodeImageData({ imageData: gray })).rejects.toThrow(/must be RGB/);
  });
});

describe('depth conversion', () => {
  const doc16 = (): DocumentSpec => ({
    width: 2, height: 1, bitsPerChannel: 'bitDepth16',
    layers: [{ name: 'L', pixels: { left: 0, top: 0, width: 2, height: 1, channels: 4, data: new Uint16Array([32768, 16384, 0, 32768, 0, 0, 0, 32768]) } }, { name: 'Background', isBackground: true }],
  });

  it('reads a 16-bit document at its depth by default and converts on request', async () => {
    const { fake, doc } = setup({}, doc16());
    const native = await fake.modules.imaging.getPixels({ layerID: doc.layers[0].id, componentSize: -1 });
    expect(native.imageData.componentSize).toBe(16);
    const as8 = await fake.modules.imaging.getPixels({ layerID: doc.layers[0].id, componentSize: 8 });
    expect(Array.from(await as8.imageData.getData())).toEqual([255, 128, 0, 255, 0, 0, 0, 255]);
    const as32 = await fake.modules.imaging.getPixels({ layerID: doc.layers[0].id, componentSize: 32 });
    expect(Array.from(await as32.imageData.getData())).toEqual([1, 0.5, 0, 1, 0, 0, 0, 1]);
  });

  it('converts 8-bit data put into a 16-bit document, and records what was sent', async () => {
    const { fake, doc } = setup({}, doc16());
    const id = doc.layers[0].id;
    const img = await imageData(fake, new Uint8Array([255, 0, 51]), 1, 1, 3);
    await modal(fake, () => fake.modules.imaging.putPixels({ layerID: id, imageData: img }));
    expect(Array.from(fake.layerPixels(id)!.data)).toEqual([32768, 0, 6554, 32768]);
    expect(fake.putCalls[0]).toMatchObject({ api: 'putPixels', layerID: id, componentSize: 8, components: 3, replace: true, targetBounds: { left: 0, top: 0 } });
  });

  it('stores 32-bit documents as 0..1 floats', async () => {
    const fake = createFakePhotoshop();
    const doc = fake.openDocument({ width: 1, height: 1, bitsPerChannel: 'bitDepth32', layers: [{ name: 'L' }] });
    const img = await imageData(fake, new Uint8Array([255, 0, 0, 255]), 1, 1, 4);
    await modal(fake, () => fake.modules.imaging.putPixels({ layerID: doc.layers[0].id, imageData: img }));
    expect(Array.from(fake.layerPixels(doc.layers[0].id)!.data)).toEqual([1, 0, 0, 1]);
  });
});

describe('putPixels', () => {
  it('requires a pixel layer (text, group, Background and locked layers refused)', async () => {
    const { fake, byName } = setup({}, { ...standardSpec(), layers: [{ name: 'Locked', allLocked: true }, ...standardSpec().layers] });
    const img = await imageData(fake, pixels(1, 1, 4), 1, 1, 4);
    const put = (name: string) => modal(fake, () => fake.modules.imaging.putPixels({ layerID: byName(name).id, imageData: img }));
    await expect(put('Title')).rejects.toThrow(/must be a pixel layer/);
    await expect(put('Group')).rejects.toThrow(/must be a pixel layer/);
    await expect(put('Background')).rejects.toThrow(/Background/);
    await expect(put('Locked')).rejects.toThrow(/locked/);
    expect(fake.putCalls).toHaveLength(0);
  });

  it('replaces all pixels by default, keeps the rest with replace:false, clips to the canvas, data without alpha is opaque', async () => {
    const { fake, byName } = setup();
    const face = byName('Face');
    const img = await imageData(fake, pixels(2, 2, 3), 2, 2, 3);
    await modal(fake, () => fake.modules.imaging.putPixels({ layerID: face.id, imageData: img, targetBounds: { left: W - 1, top: 0 } }));
    expect(face.bounds).toEqual({ left: W - 1, top: 0, right: W, bottom: 2 });
    expect(Array.from(fake.layerPixels(face.id)!.data)).toEqual([10, 11, 12, 255, 12, 13, 14, 255]);
    await modal(fake, () => fake.modules.imaging.putPixels({ layerID: face.id, imageData: img, targetBounds: { left: 0, top: 0 }, replace: false }));
    expect(face.bounds).toEqual({ left: 0, top: 0, right: W, bottom: 2 });
  });
});

describe('putLayerMask', () => {
  it('needs one-component Grayscale data', async () => {
    const { fake, byName } = setup();
    const rgb = await imageData(fake, pixels(1, 1, 3), 1, 1, 3);
    const grayAlpha = await imageData(fake, new Uint8Array(2), 1, 1, 2, 'Grayscale');
    for (const img of [rgb, grayAlpha]) {
      await expect(modal(fake, () => fake.modules.imaging.putLayerMask({ layerID: byName('Face').id, imageData: img }))).rejects.toThrow(/single component using the grayscale/);
    }
  });

  it('refuses the Background: "Cannot add Layer Mask to Background layer."', async () => {
    const { fake, byName } = setup();
    const gray = await imageData(fake, new Uint8Array(1), 1, 1, 1, 'Grayscale');
    await expect(modal(fake, () => fake.modules.imaging.putLayerMask({ layerID: byName('Background').id, imageData: gray }))).rejects.toThrow('Cannot add Layer Mask to Background layer.');
  });

  it('creates a missing mask, revealing outside the placed data; replace:false keeps the rest', async () => {
    const { fake, byName } = setup({}, { width: 3, height: 1, layers: [{ name: 'L', pixels: { left: 0, top: 0, width: 3, height: 1, channels: 3, data: pixels(3, 1, 3) } }] });
    const id = byName('L').id;
    expect(fake.layerMask(id)).toBeNull();
    await modal(fake, async () => fake.modules.imaging.putLayerMask({ layerID: id, imageData: await imageData(fake, new Uint8Array([0]), 1, 1, 1, 'Grayscale'), targetBounds: { left: 1, top: 0 } }));
    expect(fake.layerMask(id)).toEqual({ bounds: { left: 0, top: 0, right: 3, bottom: 1 }, channels: 1, data: new Uint8Array([255, 0, 255]) });
    await modal(fake, async () => fake.modules.imaging.putLayerMask({ layerID: id, imageData: await imageData(fake, new Uint8Array([9]), 1, 1, 1, 'Grayscale'), replace: false }));
    expect(Array.from(fake.layerMask(id)!.data)).toEqual([9, 0, 255]);
    expect(fake.history()).toEqual(['Open', 'Put Layer Mask', 'Put Layer Mask']);
  });

  it('with putLayerMaskNeedsExistingMask, needs a mask made first (batchPlay make mask, revealAll)', async () => {
    const { fake, doc, byName } = setup({ putLayerMaskNeedsExistingMask: true });
    const face = byName('Face');
    const gray = await imageData(fake, new Uint8Array([0]), 1, 1, 1, 'Grayscale');
    await expect(modal(fake, () => fake.modules.imaging.putLayerMask({ layerID: face.id, imageData: gray }))).rejects.toThrow(/no user mask/);
    const makeMask = { _obj: 'make', new: { _class: 'channel' }, at: { _ref: 'channel', _enum: 'channel', _value: 'mask' }, using: { _enum: 'userMaskEnabled', _value: 'revealAll' } };
    await modal(fake, async () => {
      await fake.modules.action.batchPlay([{ _obj: 'select', _target: [{ _ref: 'layer', _id: face.id }], makeVisible: false }], {});
      expect(await fake.modules.action.batchPlay([makeMask], {})).toEqual([{ _obj: 'make' }]);
      await fake.modules.imaging.putLayerMask({ layerID: face.id, imageData: gray });
    });
    expect(fake.layerMask(face.id)!.data[0]).toBe(0);
    expect(fake.layerMask(face.id)!.data[1]).toBe(255);
    expect(doc.activeLayers[0].id).toBe(face.id);
    // A second mask on the same layer fails the way batchPlay fails: an error descriptor, not a rejection.
    const [result] = await modal(fake, () => fake.modules.action.batchPlay([makeMask], {}));
    expect(result._obj).toBe('error');
  });
});

describe('batchPlay', () => {
  it('selects a layer by id, and answers a missing one with an error descriptor', async () => {
    const { fake, doc, byName } = setup();
    await modal(fake, () => fake.modules.action.batchPlay([{ _obj: 'select', _target: [{ _ref: 'layer', _id: byName('Inner').id }] }], {}));
    expect(names(doc.activeLayers)).toEqual(['Inner']);
    expect(fake.history()).toEqual(['Open']);
    const [result] = await modal(fake, () => fake.modules.action.batchPlay([{ _obj: 'select', _target: [{ _ref: 'layer', _id: 9999 }] }], {}));
    expect(result).toMatchObject({ _obj: 'error', message: expect.stringMatching(/not currently available/) });
  });

  it('rejects anything it does not implement', async () => {
    const { fake } = setup();
    await expect(modal(fake, () => fake.modules.action.batchPlay([{ _obj: 'get', _target: [{ _ref: 'document', _enum: 'ordinal' }] }], {}))).rejects.toThrow(/not implemented in fake/);
  });
});

describe('uxp and fs', () => {
  const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'ps-fake-test-'));

  it('reads plugin: files as ArrayBuffer, refuses writes there, writes plugin-data:', async () => {
    const pluginDir = tmp(), dataDir = tmp();
    fs.mkdirSync(path.join(pluginDir, 'models'));
    fs.writeFileSync(path.join(pluginDir, 'models', 'a.onnx'), Buffer.from([1, 2, 3]));
    const { fs: ufs, uxp } = createFakePhotoshop({ pluginDir, dataDir }).modules;
    const buf = await ufs.readFile('plugin:/models/a.onnx');
    expect(buf).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Uint8Array(buf))).toEqual([1, 2, 3]);
    expect(await ufs.readdir('plugin:/models')).toEqual(['a.onnx']);
    await expect(ufs.mkdir('plugin:/cache')).rejects.toThrow(/read only/);
    await ufs.mkdir('plugin-data:/cache/x', { recursive: true });
    expect(fs.existsSync(path.join(dataDir, 'cache', 'x'))).toBe(true);
    await expect(ufs.readFile('file:///etc/hosts')).rejects.toThrow(/localFileSystem/);
    await expect(ufs.readFile('/etc/hosts')).rejects.toThrow(/localFileSystem/);
    await expect(ufs.readFile('plugin:/../escape')).rejects.toThrow(/escapes/);
    expect(await uxp.storage.localFileSystem.getDataFolder()).toEqual({ nativePath: dataDir });
    expect(await uxp.storage.localFileSystem.getPluginFolder()).toEqual({ nativePath: pluginDir });
    expect(uxp.host).toEqual({ name: 'Photoshop', version: '26.0.0' });
  });

  it('records the panels given to entrypoints.setup, once', () => {
    const fake = createFakePhotoshop({ hostVersion: '25.0.0' });
    expect(fake.modules.uxp.host.version).toBe('25.0.0');
    expect(fake.registeredPanels()).toBeNull();
    const create = jest.fn();
    fake.modules.uxp.entrypoints.setup({ panels: { 'facerestore.panel': { create } } });
    expect(Object.keys(fake.registeredPanels()!)).toEqual(['facerestore.panel']);
    expect(() => fake.modules.uxp.entrypoints.setup({ panels: {} })).toThrow(/already/);
  });
});

describe('resizeImage', () => {
  /** One row of a 4-wide image, repeated `h` times; `channels` values per pixel from `px(x)`. */
  const rows = (w: number, h: number, px: (x: number) => number[]): number[] => Array.from({ length: h }, () => Array.from({ length: w }, (_, x) => px(x)).flat()).flat();
  const HALF = [255, 255, 255, 191, 64, 0, 0, 0]; // 4 px white|black → 8 px, bilinear with centres at +0.5, edge clamp

  /**
   * 4×4: Background left half white / right half black; "Half" = left half opaque white, right half transparent red
   * (a straight, non-alpha-weighted blend would bleed the red in); its user mask reveals the left half only.
   */
  function halfSpec(): DocumentSpec {
    return {
      width: 4, height: 4, resolution: 300,
      layers: [
        {
          name: 'Half', pixels: { left: 0, top: 0, width: 4, height: 4, channels: 4, data: new Uint8Array(rows(4, 4, (x) => (x < 2 ? [255, 255, 255, 255] : [255, 0, 0, 0]))) },
          mask: { fill: 0, pixels: { left: 0, top: 0, width: 2, height: 4, data: new Uint8Array(8).fill(255) } },
        },
        { name: 'Background', isBackground: true, pixels: { left: 0, top: 0, width: 4, height: 4, channels: 3, data: new Uint8Array(rows(4, 4, (x) => (x < 2 ? [255, 255, 255] : [0, 0, 0]))) } },
      ],
    };
  }

  it('outside executeAsModal rejects with Photoshop\'s modal-scope error and changes nothing', async () => {
    const { fake, doc } = setup();
    const before = fake.snapshot();
    const error = await doc.resizeImage(40, 32).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(MODAL_TEXT);
    expect((error as Error & { number?: number }).number).toBe(1000);
    expect(fake.snapshot()).toEqual(before);
    expect(fake.history()).toEqual(['Open']);
  });

  it('resamples every layer and mask bilinearly (alpha-weighted colour) to the new canvas; one "Image Size" state', async () => {
    const { fake, doc, byName } = setup({}, halfSpec());
    expect([doc.width, doc.height, doc.resolution]).toEqual([4, 4, 300]);
    await modal(fake, () => doc.resizeImage(8, 8));
    expect([doc.width, doc.height, doc.resolution]).toEqual([8, 8, 300]);
    const snap = fake.snapshot();
    expect([snap.width, snap.height, snap.resolution]).toEqual([8, 8, 300]);
    const [half, background] = snap.layers;
    expect(background.pixels).toEqual({ channels: 3, data: new Uint8Array(rows(8, 8, (x) => [HALF[x], HALF[x], HALF[x]])) });
    expect(half.pixels).toEqual({ channels: 4, data: new Uint8Array(rows(8, 8, (x) => (HALF[x] > 0 ? [255, 255, 255, HALF[x]] : [0, 0, 0, 0]))) });
    expect(half.mask).toEqual({ channels: 1, data: new Uint8Array(rows(8, 8, (x) => [HALF[x]])) });
    expect(byName('Half').bounds).toEqual({ left: 0, top: 0, right: 5, bottom: 8 });
    expect(byName('Background').bounds).toEqual({ left: 0, top: 0, right: 8, bottom: 8 });
    expect(fake.layerMask(byName('Half').id)!.bounds).toEqual({ left: 0, top: 0, right: 8, bottom: 8 });
    expect(fake.history()).toEqual(['Open', 'Image Size']);
  });

  it('gives blocky results only for nearestNeighbor, and averages when shrinking', async () => {
    const near = setup({}, halfSpec());
    await modal(near.fake, () => near.doc.resizeImage(8, 8, undefined, 'nearestNeighbor'));
    expect(near.fake.snapshot().layers[1].pixels!.data).toEqual(new Uint8Array(rows(8, 8, (x) => (x < 4 ? [255, 255, 255] : [0, 0, 0]))));
    const small = setup({}, halfSpec());
    await modal(small.fake, () => small.doc.resizeImage(1, 2, undefined, 'bicubic')); // every method but nearest: bilinear
    expect(small.fake.snapshot().layers[1].pixels!.data).toEqual(new Uint8Array([128, 128, 128, 128, 128, 128]));
  });

  it('uses the new canvas size in getPixels, putPixels, putLayerMask, createPixelLayer and layerPixels', async () => {
    const { fake, doc, byName } = setup({}, halfSpec());
    await modal(fake, () => doc.resizeImage(8, 8));
    const right = await fake.modules.imaging.getPixels({ layerID: byName('Background').id, sourceBounds: { left: 4, top: 6, right: 8, bottom: 8 } });
    expect(right.sourceBounds).toEqual({ left: 4, top: 6, right: 8, bottom: 8 });
    expect(Array.from(await right.imageData.getData())).toEqual(rows(4, 2, (x) => [HALF[x + 4], HALF[x + 4], HALF[x + 4]]));
    right.imageData.dispose();
    const layer = (await modal(fake, () => doc.createPixelLayer({ name: 'Corner' })))!;
    await modal(fake, async () => {
      await fake.modules.imaging.putPixels({ layerID: layer.id, imageData: await imageData(fake, pixels(2, 2, 4), 2, 2, 4), targetBounds: { left: 6, top: 6 } });
      await fake.modules.imaging.putLayerMask({ layerID: layer.id, imageData: await imageData(fake, new Uint8Array([9]), 1, 1, 1, 'Grayscale'), targetBounds: { left: 7, top: 7 } });
    });
    expect(fake.layerPixels(layer.id)).toEqual({ bounds: { left: 6, top: 6, right: 8, bottom: 8 }, channels: 4, data: pixels(2, 2, 4) });
    const mask = fake.layerMask(layer.id)!;
    expect(mask.data).toHaveLength(64);
    expect([mask.data[63], mask.data[0]]).toEqual([9, 255]);
  });

  it('keeps the aspect ratio when only width or height is given; a resolution alone resamples at the same print size', async () => {
    const { fake, doc } = setup(); // 20×16 at 72 ppi
    await modal(fake, () => doc.resizeImage(10));
    expect([doc.width, doc.height]).toEqual([10, 8]);
    await modal(fake, () => doc.resizeImage(undefined, 4));
    expect([doc.width, doc.height]).toEqual([5, 4]);
    await modal(fake, () => doc.resizeImage(undefined, undefined, 144));
    expect([doc.width, doc.height, doc.resolution]).toEqual([10, 8, 144]);
    await modal(fake, () => doc.resizeImage(7, 3, 300)); // both sizes: no aspect ratio kept; the resolution only relabels
    expect([doc.width, doc.height, doc.resolution]).toEqual([7, 3, 300]);
    expect(fake.history()).toEqual(['Open', 'Image Size', 'Image Size', 'Image Size', 'Image Size']);
  });

  it.each<[string, (d: PsDocument) => Promise<void>]>([
    ['NaN', (d) => d.resizeImage(NaN, 8)],
    ['0', (d) => d.resizeImage(0, 8)],
    ['negative', (d) => d.resizeImage(8, -8)],
    ['fractional', (d) => d.resizeImage(8.5, 8)],
    ['over 300000 px', (d) => d.resizeImage(300001, 8)],
    ['aspect result over 300000 px', (d) => d.resizeImage(undefined, 300000)],
    ['nothing to do', (d) => d.resizeImage()],
    ['bad resolution', (d) => d.resizeImage(undefined, undefined, 0)],
    ['ResampleMethod.NONE', (d) => d.resizeImage(8, 8, undefined, 'none')],
    ['unknown method', (d) => d.resizeImage(8, 8, undefined, 'lanczos' as never)],
    ['amount over 100', (d) => d.resizeImage(8, 8, undefined, 'preserveDetailsUpscale', 101)],
  ])('rejects %s and changes nothing', async (_name, call) => {
    const { fake, doc } = setup();
    const before = fake.snapshot();
    await expect(modal(fake, () => call(doc))).rejects.toThrow(/^resizeImage: /);
    expect(fake.snapshot()).toEqual(before);
    expect(fake.history()).toEqual(['Open']);
  });

  it('rolls back size, resolution, pixels and masks exactly on resumeHistory(s, false), and when the target throws', async () => {
    const { fake, doc, byName } = setup({}, halfSpec());
    const before = fake.snapshot();
    await modal(fake, async (ctx) => {
      const s = await ctx.hostControl.suspendHistory({ documentID: doc.id, name: 'Upscale' });
      await doc.resizeImage(8, 6, 600);
      const layer = (await doc.createPixelLayer({ name: 'After' }))!;
      await fake.modules.imaging.putPixels({ layerID: layer.id, imageData: await imageData(fake, pixels(8, 6, 4), 8, 6, 4) });
      await fake.modules.imaging.putLayerMask({ layerID: byName('Half').id, imageData: await imageData(fake, new Uint8Array(48), 8, 6, 1, 'Grayscale') });
      expect([doc.width, doc.height, doc.resolution]).toEqual([8, 6, 600]);
      await ctx.hostControl.resumeHistory(s, false);
    });
    expect([doc.width, doc.height, doc.resolution]).toEqual([4, 4, 300]);
    expect(fake.snapshot()).toEqual(before);
    expect(fake.history()).toEqual(['Open']);
    await expect(modal(fake, async (ctx) => {
      await ctx.hostControl.suspendHistory({ documentID: doc.id, name: 'Upscale' });
      await doc.resizeImage(16);
      throw new Error('model failed');
    })).rejects.toThrow('model failed');
    expect(fake.snapshot()).toEqual(before);
    await modal(fake, async (ctx) => {
      await ctx.hostControl.suspendHistory({ documentID: doc.id, name: 'Upscale' });
      await doc.resizeImage(16);
    });
    expect([doc.width, doc.height]).toEqual([16, 16]);
    expect(fake.history()).toEqual(['Open', 'Upscale']);
  });

  it('keeps 16-bit and 32-bit documents in their array types and ranges', async () => {
    const layer = (data: Uint16Array | Float32Array) => [{ name: 'L', pixels: { left: 0, top: 0, width: 2, height: 1, channels: 4, data } }];
    const d16 = setup({}, { width: 2, height: 1, bitsPerChannel: 'bitDepth16', layers: layer(new Uint16Array([32768, 16384, 0, 32768, 0, 0, 0, 32768])) });
    await modal(d16.fake, () => d16.doc.resizeImage(4, 2));
    const p16 = d16.fake.snapshot().layers[0].pixels!.data;
    expect(p16).toBeInstanceOf(Uint16Array);
    expect(Array.from(p16)).toEqual(rows(4, 2, (x) => [[32768, 16384, 0], [24576, 12288, 0], [8192, 4096, 0], [0, 0, 0]][x].concat(32768)));
    const d32 = setup({}, { width: 2, height: 1, bitsPerChannel: 'bitDepth32', layers: layer(new Float32Array([1, 0.5, 0, 1, 0, 0, 0, 1])) });
    await modal(d32.fake, () => d32.doc.resizeImage(4, 2));
    const p32 = d32.fake.snapshot().layers[0].pixels!.data;
    expect(p32).toBeInstanceOf(Float32Array);
    expect(Array.from(p32)).toEqual(rows(4, 2, (x) => [[1, 0.5, 0], [0.75, 0.375, 0], [0.25, 0.125, 0], [0, 0, 0]][x].concat(1)));
  });
});
