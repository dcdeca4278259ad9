/**
 * The upsampler facade: `createUpsampler({runtime, source})` → `{load, plan, upscale, upscaleTiles, dispose}`.
 * Loads a super-resolution model once (lazily), reads its scale, runs it tile by tile with progress and
 * cancellation between tiles, and estimates run time from the speed it has measured on this machine.
 */
import { RestoreError, throwIfAborted } from './errors';
import { allocateLike, checkOutputSize, DEFAULT_MAX_PIXELS, validateImage, type PixelImage } from './image';
import { MAX_UPSCALE, type CallOptions } from './options';
import { ProgressReporter } from './progress';
import type { LoadedModel, ModelRuntime, ModelSource } from './runtime';
import { planTiles, windowPixels, type Tile } from './tiles';
import { blitTile, inspectUpscaleModel, outputRect, packTile, runTile, tileColour, type UpscaleContract, type UpscaledTile } from './upscale';
import { checkInteger, invalidOption, is, rejectUnknownKeys } from './validate';

/**
 * Defaults. `tile` 400 is GFPGAN's `--bg_tile`. `tilePad` 24 (the reference uses 10 and shows seams): measured on the
 * shared photos with realesr-general-x4v3, max |tiled − whole| is then ≤ 1/255 (test/upscale.test.ts).
 */
export const UPSCALE_DEFAULTS = Object.freeze({ tile: 400, tilePad: 24 });

/** Windows are rounded up to a multiple of 8 so networks that pixel-unshuffle (RRDBNet ×2/×1) get even sizes. */
const WINDOW_MULTIPLE = 8;
const CALIBRATION_SIZE = 64;

export interface UpsamplerConfig {
  readonly runtime: ModelRuntime;
  readonly source: ModelSource;
  /** Awaited before every tile so a host whose UI shares the thread (UXP) can repaint and take a Cancel click. */
  readonly yieldToHost?: () => Promise<void>;
  /** Largest accepted input (width × height). Default DEFAULT_MAX_PIXELS. */
  readonly maxPixels?: number;
  /** Largest output (input × scale²). Default 4 × maxPixels. */
  readonly maxOutputPixels?: number;
  /** Defaults for every call's `tile` and `tilePad` (UPSCALE_DEFAULTS otherwise). */
  readonly tile?: number;
  readonly tilePad?: number;
}

export interface UpscaleOptions extends CallOptions {
  /** Output scale relative to the input, an integer; default the network's own scale. */
  readonly scale?: number;
  /** Tile core edge in input pixels; 0 = the whole image in one run (memory grows with the image). */
  readonly tile?: number;
  /** Context pixels on each side of a tile. */
  readonly tilePad?: number;
}

export interface UpscalePlan {
  readonly width: number;
  readonly height: number;
  readonly scale: number;
  /** The network's own scale. */
  readonly netScale: number;
  readonly tiles: number;
  /** Pixels the network sees, context included: the unit of cost. */
  readonly windowPixels: number;
  /** Estimated run time on this machine, from the speed measured so far (a calibration run if none yet). */
  readonly seconds: number;
}

export interface Upsampler {
  /** The model's label (its file name). */
  readonly label: string;
  /** Loads the model and reads its scale; a bad model is reported here, before any work. */
  load(options?: CallOptions): Promise<{ readonly scale: number }>;
  /** Output size, tiles and an estimated time for an input of width×height. */
  plan(width: number, height: number, options?: UpscaleOptions): Promise<UpscalePlan>;
  /** The whole upscaled image, in the input's format. */
  upscale(image: PixelImage, options?: UpscaleOptions): Promise<PixelImage>;
  /** Streams finished output tiles to `onTile` (awaited), so a host never needs the whole result in memory. */
  upscaleTiles(image: PixelImage, onTile: (tile: UpscaledTile) => void | Promise<void>, options?: UpscaleOptions): Promise<void>;
  /** Releases the session; idempotent. */
  dispose(): Promise<void>;
}

interface Loaded {
  readonly model: LoadedModel;
  readonly contract: UpscaleContract;
}

interface Resolved {
  readonly scale: number;
  readonly tile: number;
  readonly tilePad: number;
}

const KEYS = ['scale', 'tile', 'tilePad', 'signal', 'onProgress'];

function resolve(options: UpscaleOptions, netScale: number, defaults: { tile: number; tilePad: number }): Resolved {
  if (!is.plainObject(options)) throw invalidOption('options', 'a plain object', options);
  rejectUnknownKeys('upscale()', options, KEYS);
  if (is.defined(options.onProgress) && typeof options.onProgress !== 'function') throw invalidOption('onProgress', 'a function', options.onProgress);
  return {
    scale: is.defined(options.scale) ? checkInteger('scale', options.scale, 1, MAX_UPSCALE) : netScale,
    tile: is.defined(options.tile) ? checkInteger('tile', options.tile, 0, 1 << 16) : defaults.tile,
    tilePad: is.defined(options.tilePad) ? checkInteger('tilePad', options.tilePad, 0, 256) : defaults.tilePad,
  };
}

