/**
 * Every refusal of the Photoshop panel, pressed through the real controller against the in-memory Photoshop: the
 * status says in plain words what is wrong and how to fix it, the document and its history are exactly as before,
 * no PhotoshopImageData is left alive, and the panel is idle again. Positive controls show that what must work
 * (RGB and Grayscale at 8/16/32 bits, a freed modal state) is not refused.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import { bundledCatalog } from '../src/host/panel/bundled-catalog';
import { formatSize } from '../src/host/panel/model-format';
import type { PsDocument, PsLayer } from '../src/host/photoshop/ps-api';
import type { DocumentSnapshot, DocumentSpec, LayerSnapshot, LayerSpec } from './fakes/photoshop-fake';
import { loadPhoto, makeHarness, openPhotoAsBackground, photoLayer, type Harness, type Photo } from './helpers/photoshop-harness';

const PHOTO = 'gfpgan_whole_00.jpg'; // 2 faces
const IDENTITY = 'identity-512.onnx';
const GROUP = 'Restored faces (identity-512)';
const W = 64;
const H = 48;

type Press = 'restore' | 'findFaces';
type Words = readonly (string | RegExp)[];

/** An RGBA block of one colour and alpha, for layers whose pixels do not matter. */
function block(width: number, height: number, value: number, alpha: number): Photo {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set([value, value, value, alpha], i);
  return { width, height, channels: 4, data };
}

/** A small 8-bit RGB document over a white Background; the first of `layers` is active unless told otherwise. */
function openDoc(h: Harness, layers: LayerSpec[], extra: Partial<DocumentSpec> = {}): PsDocument {
  return h.fake.openDocument({ title: 'refusal.psd', width: W, height: H, layers: [...layers, { name: 'Background', isBackground: true }], ...extra });
}

const opaque = (name: string, extra: Partial<LayerSpec> = {}): LayerSpec => photoLayer(name, block(32, 24, 128, 255), 8, 8, extra);

/**
 * `fake.snapshot(doc)` with every raster's data replaced by its array type, length and SHA-256: the same equality as
 * comparing the snapshots themselves, but jest's element-by-element `toEqual` on multi-megabyte typed arrays takes
 * minutes on a real photo.
 */
function documentState(h: Harness, doc: PsDocument): unknown {
  const digest = (r: LayerSnapshot['pixels']): unknown => r && {
    channels: r.channels, type: r.data.constructor.name, length: r.data.length,
    sha256: createHash('sha256').update(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength)).digest('hex'),
  };
  const layer = (l: LayerSnapshot): unknown => ({ ...l, pixels: digest(l.pixels), mask: digest(l.mask), children: l.children && l.children.map(layer) });
  const snap: DocumentSnapshot = h.fake.snapshot(doc);
  return { ...snap, layers: snap.layers.map(layer) };
}

/**
 * Presses `press` and checks the whole refusal contract. `doc` is the document that must stay untouched (none when
 * no document is open). Returns the status text.
 */
async function expectRefusal(h: Harness, press: Press, words: Words, doc?: PsDocument): Promise<string> {
  const before = doc && documentState(h, doc);
  const history = doc && h.fake.history(doc);
  const previousStatus = h.controller.state.status;
  await h.controller[press]();
  const { state } = h.controller;
  expect(state.status).not.toBe(previousStatus); // this press set the status, not an earlier one
  expect(state.status.kind).toBe('error');
  for (const w of words) {
    if (typeof w === 'string') expect(state.status.text).toContain(w);
    else expect(state.status.text).toMatch(w);
  }
  if (doc) {
    expect(documentState(h, doc)).toEqual(before);
    expect(h.fake.history(doc)).toEqual(history);
  }
  expect(h.fake.liveImageData()).toBe(0);
  expect(state.phase).toBe('idle');
  expect(state.progress).toBeUndefined();
  return state.status.text;
}

/** Restores the active layer and checks a group of face layers appeared above it as one history step. */
async function expectRestored(h: Harness, doc: PsDocument, faces: number): Promise<void> {
  const history = h.fake.history(doc);
  const before = documentState(h, doc);
  await h.controller.restore();
  expect(documentState(h, doc)).not.toEqual(before); // the comparison used for refusals does see a restore
  expect(h.controller.state.status.kind).toBe('success');
  expect(h.controller.state.status.text).toContain(`Restored ${faces} face${faces === 1 ? '' : 's'} into the group “${GROUP}”`);
  const group = Array.from(doc.layers).find((l) => l.name === GROUP && l.kind === 'group');
  expect(group).toBeDefined();
  expect(Array.from((group as PsLayer).layers ?? []).map((l) => l.name).sort()).toEqual(Array.from({ length: faces }, (_, i) => `Face ${i + 1}`));
  expect(h.fake.history(doc)).toEqual([...history, 'Restore Faces']);
  expect(h.fake.liveImageData()).toBe(0);
  expect(h.controller.state.phase).toBe('idle');
  expect(h.controller.state.progress).toBeUndefined();
}

