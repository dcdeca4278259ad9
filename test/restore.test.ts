/**
 * The engine end to end on the shared photos and models (identity, unsharp and the full-size GFPGAN stand-in):
 * what changes and what must not, pixel formats, strength, cancellation, progress and refusals.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRestorer, type PixelImage, type ProgressEvent, type Restorer, type RestoreResult } from '../src/core';
import type { ModelRuntime } from '../src/core/runtime';
import { readImage } from '../src/host/node/image-io';
import { createNodeRuntime } from '../src/host/node/ort';
import { EXPECTED_FACES, sharedImage, sharedModel } from './helpers/shared';

const { abs, max } = Math;
const YUNET = 'detection/yunet-2023mar-640.onnx';

function makeRestorer(model: string, runtime: ModelRuntime = createNodeRuntime()): Restorer {
  return createRestorer({
    runtime,
    detector: { kind: 'yunet', source: { label: 'yunet', location: sharedModel(YUNET) } },
    restorer: { source: { label: path.basename(model), location: model } },
  });
}

const identity = makeRestorer(sharedModel('restore/identity-512.onnx'));
const unsharp = makeRestorer(sharedModel('restore/unsharp-512.onnx'));
afterAll(async () => {
  await identity.dispose();
  await unsharp.dispose();
});

const load = async (name: string): Promise<PixelImage> => (await readImage(sharedImage(name))).image;

/** Per pixel: 0 outside every placement, 1 where some mask is full, 2 on a soft edge. */
function faceMap(result: RestoreResult): Uint8Array {
  const map = new Uint8Array(result.width * result.height);
  for (const f of result.faces) {
    const p = f.placement;
    if (!p) continue;
    for (let j = 0; j < p.rect.height; j++) {
      for (let i = 0; i < p.rect.width; i++) {
        const m = p.mask[j * p.rect.width + i];
        const k = (p.rect.y + j) * result.width + p.rect.x + i;
        if (m > 0 && m < 1) map[k] = 2;
        else if (m >= 1 && map[k] === 0) map[k] = 1;
      }
    }
  }
  return map;
}

interface Diff { outsideMax: number; insideMean: number; changedOutside: number; changedInside: number }

function diff(a: PixelImage, b: PixelImage, map: Uint8Array, channels = Math.min(a.channels, 3)): Diff {
  let outsideMax = 0, insideSum = 0, insideN = 0, changedOutside = 0, changedInside = 0;
  for (let i = 0; i < map.length; i++) {
    for (let c = 0; c < channels; c++) {
      const d = abs(a.data[i * a.channels + c] - b.data[i * b.channels + c]);
      if (map[i] === 0) { outsideMax = max(outsideMax, d); if (d) changedOutside++; }
      else { if (d) changedInside++; if (map[i] === 1) { insideSum += d; insideN++; } }
    }
  }
  return { outsideMax, insideMean: insideN ? insideSum / insideN : 0, changedOutside, changedInside };
}

describe('identity model', () => {
  it.each(Object.keys(EXPECTED_FACES))('gives back %s: exactly outside the faces, within resampling error inside', async (photo) => {
    const image = await load(photo);
    const result = await identity.restore(image);
    expect(result.faces).toHaveLength(EXPECTED_FACES[photo]);
    const out = result.image as PixelImage;
    expect([out.width, out.height, out.channels, out.maxValue]).toEqual([image.width, image.height, image.channels, image.maxValue]);
    const d = diff(out, image, faceMap(result));
    expect(d.outsideMax).toBe(0);
    // Inside, the face went through two bilinear warps (to the crop and back), as in the reference: the mean error
    // stays within a few levels (worst photo ≈ 2.6, a sharp JPEG whose faces are barely enlarged in the crop).
    expect(d.insideMean).toBeLessThan(3);
    if (image.channels === 4) {
      let alphaChanged = 0;
      for (let i = 3; i < out.data.length; i += 4) if (out.data[i] !== image.data[i]) alphaChanged++;
      expect(alphaChanged).toBe(0);
    }
  });
});

