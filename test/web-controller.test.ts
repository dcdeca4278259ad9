/**
 * The web page's controller under Node with real parts: onnxruntime-node, a models store in a temp folder, the bundled
 * catalog, sharp for the page's image files, the shared models and photos. Models are imported through the file
 * picker as on the page; the picture, the before/after result, the strength slider, the saved files, ×2 with
 * Real-ESRGAN and Cancel are checked against what the engine gives directly for the same pixels.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp, { type Sharp } from 'sharp';
import { createRestorer, createUpsampler, detectorPixels, type ModelRuntime, type PixelImage, type Restorer, type RestoreResult } from '../src/core';
import { faceLayerImage, faceMaskImage } from '../src/host/browser/image-files';
import { createWebController, type WebAppController } from '../src/host/browser/web-controller';
import { readImage } from '../src/host/node/image-io';
import { createNodeModelHost, createNodeModelStore, nodeClock, nodeSha256 } from '../src/host/node/model-host';
import { createNodeRuntime } from '../src/host/node/ort';
import { bundledCatalog } from '../src/host/panel/bundled-catalog';
import type { PickedFile } from '../src/host/panel/models-controller';
import { EXPECTED_FACES, sharedImage, sharedModel } from './helpers/shared';

const PHOTO = 'codeformer_whole_00.jpg';
const STEM = 'codeformer_whole_00';
const SMALL_PHOTO = 'codeformer_whole_01.jpg';
const UNSHARP = 'restore/unsharp-512.onnx';
const YUNET = 'detection/yunet-2023mar-640.onnx';
const X4V3 = 'upscale/realesr-general-x4v3.onnx';

/** The page's controller over a models folder `dir`; `saved`: the downloads; `picks`: what importModel() picks next. */
interface Page {
  readonly web: WebAppController;
  readonly dir: string;
  readonly saved: Array<{ blob: Blob; name: string }>;
  readonly picks: PickedFile[];
  /** Model runs so far. */
  runs(): number;
}

const temps: string[] = [];
const tempDir = (prefix: string): string => temps[temps.push(fs.mkdtempSync(path.join(os.tmpdir(), prefix))) - 1];
afterAll(() => temps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** The runtime, counting every model run. */
function counting(runtime: ModelRuntime, onRun: () => void): ModelRuntime {
  return {
    name: runtime.name,
    async load(source, options) {
      const model = await runtime.load(source, options);
      return { inputs: model.inputs, outputs: model.outputs, run: (feeds) => (onRun(), model.run(feeds)), release: () => model.release() };
    },
  };
}

const raw = (image: PixelImage): Sharp => {
  if (!(image.data instanceof Uint8Array)) throw new Error('the page only writes 8-bit images');
  const { data, width, height, channels } = image;
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } });
};

async function openPage(options: { canDownload?: boolean } = {}): Promise<Page> {
  const dir = tempDir('fr-web-models-');
  const saved: Page['saved'] = [];
  const picks: PickedFile[] = [];
  let runs = 0;
  const web = createWebController({
    catalog: bundledCatalog(),
    modelHost: options.canDownload ? createNodeModelHost({ root: dir }) : { store: createNodeModelStore(dir), sha256: nodeSha256, clock: nodeClock },
    createRuntime: async () => counting(createNodeRuntime(), () => runs++),
    runtime: { threads: 1, isCrossOriginIsolated: false, note: 'Runs under Node.' },
    files: {
      // As the page reads a dropped file: its bytes, under its name.
      async decode(blob, name) {
        const file = path.join(tempDir('fr-web-open-'), name);
        fs.writeFileSync(file, new Uint8Array(await blob.arrayBuffer()));
        return (await readImage(file)).image;
      },
      encodePng: async (image) => new Blob([new Uint8Array(await raw(image).png().toBuffer())], { type: 'image/png' }),
      thumbnailUrl: async (image) => `data:image/jpeg;base64,${(await raw(image).jpeg({ quality: 85 }).toBuffer()).toString('base64')}`,
      save: (blob, name) => void saved.push({ blob, name }),
      pickModelFile: async () => picks.shift(),
    },
    yieldToHost: () => new Promise((resolve) => setImmediate(resolve)),
  });
  await web.ready;
  return { web, dir, saved, picks, runs: () => runs };
}

