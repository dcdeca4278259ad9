/**
 * The tiled super-resolution upsampler on the shared photos and the real Real-ESRGAN / compact models
 * (onnxruntime-node, 2 threads): tiles against one whole-image run, the scale, registration, pixel formats,
 * progress, cancellation, streaming, refusals, and restore() with an upsampler.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import sharp from 'sharp';
import {
  createRestorer, createUpsampler, isAbortError, UPSCALE_DEFAULTS, type PixelData, type PixelImage, type ProgressEvent, type Upsampler, type UpscaledTile,
} from '../src/core';
import type { LoadedModel, ModelRuntime, ModelSource } from '../src/core/runtime';
import { planTiles, windowPixels } from '../src/core/tiles';
import { readImage } from '../src/host/node/image-io';
import { createNodeRuntime } from '../src/host/node/ort';
import { EXPECTED_FACES, sharedImage, sharedModel } from './helpers/shared';

const { abs, max, round } = Math;

const runtime = createNodeRuntime({ intraOpThreads: 2 });
const source = (relative: string): ModelSource => ({ label: path.basename(relative), location: sharedModel(relative) });
const GENERAL = source('upscale/realesr-general-x4v3.onnx');
const ANIME = source('upscale/realesr-animevideov3-x4.onnx');
const NOMOS = source('upscale/2x-nomos-uni-compact.onnx');

const general = createUpsampler({ runtime, source: GENERAL });
const anime = createUpsampler({ runtime, source: ANIME });
const nomos = createUpsampler({ runtime, source: NOMOS });
const models: Readonly<Record<string, Upsampler>> = { general, anime, nomos };
afterAll(async () => {
  await Promise.all([general.dispose(), anime.dispose(), nomos.dispose()]);
});

/** A runtime that counts what the engine asks of it. */
function countingRuntime(): { runtime: ModelRuntime; loads: number; runs: number; releases: number } {
  const counter = {
    loads: 0,
    runs: 0,
    releases: 0,
    runtime: {
      name: runtime.name,
      load: async (s: ModelSource): Promise<LoadedModel> => {
        counter.loads++;
        const m = await runtime.load(s);
        return {
          inputs: m.inputs,
          outputs: m.outputs,
          run: (feeds) => { counter.runs++; return m.run(feeds); },
          release: () => { counter.releases++; return m.release(); },
        };
      },
    } as ModelRuntime,
  };
  return counter;
}

const load = async (name: string): Promise<PixelImage> => (await readImage(sharedImage(name))).image;

/** An 8-bit RGB crop of a shared photo. */
async function crop(name: string, left: number, top: number, width: number, height: number): Promise<PixelImage> {
  const { data, info } = await sharp(sharedImage(name)).extract({ left, top, width, height }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data), maxValue: 255 };
}

const sha1 = (data: PixelData): string => createHash('sha1').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');

/** Largest |a − b| over every sample (alpha included), after mapping each side to a common scale. */
function maxDiff(a: PixelImage, b: PixelImage, ka = 1, kb = 1): number {
  expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = max(worst, abs(a.data[i] * ka - b.data[i] * kb));
  return worst;
}

/** Largest |a − b| over the colour channels of two images whose channel counts may differ (alpha ignored). */
function colourDiff(a: PixelImage, b: PixelImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  const cc = a.channels <= 2 ? 1 : 3;
  let worst = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    for (let c = 0; c < cc; c++) worst = max(worst, abs(a.data[i * a.channels + c] - b.data[i * b.channels + c]));
  }
  return worst;
}

/** The error a synchronous call throws. */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** Channel c of every pixel. */
function channel(image: PixelImage, c: number): Float64Array {
  const n = image.width * image.height;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = image.data[i * image.channels + c];
  return out;
}

function withAlpha(image: PixelImage, alpha: (x: number, y: number) => number): PixelImage {
  const n = image.width * image.height;
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    data.set(image.data.subarray(i * 3, i * 3 + 3), i * 4);
    data[i * 4 + 3] = alpha(i % image.width, Math.floor(i / image.width));
  }
  return { ...image, channels: 4, data };
}

const luma = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;