describe('unsharp model', () => {
  it.each(['gfpgan_whole_00.jpg', 'codeformer_whole_00.jpg', 'scrfd-opencv_s_l.jpg'])('changes %s only inside the face placements', async (photo) => {
    const image = await load(photo);
    const result = await unsharp.restore(image);
    const d = diff(result.image as PixelImage, image, faceMap(result));
    expect(d.changedOutside).toBe(0);
    expect(d.changedInside).toBeGreaterThan(1000);
  });

  it('places faces at the new scale with -s 2 and keeps the rest a Lanczos resize', async () => {
    const image = await load('codeformer_whole_00.jpg');
    const [plain, restored] = await Promise.all([
      identity.restore(image, { upscale: 2, faces: [] }),
      unsharp.restore(image, { upscale: 2 }),
    ]);
    expect([restored.width, restored.height]).toEqual([2 * image.width, 2 * image.height]);
    const d = diff(restored.image as PixelImage, plain.image as PixelImage, faceMap(restored));
    expect(d.changedOutside).toBe(0);
    expect(d.changedInside).toBeGreaterThan(1000);
    // Each placement sits where the face's box lands at ×2.
    for (const f of restored.faces) {
      const p = f.placement;
      if (!p) throw new Error('face without placement');
      const cx = (f.box[0] + f.box[2]), cy = (f.box[1] + f.box[3]);
      expect(abs(p.rect.x + p.rect.width / 2 - cx)).toBeLessThan(0.25 * p.rect.width);
      expect(abs(p.rect.y + p.rect.height / 2 - cy)).toBeLessThan(0.25 * p.rect.height);
    }
  });
});

describe('aligned inputs (--aligned)', () => {
  it.each(['gfpgan_cropped_Adele_crop.png', 'codeformer_cropped_0143.png', 'codeformer_gray_Hepburn01.png'])('restores %s as is', async (photo) => {
    const image = await load(photo);
    const { crop, restored } = await identity.restoreAligned(image);
    expect([crop.width, crop.height]).toEqual([512, 512]);
    // 512² input: the resize is a copy and the identity model gives it back to the level.
    for (let i = 0; i < 512 * 512 * 3; i++) {
      if (restored.data[i] !== image.data[i] || crop.data[i] !== image.data[i]) throw new Error(`sample ${i} differs`);
    }
  });

  it('stretches other sizes to 512² (bilinear), as the reference does', async () => {
    const image = await load('facexlib_test.jpg');
    const { crop } = await identity.restoreAligned(image);
    expect([crop.width, crop.height]).toEqual([512, 512]);
  });
});

describe('pixel formats', () => {
  const rgb = load('scrfd-opencv_s_l.jpg');

  it('keeps a gray photo gray', async () => {
    const src = await rgb;
    const n = src.width * src.height;
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = Math.round(0.299 * src.data[3 * i] + 0.587 * src.data[3 * i + 1] + 0.114 * src.data[3 * i + 2]);
    const gray: PixelImage = { width: src.width, height: src.height, channels: 1, data, maxValue: 255 };
    const result = await identity.restore(gray);
    expect(result.faces).toHaveLength(2);
    const out = result.image as PixelImage;
    expect(out.channels).toBe(1);
    const d = diff(out, gray, faceMap(result), 1);
    expect(d.outsideMax).toBe(0);
    expect(d.insideMean).toBeLessThan(3);
  });

  it('keeps transparency (a gradient alpha survives ×1 exactly and is resized at ×2)', async () => {
    const src = await rgb;
    const n = src.width * src.height;
    const data = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      data.set(src.data.subarray(3 * i, 3 * i + 3), 4 * i);
      data[4 * i + 3] = (i % src.width) % 256;
    }
    const rgba: PixelImage = { width: src.width, height: src.height, channels: 4, data, maxValue: 255 };
    const one = (await unsharp.restore(rgba)).image as PixelImage;
    for (let i = 3; i < data.length; i += 4) if (one.data[i] !== data[i]) throw new Error(`alpha changed at ${i}`);
    const two = (await unsharp.restore(rgba, { upscale: 2 })).image as PixelImage;
    expect(two.channels).toBe(4);
    // Alpha along a row is the x ramp: at ×2 output x=2k+1 sits at input x≈k+0.25.
    const row = 100 * two.width;
    expect(abs(two.data[(row + 201) * 4 + 3] - 100.25)).toBeLessThan(1);
  });

  it('keeps 16 bits: values outside the faces come back exactly, not through 8 bits', async () => {
    const src = await rgb;
    const n = src.width * src.height;
    const data = new Uint16Array(n * 3);
    for (let i = 0; i < n * 3; i++) data[i] = src.data[i] * 257 + ((i * 37) % 200) - 100 < 0 ? 0 : Math.min(65535, src.data[i] * 257 + ((i * 37) % 200) - 100);
    const deep: PixelImage = { width: src.width, height: src.height, channels: 3, data, maxValue: 65535 };
    const result = await unsharp.restore(deep);
    const out = result.image as PixelImage;
    expect(out.data).toBeInstanceOf(Uint16Array);
    expect(out.maxValue).toBe(65535);
    const d = diff(out, deep, faceMap(result));
    expect(d.outsideMax).toBe(0);
    // Inside the faces the result is not quantised to 8-bit levels (multiples of 257).
    let offGrid = 0;
    for (let i = 0; i < out.data.length; i++) if (out.data[i] % 257 !== 0) offGrid++;
    expect(offGrid).toBeGreaterThan(0.9 * out.data.length);
  });

  it('keeps Photoshop\'s 16-bit scale (0..32768)', async () => {
    const src = await rgb;
    const data = Uint16Array.from(src.data, (v) => Math.round((v / 255) * 32768));
    const ps: PixelImage = { width: src.width, height: src.height, channels: 3, data, maxValue: 32768 };
    const result = await unsharp.restore(ps);
    const out = result.image as PixelImage;
    expect(out.maxValue).toBe(32768);
    let top = 0;
    for (const v of out.data) top = max(top, v);
    expect(top).toBeLessThanOrEqual(32768);
    expect(diff(out, ps, faceMap(result)).outsideMax).toBe(0);
  });
});