export function createUpsampler(config: UpsamplerConfig): Upsampler {
  if (!is.plainObject(config)) throw invalidOption('config', 'a plain object', config);
  const { runtime, source, yieldToHost } = config;
  if (!runtime || typeof runtime.load !== 'function') throw invalidOption('config.runtime', 'a ModelRuntime with load()', runtime);
  if (!is.plainObject(source) || !is.string(source.label)) throw invalidOption('config.source', 'a model source {label, location}', source);
  const maxPixels = config.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxOutputPixels = config.maxOutputPixels ?? 4 * maxPixels;
  const label = source.label;
  const defaults = {
    tile: is.defined(config.tile) ? checkInteger('config.tile', config.tile, 0, 1 << 16) : UPSCALE_DEFAULTS.tile,
    tilePad: is.defined(config.tilePad) ? checkInteger('config.tilePad', config.tilePad, 0, 256) : UPSCALE_DEFAULTS.tilePad,
  };
  let loading: Promise<Loaded> | undefined;
  let disposed = false;
  // Measured speed: window pixels run and the seconds they took, over every tile so far.
  const speed = { pixels: 0, seconds: 0 };

  const get = (): Promise<Loaded> => {
    if (disposed) return Promise.reject(new RestoreError('INVALID_OPTION', 'This upsampler has been disposed; create a new one'));
    if (!loading) {
      loading = (async () => {
        const model = await runtime.load(source);
        try {
          return { model, contract: await inspectUpscaleModel(model, label) };
        } catch (error) {
          await model.release();
          throw error;
        }
      })();
      loading.catch(() => { loading = undefined; });
    }
    return loading;
  };

  const tilesFor = (width: number, height: number, contract: UpscaleContract, o: Resolved): Tile[] =>
    planTiles(width, height, { tile: o.tile, pad: o.tilePad, multiple: WINDOW_MULTIPLE, ...(contract.fixedInput ? { fixedInput: contract.fixedInput } : {}) });

  const timed = async (pixels: number, run: () => Promise<Float32Array>): Promise<Float32Array> => {
    const started = Date.now();
    const out = await run();
    speed.pixels += pixels;
    speed.seconds += (Date.now() - started) / 1000;
    return out;
  };

  async function calibrate(loaded: Loaded): Promise<void> {
    const size = loaded.contract.fixedInput ?? { width: CALIBRATION_SIZE, height: CALIBRATION_SIZE };
    const image: PixelImage = { width: size.width, height: size.height, channels: 3, data: new Uint8Array(size.width * size.height * 3).fill(128), maxValue: 255 };
    const tile: Tile = { core: { x: 0, y: 0, ...size }, input: { x: 0, y: 0, ...size } };
    await timed(size.width * size.height, () => runTile(loaded.model, loaded.contract, label, image, tile, undefined));
  }

  /** The tile loop; `onStart` learns the output size before the first tile. */
  async function stream(
    image: PixelImage,
    options: UpscaleOptions,
    onStart: (width: number, height: number) => void,
    onTile: (tile: UpscaledTile) => void | Promise<void>,
  ): Promise<void> {
    resolve(options, 1, defaults); // validate before loading anything
    validateImage(image, maxPixels);
    const { signal } = options;
    const progress = new ProgressReporter(options.onProgress, [['load', 1], ['upscale', 99]]);
    throwIfAborted(signal);
    const loaded = await get();
    const o = resolve(options, loaded.contract.scale, defaults);
    checkOutputSize(image, o.scale, maxOutputPixels, 'scale');
    progress.report('load', 1, 1);
    onStart(image.width * o.scale, image.height * o.scale);
    const tiles = tilesFor(image.width, image.height, loaded.contract, o);
    const netScale = loaded.contract.scale;
    for (const [i, tile] of tiles.entries()) {
      if (yieldToHost) await yieldToHost();
      throwIfAborted(signal);
      const net = await timed(tile.input.width * tile.input.height, () => runTile(loaded.model, loaded.contract, label, image, tile, signal));
      const rect = outputRect(tile, o.scale);
      await onTile({ rect, image: packTile(tileColour(net, tile, netScale, o.scale, rect), rect, image, o.scale) });
      progress.report('upscale', i + 1, tiles.length);
    }
    progress.finish('upscale', tiles.length, tiles.length);
  }

  return {
    label,

    async load(options = {}) {
      throwIfAborted(options.signal);
      const { contract } = await get();
      return { scale: contract.scale };
    },

    async plan(width, height, options = {}) {
      checkInteger('width', width, 1, Number.MAX_SAFE_INTEGER);
      checkInteger('height', height, 1, Number.MAX_SAFE_INTEGER);
      resolve(options, 1, defaults); // validate before loading anything
      const loaded = await get();
      const o = resolve(options, loaded.contract.scale, defaults);
      const tiles = tilesFor(width, height, loaded.contract, o);
      if (speed.pixels === 0) await calibrate(loaded);
      const pixels = windowPixels(tiles);
      return {
        width: width * o.scale,
        height: height * o.scale,
        scale: o.scale,
        netScale: loaded.contract.scale,
        tiles: tiles.length,
        windowPixels: pixels,
        seconds: (pixels * speed.seconds) / speed.pixels,
      };
    },

    async upscale(image, options = {}) {
      let out: PixelImage | undefined;
      await stream(image, options, (width, height) => {
        out = { width, height, channels: image.channels, data: allocateLike(image, width * height * image.channels), maxValue: image.maxValue };
      }, (tile) => blitTile(out as PixelImage, tile));
      return out as PixelImage;
    },

    upscaleTiles(image, onTile, options = {}) {
      if (typeof onTile !== 'function') return Promise.reject(invalidOption('onTile', 'a function', onTile));
      return stream(image, options, () => undefined, onTile);
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      const pending = loading;
      loading = undefined;
      if (!pending) return;
      const loaded = await pending.catch(() => undefined);
      await loaded?.model.release();
    },
  };
}