/** A shared model as the page's picker returns it: the file's name and bytes. */
function pick(relative: string, name = path.basename(relative), bytes: Uint8Array = fs.readFileSync(sharedModel(relative))): PickedFile {
  return { name, source: name, bytes: new Uint8Array(bytes) };
}

/** A shared photo as a dropped file. */
const photoFile = (name: string): File => new File([new Uint8Array(fs.readFileSync(sharedImage(name)))], name, { type: 'image/jpeg' });

/** Every file in the models store, relative, sorted. */
const storeFiles = (dir: string): string[] => (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();

const sha = (data: ArrayBufferView): string => createHash('sha1').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');

/** An 8-bit RGB image as the page draws it (RGBA, opaque), made here independently of the controller. */
function rgba(image: PixelImage): Uint8ClampedArray {
  expect([image.channels, image.maxValue]).toEqual([3, 255]);
  const out = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, o = 0; o < out.length; i += 3, o += 4) {
    out.set(image.data.subarray(i, i + 3) as Uint8Array, o);
    out[o + 3] = 255;
  }
  return out;
}

/** A saved PNG's pixels (RGBA), decoded by sharp. */
async function savedPixels(blob: Blob): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { data, info } = await sharp(Buffer.from(await blob.arrayBuffer())).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** The engine on its own, with the models and detector settings the page uses. */
function directEngine(): Restorer {
  const yunet = bundledCatalog().models.find((m) => m.id === 'yunet-2023mar');
  if (yunet?.role !== 'detector') throw new Error('the catalog has no YuNet detector');
  return createRestorer({
    runtime: createNodeRuntime(),
    detector: { kind: 'yunet', source: { label: 'yunet', location: sharedModel(YUNET) }, pixels: detectorPixels(yunet) },
    restorer: { source: { label: 'unsharp-512.onnx', location: sharedModel(UNSHARP) } },
  });
}