describe('strength and re-compositing', () => {
  it('strength 0 gives the input back; 0.5 lies halfway; composite() re-blends without running models', async () => {
    const image = await load('codeformer_whole_00.jpg');
    const full = await unsharp.restore(image);
    const none = await unsharp.restore(image, { strength: 0 });
    expect(Buffer.compare(Buffer.from((none.image as PixelImage).data), Buffer.from(image.data))).toBe(0);
    const half = await unsharp.restore(image, { strength: 0.5 });
    const a = (full.image as PixelImage).data, h = (half.image as PixelImage).data;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = max(worst, abs(h[i] - (a[i] + image.data[i]) / 2));
    expect(worst).toBeLessThanOrEqual(1);
    const reblended = unsharp.composite(image, full, { strength: 0.5 });
    expect(Buffer.compare(Buffer.from(reblended.data), Buffer.from(h))).toBe(0);
  });

  it('restores only the faces it is given', async () => {
    const image = await load('codeformer_whole_00.jpg');
    const found = await unsharp.detect(image);
    const only = await unsharp.restore(image, { faces: [found[2]] });
    expect(only.faces.map((f) => f.landmarks)).toEqual([found[2].landmarks]);
  });
});

describe('progress and cancellation', () => {
  it('reports monotonic progress ending with exactly one event at 1', async () => {
    const events: ProgressEvent[] = [];
    await unsharp.restore(await load('codeformer_whole_00.jpg'), { onProgress: (e) => events.push(e) });
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    expect(events.filter((e) => e.fraction === 1)).toHaveLength(1);
    expect(events[events.length - 1].fraction).toBe(1);
    expect(events.filter((e) => e.stage === 'restore').map((e) => `${e.done}/${e.total}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
  });

  it('stops between faces when aborted, with an AbortError and no further model runs', async () => {
    const controller = new AbortController();
    let runs = 0;
    const base = createNodeRuntime();
    const counting: ModelRuntime = {
      name: base.name,
      load: async (source) => {
        const m = await base.load(source);
        return { ...m, inputs: m.inputs, outputs: m.outputs, run: (feeds) => { runs++; return m.run(feeds); } };
      },
    };
    const r = makeRestorer(sharedModel('restore/unsharp-512.onnx'), counting);
    const promise = r.restore(await load('codeformer_whole_00.jpg'), {
      signal: controller.signal,
      onProgress: (e) => { if (e.stage === 'restore' && e.done === 1) controller.abort(); },
    });
    await expect(promise).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
    expect(runs).toBe(2); // the detector and the first face
    await r.dispose();
  });

  it('loads each model once and reuses the sessions', async () => {
    let loads = 0;
    const base = createNodeRuntime();
    const r = makeRestorer(sharedModel('restore/identity-512.onnx'), { name: base.name, load: (s) => { loads++; return base.load(s); } });
    const image = await load('facexlib_test.jpg');
    await r.restore(image);
    await r.restore(image);
    expect(loads).toBe(2);
    await r.dispose();
    await expect(r.restore(image)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

describe('refusals', () => {
  it('a detector given as restore model is refused with what was expected', async () => {
    const r = makeRestorer(sharedModel(YUNET));
    await expect(r.warmup()).rejects.toMatchObject({
      code: 'MODEL_CONTRACT',
      message: 'restore model must take input [1,3,512,512]; this one (yunet-2023mar-640.onnx) takes [1,3,640,640]',
    });
    await r.dispose();
  });

  it('a file that is not ONNX is refused naming the file', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fr-')), 'fake.onnx');
    fs.writeFileSync(file, 'not a model');
    const r = makeRestorer(file);
    await expect(r.warmup()).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED', message: expect.stringContaining('fake.onnx could not be loaded as an ONNX model') });
    await r.dispose();
  });

  it('bad options and images fail before any work, with exact messages', async () => {
    const image = await load('facexlib_test.jpg');
    await expect(identity.restore(image, { strength: 2 })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: 'Expected a number between 0 and 1 for strength but received 2 of type number' });
    await expect(identity.restore(image, { upscale: 1.5 })).rejects.toMatchObject({ message: 'Expected an integer between 1 and 8 for upscale but received 1.5 of type number' });
    await expect(identity.restore(image, { strenght: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('Unknown option "strenght"') });
    await expect(identity.restore({ ...image, width: image.width + 1 })).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    const broken = [{ index: 0, score: 1, box: [0, 0, 1, 1], landmarks: [[1, 2], [3, 4]] }] as never;
    await expect(identity.restore(image, { faces: broken })).rejects.toMatchObject({
      message: 'Expected five [x, y] points with finite coordinates for faces[0].landmarks but received [2 items] of type array',
    });
    const huge = createRestorer({
      runtime: createNodeRuntime(),
      detector: { kind: 'yunet', source: { label: 'yunet', location: sharedModel(YUNET) } },
      restorer: { source: { label: 'identity', location: sharedModel('restore/identity-512.onnx') } },
      maxPixels: 100_000,
    });
    await expect(huge.restore(image)).rejects.toMatchObject({ code: 'INVALID_IMAGE', message: expect.stringContaining('above the limit of 0.1 MP') });
    await huge.dispose();
  });
});

describe('the full-size GFPGAN v1.4 architecture (random weights)', () => {
  it('passes the contract check and restores a face (output is noise, shape and range are what matter)', async () => {
    const r = makeRestorer(sharedModel('restore/gfpgan-v1.4-arch-random.fp16w.onnx'));
    const { restored } = await r.restoreAligned(await load('gfpgan_cropped_Adele_crop.png'));
    expect([restored.width, restored.height, restored.channels]).toEqual([512, 512, 3]);
    for (const v of restored.data) if (!(v >= 0 && v <= 255 && Number.isInteger(v))) throw new Error(`bad sample ${v}`);
    await r.dispose();
  });
});

describe('yieldToHost', () => {
  it('gives the host a turn after detection and before every face, and a cancel delivered there stops the run', async () => {
    const image = await load('gfpgan_whole_00.jpg');
    const turns: string[] = [];
    let aborted = false;
    const signal = { get aborted() { return aborted; } };
    const r = createRestorer({
      runtime: createNodeRuntime(),
      detector: { kind: 'yunet', source: { label: 'yunet', location: sharedModel(YUNET) } },
      restorer: { source: { label: 'identity', location: sharedModel('restore/identity-512.onnx') } },
      yieldToHost: async () => {
        turns.push('yield');
        // The host's Cancel click arrives during the second face's turn.
        if (turns.length === 3) aborted = true;
      },
    });
    try {
      const full = await r.restore(image, { shouldComposite: false });
      expect(full.faces).toHaveLength(EXPECTED_FACES['gfpgan_whole_00.jpg']);
      expect(turns).toHaveLength(1 + full.faces.length);
      turns.length = 0;
      aborted = false;
      const progress: ProgressEvent[] = [];
      await expect(r.restore(image, { signal, onProgress: (e) => progress.push(e) })).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
      expect(progress.filter((e) => e.stage === 'restore').map((e) => e.done)).toEqual([1]);
    } finally {
      await r.dispose();
    }
    expect(() => createRestorer({
      runtime: createNodeRuntime(),
      detector: { kind: 'yunet', source: { label: 'y', location: 'y.onnx' } },
      restorer: { source: { label: 'r', location: 'r.onnx' } },
      yieldToHost: 5 as unknown as () => Promise<void>,
    })).toThrow('Expected a function returning a promise for config.yieldToHost but received 5 of type number');
  });
});