/** A 400×300 photo with no face: a smooth gradient with seeded noise. */
function facelessPhoto(): Photo {
  const width = 400;
  const height = 300;
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const noise = (seed >>> 24) % 17 - 8;
      const i = (y * width + x) * 3;
      data[i] = Math.max(0, Math.min(255, 60 + Math.round((x / width) * 120) + noise));
      data[i + 1] = Math.max(0, Math.min(255, 90 + Math.round((y / height) * 80) + noise));
      data[i + 2] = Math.max(0, Math.min(255, 140 + noise));
    }
  }
  return { width, height, channels: 3, data };
}

describe('refusals of the document and the active layer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness();
    h.controller.setModel(IDENTITY);
    expect(h.controller.state.modelId).toBe(IDENTITY);
  });
  afterAll(() => h.controller.dispose());

  it.each<Press>(['restore', 'findFaces'])('no document open (%s)', async (press) => {
    expect(h.fake.modules.app.documents).toHaveLength(0);
    const modalCalls = h.fake.modalCalls.length;
    await expectRefusal(h, press, ['Open a photo first', 'no document']);
    expect(h.fake.modules.app.documents).toHaveLength(0);
    expect(h.fake.modalCalls).toHaveLength(modalCalls);
  });

  it.each<Press>(['restore', 'findFaces'])('no active layer (%s)', async (press) => {
    const doc = openDoc(h, [opaque('Photo')], { activeLayer: null });
    await expectRefusal(h, press, ['Select the layer with the faces in the Layers panel'], doc);
  });

  it.todo('two layers selected: the fake cannot select several layers (DocumentSpec.activeLayer names one layer, batchPlay select sets one)');

  const notPixel: ReadonlyArray<[string, LayerSpec, Words]> = [
    ['text layer', opaque('Headline', { kind: 'text' }), ['“Headline” is a text layer', 'Layer ▸ Rasterize ▸ Type']],
    ['smart object', opaque('Placed photo', { kind: 'smartObject' }), ['“Placed photo” is a Smart Object', 'Layer ▸ Rasterize ▸ Smart Object', 'double-click its thumbnail']],
    ['group', { name: 'Portraits', kind: 'group', children: [opaque('Photo')] }, ['“Portraits” is a group', 'Select the photo layer inside it']],
    ['adjustment layer (curves)', { name: 'Curves 1', kind: 'curves' }, ['“Curves 1” is an adjustment layer', 'Select the photo layer it adjusts']],
    ['fill layer (solid colour)', opaque('Color Fill 1', { kind: 'solidColor' }), ['“Color Fill 1” is a fill layer', 'Select the photo layer']],
  ];
  describe.each(notPixel)('not a pixel layer: %s', (_, layer, words) => {
    it.each<Press>(['restore', 'findFaces'])('is refused (%s)', async (press) => {
      const doc = openDoc(h, [layer]);
      expect(Array.from(doc.activeLayers, (l) => l.name)).toEqual([layer.name]);
      await expectRefusal(h, press, words, doc);
    });
  });

  const emptyLayers: ReadonlyArray<[string, LayerSpec, Words]> = [
    ['an empty pixel layer (no pixels)', { name: 'Layer 1' }, ['“Layer 1” is empty', 'no pixels to restore']],
    ['a layer whose pixels all have alpha 0', photoLayer('Clear', block(32, 24, 200, 0), 8, 8), [/“Clear” is (empty|fully transparent)/, 'pixels to restore']],
  ];
  describe.each(emptyLayers)('%s', (_, layer, words) => {
    it.each<Press>(['restore', 'findFaces'])('is refused (%s)', async (press) => {
      const doc = openDoc(h, [layer]);
      await expectRefusal(h, press, words, doc);
    });
  });

  const locked: ReadonlyArray<[string, LayerSpec[], string, Words]> = [
    ['a locked layer', [opaque('Photo', { allLocked: true })], 'Photo', ['“Photo” is locked', 'Unlock it', 'lock icon in the Layers panel']],
    ['a pixel layer inside a locked group', [{ name: 'Shoot', kind: 'group', allLocked: true, children: [opaque('Photo')] }], 'Photo',
      ['“Photo” is inside the locked group “Shoot”', 'Unlock it', 'lock icon in the Layers panel']],
  ];
  describe.each(locked)('%s', (_, layers, active, words) => {
    it.each<Press>(['restore', 'findFaces'])('is refused (%s)', async (press) => {
      const doc = openDoc(h, layers, { activeLayer: active });
      await expectRefusal(h, press, words, doc);
    });
  });

  // Constants.DocumentMode values → the Image ▸ Mode menu's names.
  const modes: ReadonlyArray<[string, string, string]> = [
    ['CMYKColorMode', 'bitDepth8', 'CMYK'],
    ['labColorMode', 'bitDepth8', 'Lab'],
    ['indexedColorMode', 'bitDepth8', 'Indexed Color'],
    ['bitmapMode', 'bitDepth1', 'Bitmap'],
    ['duotoneMode', 'bitDepth8', 'Duotone'],
    ['multichannelMode', 'bitDepth8', 'Multichannel'],
  ];
  describe.each(modes)('document mode %s', (mode, bitsPerChannel, name) => {
    it.each<Press>(['restore', 'findFaces'])('is refused (%s)', async (press) => {
      const doc = openDoc(h, [{ name: 'Layer 1' }], { mode, bitsPerChannel });
      await expectRefusal(h, press, [`This document is in ${name} mode`, 'RGB and Grayscale', 'Image ▸ Mode ▸ RGB Color'], doc);
    });
  });

  describe('no face found', () => {
    const faceless = facelessPhoto();
    it.each<Press>(['restore', 'findFaces'])('in a 400×300 photo without faces on a layer (%s)', async (press) => {
      const doc = h.fake.openDocument({ title: 'wall.psd', width: 400, height: 300, layers: [photoLayer('Plain wall', faceless, 0, 0), { name: 'Background', isBackground: true }] });
      await expectRefusal(h, press, ['No face found in “Plain wall”'], doc);
    });
    it.each<Press>(['restore', 'findFaces'])('in a 400×300 photo without faces as Background (%s)', async (press) => {
      const doc = openPhotoAsBackground(h.fake, faceless, { title: 'wall.jpg' });
      await expectRefusal(h, press, ['No face found in “Background”'], doc);
    });
  });
});