/** Lets a strength change (blended between host yields) land. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

const resultSha = (page: Page): string => sha(page.web.web.result!.pixels.data);

describe('start-up and Models', () => {
  const pages: Page[] = [];
  afterAll(() => Promise.all(pages.map((p) => p.web.dispose())));

  it('names the missing GFPGAN and YuNet without offering a folder; Download follows the host’s transport', async () => {
    const offline = await openPage();
    const online = await openPage({ canDownload: true });
    pages.push(offline, online);
    for (const page of [offline, online]) {
      const { state } = page.web;
      expect(state.phase).toBe('idle');
      expect(state.status.kind).toBe('error');
      expect(state.status.text).toMatch(/^GFPGAN .* and the face detector YuNet .* are not installed\. .*\.$/);
      expect(state.status.text).not.toMatch(/put (one|them) into/);
      expect(state.status.text).not.toContain(page.dir);
      expect(state.models).toEqual([]);
    }
    expect(offline.web.state.canDownload).toBe(false);
    expect(online.web.state.canDownload).toBe(true);
    const yunetRow = (page: Page) => page.web.state.catalogModels.find((m) => m.id === 'yunet-2023mar');
    expect(yunetRow(offline)).toMatchObject({ state: 'missing', detail: expect.stringMatching(/^Downloads are unavailable here/) });
    expect(yunetRow(online)).toMatchObject({ state: 'missing', detail: expect.stringMatching(/^From /) });
  });

  it('refuses a JPEG and a broken detector, installing nothing; installs the restore model and YuNet by their contracts', async () => {
    const page = await openPage();
    pages.push(page);
    const yunet = fs.readFileSync(sharedModel(YUNET));
    page.picks.push( // a JPEG, and YuNet cut in half
      { name: PHOTO, source: PHOTO, bytes: new Uint8Array(await photoFile(PHOTO).arrayBuffer()) },
      pick(YUNET, 'yunet-2023mar-640.onnx', yunet.subarray(0, yunet.length >> 1)),
    );
    await page.web.importModel();
    expect(page.web.state.status).toEqual({ kind: 'error', text: expect.stringMatching(/^Not imported: codeformer_whole_00\.jpg cannot be used: it does not start like an ONNX model/) });
    await page.web.importModel();
    expect(page.web.state.status).toEqual({ kind: 'error', text: expect.stringMatching(/^Not imported: yunet-2023mar-640\.onnx cannot be used: it ends in the middle of the model/) });
    expect(storeFiles(page.dir)).toEqual([]);
    expect(page.web.state.isImporting).toBe(false);

    page.picks.push(pick(UNSHARP), pick(YUNET));
    await page.web.importModel();
    expect(page.web.state.status).toEqual({ kind: 'success', text: 'Imported unsharp-512.onnx as the restore model “unsharp-512”.' });
    expect(page.web.state.models).toEqual([{ id: 'unsharp-512.onnx', label: 'unsharp-512' }]);
    await page.web.importModel();
    expect(page.web.state.status.text).toMatch(/^Imported yunet-2023mar-640\.onnx as the face detector “YuNet/);
    expect(page.web.state.detectors).toEqual([{ id: 'yunet', label: 'YuNet' }]);
    expect(storeFiles(page.dir)).toEqual(expect.arrayContaining([path.join('detection', 'yunet-2023mar-640.onnx'), path.join('restore', 'unsharp-512.onnx')]));
    await page.web.importModel();
    expect(page.web.state.status).toEqual({ kind: 'info', text: 'Nothing imported: no file was chosen.' });
  });
});

describe('a photo on the page, restored', () => {
  let page: Page;
  let engine: Restorer;
  let image: PixelImage;
  /** The engine's own restore of the photo, composited at strength 1. */
  let full: RestoreResult;

  beforeAll(async () => {
    page = await openPage();
    page.picks.push(pick(UNSHARP), pick(YUNET));
    await page.web.importModel();
    await page.web.importModel();
    image = (await readImage(sharedImage(PHOTO))).image;
    engine = directEngine();
    full = await engine.restore(image);
  });
  afterAll(async () => {
    await page.web.dispose();
    await engine.dispose();
  });

  it('refuses to restore with no photo, and says a file that is no image is none, opening nothing', async () => {
    await page.web.restore();
    expect(page.web.state.status).toEqual({ kind: 'error', text: 'Open a photo first: drop it on the page, or use Open image….' });
    await page.web.openImage(new File(['shopping list\n'], 'notes.txt', { type: 'text/plain' }));
    expect(page.web.state.status.kind).toBe('error');
    expect(page.web.state.status.text).toContain('notes.txt');
    expect(page.web.web).toMatchObject({ image: undefined, isOpening: false, result: undefined });
  });

  it('opens the photo as the decoded pixels', async () => {
    await page.web.openImage(photoFile(PHOTO));
    const opened = page.web.web.image!;
    expect(page.web.state.status).toEqual({ kind: 'info', text: `Opened ${PHOTO} (${image.width}×${image.height}). Press Restore, or Find faces to choose which.` });
    expect([opened.name, opened.pixels.width, opened.pixels.height]).toEqual([PHOTO, image.width, image.height]);
    expect(sha(opened.pixels.data)).toBe(sha(rgba(image)));
  });

  it('restores every face into exactly the engine’s composite, and lists them', async () => {
    await page.web.restore();
    const n = EXPECTED_FACES[PHOTO];
    expect(full.faces).toHaveLength(n);
    expect(page.web.state.status).toMatchObject({ kind: 'success', text: expect.stringMatching(new RegExp(`^Restored ${n} faces\\. `)) });
    const { result } = page.web.web;
    expect([result!.name, result!.pixels.width, result!.pixels.height]).toEqual([`${STEM}-restored.png`, image.width, image.height]);
    expect(resultSha(page)).toBe(sha(rgba(full.image!)));
    expect(page.web.state.faces.map((f) => [f.number, f.isSelected])).toEqual(full.faces.map((f) => [f.index + 1, true]));
    expect(page.web.web.faceFiles.map((f) => f.number)).toEqual(full.faces.map((f) => f.index + 1));
    expect(page.web.state.canSetStrength).toBe(true);
  });

  it('re-blends on Face strength without running a model: 0 is the photo, 0.5 the engine’s composite at 0.5', async () => {
    const runs = page.runs();
    page.web.setStrength(0, true);
    await settle();
    expect(resultSha(page)).toBe(sha(rgba(image)));
    for (const s of [0.2, 0.3, 0.4]) page.web.setStrength(s, false);
    page.web.setStrength(0.5, true);
    await settle();
    expect(resultSha(page)).toBe(sha(rgba(engine.composite(image, full, { strength: 0.5 }))));
    expect(page.web.state.strength).toBe(0.5);
    expect(page.runs()).toBe(runs);
  });

  it('saves the result at the current strength, and each face’s layer and mask as the engine placed it', async () => {
    const { width, height } = image;
    await page.web.saveResult();
    await page.web.saveFace(1, 'layer');
    await page.web.saveFace(1, 'mask');
    expect(page.web.state.status).toEqual({ kind: 'success', text: `Saved ${STEM}-face-01-mask.png (${width}×${height}) to your downloads.` });
    expect(page.saved.map((s) => s.name)).toEqual([`${STEM}-restored.png`, `${STEM}-face-01.png`, `${STEM}-face-01-mask.png`]);
    const placement = full.faces.find((f) => f.index === 0)!.placement!;
    const expected = [rgba(engine.composite(image, full, { strength: 0.5 })), faceLayerImage(placement, width, height).data, faceMaskImage(placement, width, height).data];
    for (const [i, file] of page.saved.entries()) {
      const png = await savedPixels(file.blob);
      expect([png.width, png.height]).toEqual([width, height]);
      expect(sha(png.data)).toBe(sha(expected[i]));
    }
    await page.web.saveFace(99, 'layer');
    expect(page.web.state.status).toEqual({ kind: 'error', text: 'Nothing to save: face 99 is not there. Restore first.' });
    expect(page.saved).toHaveLength(3);
  });

  /** A restore that calls `act` at the first progress whose fraction `when` accepts; returns the model runs it made. */
  async function restoreActing(when: (fraction: number) => boolean, act: () => void): Promise<number> {
    const runs = page.runs();
    let acted = false;
    const stop = page.web.subscribe(() => {
      const { phase, progress } = page.web.state;
      if (!acted && phase === 'restoring' && progress && when(progress.fraction)) {
        acted = true;
        act();
      }
    });
    try {
      await page.web.restore();
    } finally {
      stop();
    }
    expect(acted).toBe(true);
    return page.runs() - runs;
  }
  const cancel = (): void => page.web.cancel();

  it('cancels at the first progress of a restore or after a face, keeping the previous result; the next restore works', async () => {
    page.web.setStrength(1, true);
    await settle();
    const before = page.web.web.result;
    const beforeSha = resultSha(page);
    const ran = [await restoreActing(() => true, cancel), await restoreActing((fraction) => fraction > 0.25, cancel)];
    expect(page.web.state).toMatchObject({ phase: 'idle', progress: undefined, status: { kind: 'info', text: 'Cancelled. The picture is as it was.' } });
    expect(page.web.web.result).toBe(before);
    expect(resultSha(page)).toBe(beforeSha);
    const runs = page.runs();
    await page.web.restore();
    expect(page.web.state.status.kind).toBe('success');
    expect(resultSha(page)).toBe(sha(rgba(full.image!)));
    // The listed faces are restored without detecting again: cancelled before any run, then after the first face's.
    expect(ran).toEqual([0, 1]);
    expect(page.runs() - runs).toBe(EXPECTED_FACES[PHOTO]);
  });

  // BUG in src/host/browser/web-controller.ts restore(): `const strength = state.strength` is read before the models run
  // and the new result is composited and kept at that value, so a slider move during the run shows on the slider but
  // not on the picture (nor in the saved file). Make this an ordinary `it` once fixed.
  it('shows the new result at the strength the slider was moved to during the restore', async () => {
    try {
      await restoreActing((fraction) => fraction > 0.25, () => page.web.setStrength(0.3, true));
      await settle();
      expect(page.web.state.strength).toBe(0.3);
      expect(resultSha(page)).toBe(sha(rgba(engine.composite(image, full, { strength: 0.3 }))));
    } finally {
      page.web.setStrength(1, true);
      await settle();
    }
  });

  it('finds the faces, and restores only the ticked ones, changing nothing outside them', async () => {
    await page.web.findFaces();
    const n = EXPECTED_FACES[PHOTO];
    expect(page.web.state.status).toEqual({ kind: 'success', text: `Found ${n} faces in ${PHOTO}. Untick any you want to leave alone, then press Restore.` });
    const { faces } = page.web.state;
    expect(faces.map((f) => f.number)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    for (const f of faces) expect(f.thumbnail).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/]{100,}/);
    const { boxes } = page.web.web;
    expect(boxes.map((b) => b.number)).toEqual(faces.map((f) => f.number));
    for (const b of boxes) expect(b.width > 0 && b.height > 0 && b.x >= 0 && b.y >= 0 && b.x + b.width <= image.width && b.y + b.height <= image.height).toBe(true);

    page.web.setFaceSelected(2, false);
    expect(page.web.web.boxes.map((b) => b.isSelected)).toEqual(faces.map((f) => f.number !== 2));
    await page.web.restore();
    const ticked = faces.map((f) => f.number).filter((k) => k !== 2);
    expect(page.web.state.status.text).toMatch(new RegExp(`^Restored ${n - 1} faces\\. `));
    expect(page.web.web.faceFiles.map((f) => f.number)).toEqual(ticked);
    expect(page.web.state.faces.map((f) => f.isSelected)).toEqual(faces.map((f) => f.number !== 2));

    const detected = await engine.detect(image);
    const partial = await engine.restore(image, { faces: detected.filter((f) => f.index !== 1) });
    expect(resultSha(page)).toBe(sha(rgba(partial.image!)));
    const rects = partial.faces.map((f) => f.placement!.rect);
    const inside = (x: number, y: number): boolean => rects.some((r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height);
    const out = page.web.web.result!.pixels.data;
    const input = rgba(image);
    let outside = 0, changed = 0;
    for (let k = 0; k < out.length; k++) {
      if (out[k] === input[k]) continue;
      changed++;
      const p = k >> 2;
      if (!inside(p % image.width, Math.floor(p / image.width))) outside++;
    }
    expect(changed).toBeGreaterThan(0);
    expect(outside).toBe(0);
  });

  it('refuses ×2 with no upscaler installed, saying how to get one, and leaves the picture as it was', async () => {
    const before = page.web.web.result;
    const opened = page.web.web.image;
    page.web.setUpscale('2');
    await page.web.restore();
    expect(page.web.state.status.kind).toBe('error');
    expect(page.web.state.status.text).toMatch(/^Upscaling needs an upscaler model\. .*in Models below; or choose ×1\.$/);
    expect(page.web.state.status.text).not.toMatch(/put one into/);
    expect(page.web.web.result).toBe(before);
    expect(page.web.web.image).toBe(opened);
    expect(page.web.state.phase).toBe('idle');
  });

  it('restores ×2 with Real-ESRGAN imported: the engine’s faces over the upsampler’s background', async () => {
    page.picks.push(pick(X4V3));
    await page.web.importModel();
    expect(page.web.state.status.text).toMatch(/^Imported realesr-general-x4v3\.onnx as the upscaler “/);
    expect(page.web.state.upscalers.map((u) => u.id)).toEqual(['realesr-general-x4v3.onnx']);
    // A ×2 network with free input and output sizes also passes the restore model's checks: it is an upscaler.
    page.picks.push(pick('upscale/2x-nomos-uni-compact.onnx'));
    await page.web.importModel();
    expect(page.web.state.status.text).toMatch(/^Imported 2x-nomos-uni-compact\.onnx as the upscaler “/);
    expect(page.web.state.models.map((m) => m.id)).not.toContain('2x-nomos-uni-compact.onnx');
    const nomos = page.web.state.catalogModels.find((m) => m.name.startsWith('2x-nomos'))!;
    expect(nomos.role).toBe('upsampler');
    await page.web.removeModel(nomos.id);
    expect(page.web.state.upscalers.map((u) => u.id)).toEqual(['realesr-general-x4v3.onnx']);
    // A smaller photo keeps the two Real-ESRGAN runs (the page's and the reference's) short.
    const small = (await readImage(sharedImage(SMALL_PHOTO))).image;
    await page.web.openImage(photoFile(SMALL_PHOTO));
    await page.web.restore();
    const [w, h] = [small.width * 2, small.height * 2];
    expect(page.web.state.status.text).toMatch(new RegExp(`^Restored ${EXPECTED_FACES[SMALL_PHOTO]} faces at ×2 \\(${w}×${h}\\)\\. `));

    const upsampler = createUpsampler({ runtime: createNodeRuntime(), source: { label: 'x4v3', location: sharedModel(X4V3) } });
    try {
      // As the page calls it: the engine's default tiles.
      const background = await upsampler.upscale(small, { scale: 2 });
      const faces = await engine.restore(small, { upscale: 2, shouldComposite: false });
      const expected = engine.composite(small, { ...faces, background }, { strength: 1 });
      expect([page.web.web.result!.pixels.width, page.web.web.result!.pixels.height]).toEqual([w, h]);
      expect(resultSha(page)).toBe(sha(rgba(expected)));
      const runs = page.runs();
      page.web.setStrength(0.5, true);
      await settle();
      expect(resultSha(page)).toBe(sha(rgba(engine.composite(small, { ...faces, background }, { strength: 0.5 }))));
      expect(page.runs()).toBe(runs);
      await page.web.saveFace(1, 'mask');
      expect(page.saved.at(-1)!.name).toBe('codeformer_whole_01-face-01-mask.png');
      const mask = await savedPixels(page.saved.at(-1)!.blob);
      expect([mask.width, mask.height]).toEqual([w, h]);
      expect(sha(mask.data)).toBe(sha(faceMaskImage(faces.faces.find((f) => f.index === 0)!.placement!, w, h).data));
    } finally {
      await upsampler.dispose();
      page.web.setUpscale('1');
      page.web.setStrength(1, true);
    }
  });

  it('says a photo without a face has none, and shows no result', async () => {
    const gray = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
    await page.web.openImage(new File([new Uint8Array(gray)], 'gray.png', { type: 'image/png' }));
    expect(page.web.web.image?.name).toBe('gray.png');
    for (const action of [() => page.web.restore(), () => page.web.findFaces()]) {
      await action();
      expect(page.web.state.status).toEqual({ kind: 'error', text: expect.stringMatching(/^No face found in gray\.png\. /) });
      expect(page.web.web).toMatchObject({ result: undefined, faceFiles: [], boxes: [] });
      expect(page.web.state).toMatchObject({ phase: 'idle', faces: [], canSetStrength: false });
    }
  });
});