/** An output scale for a test table: 'native' leaves the option out (the model's own scale). */
type Scale = number | 'native';
const scaleOption = (scale: Scale): { scale?: number } => (scale === 'native' ? {} : { scale });

describe('tiled against one whole-image run (realesr-general-x4v3)', () => {
  // Both photos span several 400-px tiles: 2×2 for the 700×464 JPEG, 2×3 for the 726×838 RGBA PNG.
  it.each<[string, number]>([['gfpgan_whole_Blake_Lively.jpg', 4], ['codeformer_whole_06.png', 6]])('%s: default tiles are within 2 levels of tile 0', async (photo, tiles) => {
    const image = await load(photo);
    expect((await general.plan(image.width, image.height)).tiles).toBe(tiles);
    const tiled = await general.upscale(image);
    const whole = await general.upscale(image, { tile: 0 });
    expect([tiled.width, tiled.height, tiled.channels, tiled.maxValue]).toEqual([4 * image.width, 4 * image.height, image.channels, 255]);
    expect(maxDiff(tiled, whole)).toBeLessThanOrEqual(2);
  });

  it('the reference\'s 10 px of context is not enough: its seams exceed the bound the default meets', async () => {
    const image = await crop('codeformer_whole_06.png', 250, 300, 160, 128);
    const whole = await general.upscale(image, { tile: 0 });
    const padded = maxDiff(await general.upscale(image, { tile: 80 }), whole);
    const reference = maxDiff(await general.upscale(image, { tile: 80, tilePad: 10 }), whole);
    expect(UPSCALE_DEFAULTS.tilePad).toBeGreaterThan(10);
    expect(padded).toBeLessThanOrEqual(2);
    expect(reference).toBeGreaterThan(2 * max(2, padded)); // measured: 40 levels against 1
  });
});

describe('scale', () => {
  it('is read from the model with a probe run, not from the declared output shape', async () => {
    expect(await general.load()).toEqual({ scale: 4 });
    expect(await anime.load()).toEqual({ scale: 4 });
    expect(await nomos.load()).toEqual({ scale: 2 });
    // The nomos export declares its output with the input's own symbolic H and W, though it returns 2H×2W.
    const raw = await runtime.load(NOMOS);
    expect(raw.outputs[0].shape).toEqual(raw.inputs[0].shape);
    await raw.release();
  });

  it.each<[string, Scale, number]>([
    ['general', 'native', 4], ['anime', 'native', 4], ['nomos', 'native', 2],
    ['general', 2, 2], ['general', 3, 3], ['general', 1, 1], ['nomos', 4, 4], ['nomos', 1, 1],
  ])('%s at scale %s gives ×%i', async (model, scale, factor) => {
    const image = await crop('facexlib_test.jpg', 150, 150, 40, 30);
    const options = scaleOption(scale);
    const out = await models[model].upscale(image, options);
    expect([out.width, out.height, out.channels]).toEqual([40 * factor, 30 * factor, 3]);
    const plan = await models[model].plan(40, 30, options);
    expect([plan.width, plan.height, plan.scale, plan.netScale]).toEqual([40 * factor, 30 * factor, factor, model === 'nomos' ? 2 : 4]);
  });
});