describe('colour modes and depths that must work (positive controls)', () => {
  let h: Harness;
  let rgb: Photo;
  let gray: Photo;
  beforeAll(async () => {
    h = await makeHarness();
    h.controller.setModel(IDENTITY);
    expect(h.controller.state.modelId).toBe(IDENTITY);
    [rgb, gray] = await Promise.all([loadPhoto(PHOTO), loadPhoto(PHOTO, { gray: true })]);
  });
  afterAll(() => h.controller.dispose());

  it.each<['RGB' | 'Grayscale', 8 | 16 | 32]>([
    ['RGB', 8], ['RGB', 16], ['RGB', 32], ['Grayscale', 8], ['Grayscale', 16], ['Grayscale', 32],
  ])('%s at %i bits is restored', async (space, depth) => {
    const doc = openPhotoAsBackground(h.fake, space === 'RGB' ? rgb : gray, { depth, title: `${space}-${depth}.psd` });
    expect(doc.mode).toBe(space === 'RGB' ? 'RGBColorMode' : 'grayscaleMode');
    expect(doc.bitsPerChannel).toBe(`bitDepth${depth}`);
    await expectRestored(h, doc, 2);
  });
});

describe('another plugin holds the modal state', () => {
  it.each([
    ['26.0.0', 'Plugin: com.other.plugin is running a modal command'],
    ['25.0.0', 'host is in a modal state'],
  ])('Photoshop %s: refused while held, restores once released', async (hostVersion, photoshopSays) => {
    const h = await makeHarness({ fake: { hostVersion } });
    try {
      h.controller.setModel(IDENTITY);
      const doc = openPhotoAsBackground(h.fake, await loadPhoto(PHOTO));
      const release = h.fake.holdModal('com.other.plugin');
      try {
        await expectRefusal(h, 'restore', ['Photoshop is busy with another command or plugin', photoshopSays, 'Finish or cancel it, then try again'], doc);
      } finally {
        release();
      }
      await expectRestored(h, doc, 2);
    } finally {
      await h.controller.dispose();
    }
  });
});