describe('registration', () => {
  // Gray 100 with a bright 6×6 square (across the seams x = 32 and y = 24 at tile 32) and a 5×3 bar.
  const W = 64, H = 48;
  const blobs = [[29, 21, 6, 6], [8, 34, 5, 3]] as const;
  const pattern: PixelImage = (() => {
    const data = new Uint8Array(W * H * 3).fill(100);
    for (const [x0, y0, w, h] of blobs) {
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) data.fill(240, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
    return { width: W, height: H, channels: 3, data, maxValue: 255 };
  })();

  /** Intensity-weighted centroid of what rises above the background inside `box` (output pixels). */
  function centroid(out: PixelImage, x0: number, y0: number, x1: number, y1: number): [number, number] {
    const background = (out.data[0] + out.data[1] + out.data[2]) / 3;
    let sx = 0, sy = 0, sum = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const k = (y * out.width + x) * 3;
        const v = (out.data[k] + out.data[k + 1] + out.data[k + 2]) / 3 - background;
        if (v <= 0) continue;
        sx += v * x;
        sy += v * y;
        sum += v;
      }
    }
    return [sx / sum, sy / sum];
  }

  it.each<[string, Scale, number]>([
    ['general', 'native', 0], ['general', 2, 0], ['general', 2, 32], ['general', 1, 0],
    ['anime', 'native', 0], ['anime', 2, 0],
    ['nomos', 'native', 0], ['nomos', 4, 0], ['nomos', 4, 32],
  ])('%s at scale %s (tile %i): blobs stay where (c + 0.5)·s − 0.5 puts them', async (model, scale, tile) => {
    const out = await models[model].upscale(pattern, { ...scaleOption(scale), tile });
    const s = out.width / W;
    for (const [x0, y0, w, h] of blobs) {
      const cx = x0 + (w - 1) / 2, cy = y0 + (h - 1) / 2;
      const [gx, gy] = centroid(out, (x0 - 4) * s, (y0 - 4) * s, (x0 + w + 4) * s, (y0 + h + 4) * s);
      // Measured ≤ 0.18 px for every model and scale; a half-pixel mapping error would be (s − 1)/2 or s/4.
      expect(abs(gx - ((cx + 0.5) * s - 0.5))).toBeLessThan(0.3);
      expect(abs(gy - ((cy + 0.5) * s - 0.5))).toBeLessThan(0.3);
    }
  });
});

describe('pixel formats', () => {
  const rgb = crop('gfpgan_whole_Blake_Lively.jpg', 150, 80, 96, 64);

  it.each<[string, Scale, number]>([['general', 'native', 4], ['nomos', 3, 3]])('%s at scale %s keeps alpha, resized bilinearly, and alpha leaves colour alone', async (model, scale, s) => {
    const image = await rgb;
    const options = scaleOption(scale);
    const plain = await models[model].upscale(image, options);
    const constant = await models[model].upscale(withAlpha(image, () => 200), options);
    const step = await models[model].upscale(withAlpha(image, (x) => (x >= 40 ? 255 : 0)), options);
    for (const out of [constant, step]) {
      expect([out.width, out.height, out.channels]).toEqual([96 * s, 64 * s, 4]);
      expect(colourDiff(out, plain)).toBe(0);
    }
    expect(channel(constant, 3).every((a) => a === 200)).toBe(true);
    // OpenCV INTER_LINEAR of the step between input columns 39 and 40: output column X samples u = (X + 0.5)/s − 0.5.
    const alpha = channel(step, 3);
    let worst = 0;
    for (let y = 0; y < step.height; y++) {
      for (let x = 0; x < step.width; x++) {
        const u = (x + 0.5) / s - 0.5;
        worst = max(worst, abs(alpha[y * step.width + x] - 255 * Math.min(1, max(0, u - 39))));
      }
    }
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-6);
    // The edge sits on the input pixel boundary 40, i.e. between output columns 40·s − 1 and 40·s, symmetrically.
    const row = 10 * step.width;
    for (let j = 0; j < 2 * s; j++) expect(alpha[row + 40 * s - 1 - j] + alpha[row + 40 * s + j]).toBe(255);
  });

  it('keeps gray gray (1 and 2 channels): the luma of what the RGB image gives', async () => {
    const image = await rgb;
    const n = image.width * image.height;
    const g = new Uint8Array(n), ga = new Uint8Array(2 * n), rep = new Uint8Array(3 * n);
    for (let i = 0; i < n; i++) {
      g[i] = round(luma(image.data[3 * i], image.data[3 * i + 1], image.data[3 * i + 2]));
      ga[2 * i] = g[i];
      ga[2 * i + 1] = 255 - (i % 96);
      rep.fill(g[i], 3 * i, 3 * i + 3);
    }
    const gray = await nomos.upscale({ width: 96, height: 64, channels: 1, data: g, maxValue: 255 });
    const grayAlpha = await nomos.upscale({ width: 96, height: 64, channels: 2, data: ga, maxValue: 255 });
    const colour = await nomos.upscale({ width: 96, height: 64, channels: 3, data: rep, maxValue: 255 });
    expect([gray.channels, grayAlpha.channels, gray.width, gray.height]).toEqual([1, 2, 192, 128]);
    let worst = 0;
    for (let i = 0; i < 192 * 128; i++) worst = max(worst, abs(gray.data[i] - luma(colour.data[3 * i], colour.data[3 * i + 1], colour.data[3 * i + 2])));
    expect(worst).toBeLessThan(1); // measured 0.93: quantised luma of the net's RGB against luma of quantised RGB
    expect(colourDiff(grayAlpha, gray)).toBe(0);
    // The alpha ramp 255 − x is resized too: output column 2k + 1 samples input x = k + 0.25.
    expect(grayAlpha.data[(5 * 192 + 2 * 30 + 1) * 2 + 1]).toBe(round(255 - 30.25));
  });

  it('keeps 16 bits (not quantised to 8) and alpha in 16-bit units', async () => {
    const image = await rgb;
    const eight = await nomos.upscale(image);
    const n = image.width * image.height;
    const data = new Uint16Array(n * 4);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 3; c++) data[4 * i + c] = image.data[3 * i + c] * 257;
      data[4 * i + 3] = 40000;
    }
    const out = await nomos.upscale({ width: 96, height: 64, channels: 4, data, maxValue: 65535 });
    expect(out.data).toBeInstanceOf(Uint16Array);
    expect([out.maxValue, out.channels]).toEqual([65535, 4]);
    let worst = 0, offGrid = 0;
    for (let i = 0; i < out.width * out.height; i++) {
      for (let c = 0; c < 3; c++) {
        const v = out.data[4 * i + c];
        worst = max(worst, abs(v / 257 - eight.data[3 * i + c]));
        if (v % 257 !== 0) offGrid++;
      }
    }
    expect(worst).toBeLessThanOrEqual(0.51); // the 8-bit result is the same value rounded to 1/255
    expect(offGrid).toBeGreaterThan(0.9 * 3 * out.width * out.height);
    expect(channel(out, 3).every((a) => a === 40000)).toBe(true);
  });

  it('keeps Photoshop\'s 16-bit scale (0..32768)', async () => {
    const image = await rgb;
    const eight = await nomos.upscale(image);
    const out = await nomos.upscale({ ...image, data: Uint16Array.from(image.data, (v) => round((v * 32768) / 255)), maxValue: 32768 });
    expect(out.data).toBeInstanceOf(Uint16Array);
    expect(out.maxValue).toBe(32768);
    let top = 0;
    for (const v of out.data) top = max(top, v);
    expect(top).toBeLessThanOrEqual(32768);
    expect(maxDiff(out, eight, 255 / 32768)).toBeLessThan(0.6); // measured 0.506
  });

  it('keeps float images (maxValue 1) unquantised', async () => {
    const image = await rgb;
    const eight = await nomos.upscale(image);
    const out = await nomos.upscale({ ...image, data: Float32Array.from(image.data, (v) => v / 255), maxValue: 1 });
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(out.maxValue).toBe(1);
    let lo = 1, hi = 0, offGrid = 0;
    for (const v of out.data) {
      lo = Math.min(lo, v);
      hi = max(hi, v);
      if (abs(v * 255 - round(v * 255)) > 1e-3) offGrid++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(offGrid).toBeGreaterThan(0.9 * out.data.length);
    expect(maxDiff(out, eight, 255)).toBeLessThanOrEqual(0.5 + 1e-4);
  });
});