describe('models missing', () => {
  // The sizes are the bundled catalog's (models/catalog.json), written as the panel writes sizes.
  const catalog = bundledCatalog();
  const GFPGAN_SIZE = formatSize(catalog.models.find((m) => m.id === 'gfpgan-1.4')!.size!);
  const YUNET_SIZE = formatSize(catalog.models.find((m) => m.id === 'yunet-2023mar')!.size!);
  const cases: ReadonlyArray<[string, string[], string, Words]> = [
    ['no model at all', [], 'restore', [`GFPGAN v1.4 and the face detector YuNet 2023mar are not installed. Download them in Models below (${GFPGAN_SIZE} and ${YUNET_SIZE}), import .onnx files, or put them`]],
    ['no restore model', ['detection/yunet-2023mar-640.onnx'], 'restore', [`GFPGAN v1.4 is not installed. Download it in Models below (${GFPGAN_SIZE}), import an .onnx file, or put one`]],
    ['no face detector', ['restore/identity-512.onnx'], 'detection', [`The face detector YuNet 2023mar is not installed. Download it in Models below (${YUNET_SIZE}), import an .onnx file, or put one`]],
  ];
  describe.each(cases)('%s', (_, modelFiles, sub, words) => {
    let h: Harness;
    beforeAll(async () => {
      // The plugin has UXP's fetch (index.ts), so the advice includes Download; none is made here.
      h = await makeHarness({ modelFiles, models: { fetch: (url, init) => fetch(url, init) } });
    });
    afterAll(() => h.controller.dispose());

    const folder = (): string => path.join(h.dataDir, 'models', sub);

    it('says at start-up which model is missing, how to get it and which folder to put it into', async () => {
      await h.controller.ready;
      const { state } = h.controller;
      expect(state.phase).toBe('idle');
      expect(state.status.kind).toBe('error');
      expect(state.status.text).toContain(`into ${folder()}`);
      expect(state.status.text).toContain(`models/${sub}`);
      for (const w of words) expect(state.status.text).toContain(w as string);
      expect(state.models.map((m) => m.id)).toEqual(modelFiles.filter((f) => f.startsWith('restore/')).map((f) => path.basename(f)));
    });

    it.each<Press>(['restore', 'findFaces'])('refuses %s without touching the document', async (press) => {
      const doc = openDoc(h, [opaque('Photo')]);
      const modalCalls = h.fake.modalCalls.length;
      await expectRefusal(h, press, [...words, `into ${folder()}`, `models/${sub}`], doc);
      expect(h.fake.modalCalls).toHaveLength(modalCalls);
    });
  });
});

describe('the runtime cannot run models', () => {
  const text = 'This Photoshop has no WebAssembly, so models cannot run inside the panel.';
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness({ canRun: false });
  });
  afterAll(() => h.controller.dispose());

  it('says so at start-up', () => {
    expect(h.controller.state.canRun).toBe(false);
    expect(h.controller.state.status).toEqual({ kind: 'error', text });
    expect(h.controller.state.phase).toBe('idle');
  });

  it.each<Press>(['restore', 'findFaces'])('refuses %s without touching the document', async (press) => {
    const doc = openDoc(h, [opaque('Photo')]);
    const modalCalls = h.fake.modalCalls.length;
    expect(await expectRefusal(h, press, [], doc)).toBe(text);
    expect(h.controller.state.canRun).toBe(false);
    expect(h.fake.modalCalls).toHaveLength(modalCalls);
  });
});

describe('faces listed, all unticked', () => {
  let h: Harness;
  let doc: PsDocument;
  beforeAll(async () => {
    h = await makeHarness();
    h.controller.setModel(IDENTITY);
    doc = openPhotoAsBackground(h.fake, await loadPhoto(PHOTO));
  });
  afterAll(() => h.controller.dispose());

  it('refuses Restore with NO_FACE_SELECTED words, then restores once a face is ticked again', async () => {
    await h.controller.findFaces();
    expect(h.controller.state.status.kind).toBe('success');
    expect(h.controller.state.faces.map((f) => f.number)).toEqual([1, 2]);
    for (const face of h.controller.state.faces) h.controller.setFaceSelected(face.number, false);
    expect(h.controller.state.faces.every((f) => !f.isSelected)).toBe(true);
    await expectRefusal(h, 'restore', ['No face is ticked in the list', 'Tick the faces to restore, then press Restore'], doc);

    h.controller.setFaceSelected(1, true);
    await expectRestored(h, doc, 1);
  });
});