describe('progress, plan and streaming', () => {
  // 120×80 at tile 48: 3 × 2 tiles.
  const image = crop('facexlib_test.jpg', 100, 120, 120, 80);

  it('reports one event per tile, monotonic, ending with exactly one event at 1; plan() agrees', async () => {
    const events: ProgressEvent[] = [];
    await nomos.upscale(await image, { tile: 48, onProgress: (e) => events.push(e) });
    const plan = await nomos.plan(120, 80, { tile: 48 });
    expect(plan).toMatchObject({ width: 240, height: 160, scale: 2, netScale: 2, tiles: 6 });
    expect(plan.windowPixels).toBe(windowPixels(planTiles(120, 80, { tile: 48, pad: UPSCALE_DEFAULTS.tilePad, multiple: 8 })));
    expect(plan.seconds).toBeGreaterThan(0);
    expect(Number.isFinite(plan.seconds)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    expect(events.filter((e) => e.fraction === 1)).toHaveLength(1);
    expect(events[events.length - 1]).toEqual({ stage: 'upscale', done: 6, total: 6, fraction: 1 });
    const tiles = events.filter((e) => e.stage === 'upscale' && e.fraction < 1);
    expect(tiles.map((e) => `${e.done}/${e.total}`)).toEqual(Array.from({ length: plan.tiles }, (_, i) => `${i + 1}/${plan.tiles}`));
    expect(events[0].stage).toBe('load');
  });

  it('estimates time before any run (a calibration run), for any scale', async () => {
    const fresh = createUpsampler({ runtime, source: NOMOS });
    const plan = await fresh.plan(1297, 1920, { scale: 3 });
    expect(plan).toMatchObject({ width: 3 * 1297, height: 3 * 1920, scale: 3, netScale: 2, tiles: 20 });
    expect(plan.seconds).toBeGreaterThan(0);
    await fresh.dispose();
  });

  it.each<[Scale]>([['native'], [3]])('upscaleTiles (scale %s) streams tiles that partition the output and assemble into upscale()', async (scale) => {
    const src = await image;
    const options = { tile: 48, ...scaleOption(scale) };
    const tiles: UpscaledTile[] = [];
    let busy = false;
    await nomos.upscaleTiles(src, async (tile) => {
      expect(busy).toBe(false); // the next tile waits for the host to finish this one
      busy = true;
      tiles.push(tile);
      await new Promise((resolve) => setTimeout(resolve, 1));
      busy = false;
    }, options);
    const full = await nomos.upscale(src, options);
    const s = scale === 'native' ? 2 : scale;
    expect([full.width, full.height]).toEqual([120 * s, 80 * s]);
    expect(tiles).toHaveLength(6);
    const count = new Uint8Array(full.width * full.height);
    const assembled = new Uint8Array(full.data.length);
    for (const { rect, image: t } of tiles) {
      expect([t.width, t.height, t.channels, t.maxValue]).toEqual([rect.width, rect.height, 3, 255]);
      expect(t.data).toBeInstanceOf(Uint8Array);
      for (let j = 0; j < rect.height; j++) {
        for (let i = 0; i < rect.width; i++) count[(rect.y + j) * full.width + rect.x + i]++;
        assembled.set(t.data.subarray(j * rect.width * 3, (j + 1) * rect.width * 3), ((rect.y + j) * full.width + rect.x) * 3);
      }
    }
    expect(count.every((c) => c === 1)).toBe(true);
    expect(sha1(assembled)).toBe(sha1(full.data));
  });
});

describe('cancellation', () => {
  const image = crop('facexlib_test.jpg', 100, 120, 120, 80);

  it('an abort after the first tile rejects with an AbortError; no further tile runs or is delivered', async () => {
    const counter = countingRuntime();
    const u = createUpsampler({ runtime: counter.runtime, source: NOMOS });
    let controller = new AbortController();
    const first = await u.upscale(await image, {
      tile: 48,
      signal: controller.signal,
      onProgress: (e) => { if (e.stage === 'upscale' && e.done === 1) controller.abort(); },
    }).catch((error: unknown) => error);
    expect(isAbortError(first)).toBe(true);
    expect(first).toMatchObject({ code: 'ABORTED' });
    expect(counter.runs).toBe(2); // the probe and the first tile

    controller = new AbortController();
    let delivered = 0, late = 0;
    const second = await u.upscaleTiles(await image, () => {
      if (controller.signal.aborted) late++;
      delivered++;
    }, { tile: 48, signal: controller.signal, onProgress: (e) => { if (e.stage === 'upscale' && e.done === 1) controller.abort(); } }).catch((error: unknown) => error);
    expect(isAbortError(second)).toBe(true);
    expect([delivered, late, counter.runs]).toEqual([1, 0, 3]);

    // A host cancelling while it writes a tile stops the run before the next one.
    controller = new AbortController();
    delivered = 0;
    const third = await u.upscaleTiles(await image, () => { if (++delivered === 2) controller.abort(); }, { tile: 48, signal: controller.signal }).catch((error: unknown) => error);
    expect(isAbortError(third)).toBe(true);
    expect([delivered, counter.runs]).toEqual([2, 5]);
    await u.dispose();
  });

  it('an already-aborted signal rejects before loading anything, and before any run once loaded', async () => {
    const counter = countingRuntime();
    const u = createUpsampler({ runtime: counter.runtime, source: NOMOS });
    const controller = new AbortController();
    controller.abort();
    const src = await image;
    for (const call of [() => u.upscale(src, { signal: controller.signal }), () => u.upscaleTiles(src, () => undefined, { signal: controller.signal }), () => u.load({ signal: controller.signal })]) {
      const error = await call().catch((e: unknown) => e);
      expect(isAbortError(error)).toBe(true);
    }
    expect([counter.loads, counter.runs]).toEqual([0, 0]);
    await u.load();
    const runs = counter.runs;
    await expect(u.upscale(src, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
    expect(counter.runs).toBe(runs);
    await u.dispose();
  });
});

describe('models that are not super-resolution', () => {
  const small = crop('facexlib_test.jpg', 100, 120, 40, 30);

  it('a fixed 640² detector is refused with MODEL_CONTRACT naming the file, and its session is released', async () => {
    const counter = countingRuntime();
    const u = createUpsampler({ runtime: counter.runtime, source: source('detection/yunet-2023mar-640.onnx') });
    await expect(u.load()).rejects.toMatchObject({
      code: 'MODEL_CONTRACT',
      message: 'yunet-2023mar-640.onnx is not a super-resolution model the engine can run: its output "cls_8" is [1,6400,1]; expected [1,3,s·H,s·W] RGB',
    });
    await expect(u.upscale(await small)).rejects.toMatchObject({ code: 'MODEL_CONTRACT' });
    expect(counter.releases).toBe(counter.loads);
    await u.dispose();
  });

  it.each(['detection/yunet-2023mar-dynamic.onnx', 'detection/retinaface-mobilenet0.25.onnx'])('a dynamic detector (%s) is refused the same way', async (model) => {
    const u = createUpsampler({ runtime, source: source(model) });
    await expect(u.plan(40, 30)).rejects.toMatchObject({
      code: 'MODEL_CONTRACT',
      message: expect.stringMatching(new RegExp(`^${path.basename(model).replace(/\./g, '\\.')} is not a super-resolution model the engine can run: its output "\\w+" is \\[[?\\d]+,[?\\d]+,[?\\d]+\\]; expected \\[1,3,s·H,s·W\\] RGB`)),
    });
    await u.dispose();
  });

  it('a 512² image-to-image restore model (restore/identity-512.onnx) is refused: it does not upscale', async () => {
    const u = createUpsampler({ runtime, source: source('restore/identity-512.onnx') });
    await expect(u.load()).rejects.toMatchObject({
      code: 'MODEL_CONTRACT',
      message: 'identity-512.onnx is not a super-resolution model the engine can run: it returns images at the size it is given (×1), so it does not upscale (is it a restore model?)',
    });
    await u.dispose();
  });

  it('a model with a static input shape is fed exactly its window, tile by tile (a JS nearest-×2 model)', async () => {
    // No shared SR model has a static shape, so this one is made here: [1,3,64,64] → nearest ×2.
    const dims: number[][] = [];
    const nearest: LoadedModel = {
      inputs: [{ name: 'x', type: 'float32', shape: [1, 3, 64, 64] }],
      outputs: [{ name: 'y', type: 'float32', shape: [1, 3, 128, 128] }],
      run: async (feeds) => {
        const { data, dims: d } = feeds.x;
        dims.push([...d]);
        if (d.join() !== '1,3,64,64') throw new Error(`a static model given ${d.join('×')}`);
        const out = new Float32Array(3 * 128 * 128);
        for (let c = 0; c < 3; c++) for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) out[(c * 128 + y) * 128 + x] = data[(c * 64 + (y >> 1)) * 64 + (x >> 1)];
        return { y: { type: 'float32', data: out, dims: [1, 3, 128, 128] } };
      },
      release: async () => undefined,
    };
    const u = createUpsampler({ runtime: { name: 'js', load: async () => nearest }, source: { label: 'nearest-static.onnx', location: 'memory' } });
    const image = await crop('facexlib_test.jpg', 100, 120, 100, 70);
    // 64 − 2·24 leaves 16-px cores: 7 × 5 tiles.
    expect(await u.plan(100, 70)).toMatchObject({ width: 200, height: 140, netScale: 2, tiles: 35, windowPixels: 35 * 64 * 64 });
    dims.length = 0;
    const out = await u.upscale(image);
    expect(dims).toHaveLength(35);
    const expected = new Uint8Array(200 * 140 * 3);
    for (let y = 0; y < 140; y++) for (let x = 0; x < 200; x++) expected.set(image.data.subarray(((y >> 1) * 100 + (x >> 1)) * 3, ((y >> 1) * 100 + (x >> 1)) * 3 + 3), (y * 200 + x) * 3);
    expect(sha1(out.data)).toBe(sha1(expected));
    await u.dispose();
  });
});

describe('restore() with an upsampler', () => {
  it('makes the background with it, composites the faces onto it, and re-composites without a model run', async () => {
    const counter = countingRuntime();
    const upsampler = createUpsampler({ runtime: counter.runtime, source: NOMOS });
    const restorer = createRestorer({
      runtime: counter.runtime,
      detector: { kind: 'yunet', source: source('detection/yunet-2023mar-dynamic.onnx') },
      restorer: { source: source('restore/unsharp-512.onnx') },
      upsampler,
    });
    const photo = 'codeformer_whole_01.jpg'; // 248×189, four small faces
    const image = await load(photo);
    const events: ProgressEvent[] = [];
    const result = await restorer.restore(image, { upscale: 2, onProgress: (e) => events.push(e) });
    const W = 2 * image.width, H = 2 * image.height;
    expect([result.width, result.height, result.scale]).toEqual([W, H, 2]);
    expect(result.faces).toHaveLength(EXPECTED_FACES[photo]);
    const background = result.background as PixelImage;
    const composite = result.image as PixelImage;
    expect([background.width, background.height, background.channels]).toEqual([W, H, 3]);
    expect(sha1(background.data)).toBe(sha1((await nomos.upscale(image, { scale: 2 })).data));

    // The composite is the background except inside the faces' placements.
    const inside = new Uint8Array(W * H);
    for (const f of result.faces) {
      const p = f.placement;
      if (!p) throw new Error('face without placement');
      expect(p.rect.x + p.rect.width).toBeLessThanOrEqual(W);
      expect(p.rect.y + p.rect.height).toBeLessThanOrEqual(H);
      // Placed at the output scale: the placement is centred where the face's box lands at ×2.
      expect(abs(p.rect.x + p.rect.width / 2 - (f.box[0] + f.box[2]))).toBeLessThan(0.25 * p.rect.width);
      expect(abs(p.rect.y + p.rect.height / 2 - (f.box[1] + f.box[3]))).toBeLessThan(0.25 * p.rect.height);
      expect(p.rect.width * p.rect.height).toBeGreaterThan(2 * 2 * (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]));
      for (let j = 0; j < p.rect.height; j++) inside.fill(1, (p.rect.y + j) * W + p.rect.x, (p.rect.y + j) * W + p.rect.x + p.rect.width);
    }
    let changedOutside = 0, changedInside = 0;
    for (let i = 0; i < W * H * 3; i++) {
      if (composite.data[i] === background.data[i]) continue;
      if (inside[(i / 3) | 0]) changedInside++;
      else changedOutside++;
    }
    expect(changedOutside).toBe(0);
    expect(changedInside).toBeGreaterThan(1000);

    const runs = counter.runs;
    expect(sha1(restorer.composite(image, result, { strength: 0 }).data)).toBe(sha1(background.data));
    expect(sha1(restorer.composite(image, result, { strength: 1 }).data)).toBe(sha1(composite.data));
    expect(counter.runs).toBe(runs);

    // The upsampler's tiles show in the restore's own progress, which stays monotonic and ends once at 1.
    expect(events.filter((e) => e.stage === 'upscale').length).toBeGreaterThan(0);
    for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
    expect(events.filter((e) => e.fraction === 1)).toHaveLength(1);
    await restorer.dispose();
    await upsampler.dispose();
  });
});

describe('options', () => {
  const image = crop('facexlib_test.jpg', 100, 120, 40, 30);

  it.each<[object, string]>([
    [{ tiles: 4 }, 'Unknown option "tiles" for upscale(); accepted options are: scale, tile, tilePad, signal, onProgress'],
    [{ tile: -1 }, 'Expected an integer between 0 and 65536 for tile but received -1 of type number'],
    [{ tile: 2.5 }, 'Expected an integer between 0 and 65536 for tile but received 2.5 of type number'],
    [{ scale: 1.5 }, 'Expected an integer between 1 and 8 for scale but received 1.5 of type number'],
    [{ scale: 0 }, 'Expected an integer between 1 and 8 for scale but received 0 of type number'],
    [{ scale: 9 }, 'Expected an integer between 1 and 8 for scale but received 9 of type number'],
    [{ tilePad: 300 }, 'Expected an integer between 0 and 256 for tilePad but received 300 of type number'],
    [{ onProgress: 5 }, 'Expected a function for onProgress but received 5 of type number'],
  ])('%j is refused with INVALID_OPTION before the model is loaded', async (options, message) => {
    const counter = countingRuntime();
    const u = createUpsampler({ runtime: counter.runtime, source: NOMOS });
    const src = await image;
    await expect(u.upscale(src, options as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', message });
    await expect(u.upscaleTiles(src, () => undefined, options as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', message });
    expect(counter.loads).toBe(0);
    await u.dispose();
  });

  it('plan() refuses bad options too', async () => {
    await expect(nomos.plan(40, 30, { scale: 1.5 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(nomos.plan(40, 30, { tiles: 4 } as never)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(nomos.plan(0, 30)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('plan() refuses bad options before the model is loaded', async () => {
    const counter = countingRuntime();
    const u = createUpsampler({ runtime: counter.runtime, source: NOMOS });
    try {
      await expect(u.plan(40, 30, { tile: -1 })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
      expect(counter.loads).toBe(0);
    } finally {
      await u.dispose();
    }
  });

  it('bad images, tile callbacks, configs and a disposed upsampler are refused without loading', async () => {
    const counter = countingRuntime();
    const u = createUpsampler({ runtime: counter.runtime, source: NOMOS });
    const src = await image;
    await expect(u.upscale({ ...src, width: 41 })).rejects.toMatchObject({ code: 'INVALID_IMAGE' });
    await expect(u.upscaleTiles(src, 5 as never)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('for onTile') });
    expect(counter.loads).toBe(0);
    expect(() => createUpsampler({ runtime, source: NOMOS, tile: -1 })).toThrow('Expected an integer between 0 and 65536 for config.tile but received -1 of type number');
    expect(thrown(() => createUpsampler({ runtime, source: NOMOS, tilePad: 1.5 }))).toMatchObject({ code: 'INVALID_OPTION' });
    expect(thrown(() => createUpsampler({ runtime: undefined as never, source: NOMOS }))).toMatchObject({ code: 'INVALID_OPTION' });
    expect(thrown(() => createUpsampler({ runtime, source: { location: 'x.onnx' } as never }))).toMatchObject({ code: 'INVALID_OPTION' });
    await u.dispose();
    await expect(u.upscale(src)).rejects.toMatchObject({ code: 'INVALID_OPTION', message: 'This upsampler has been disposed; create a new one' });
    expect(counter.loads).toBe(0);
  });

  it('an output above maxOutputPixels is refused with INVALID_IMAGE', async () => {
    const u = createUpsampler({ runtime, source: NOMOS, maxOutputPixels: 40 * 30 * 4 });
    const src = await image;
    expect((await u.upscale(src)).width).toBe(80);
    await expect(u.upscale(src, { scale: 3 })).rejects.toMatchObject({ code: 'INVALID_IMAGE', message: expect.stringContaining('use a smaller scale') });
    await u.dispose();
  });
});
