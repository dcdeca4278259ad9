/**
 * The image types that cross the engine boundary, and the conversions to and from the engine's working form.
 *
 * Public images are interleaved HWC, in RGB order, with an optional trailing alpha channel:
 * 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA. `maxValue` says what full intensity is, so 8-bit (255),
 * 16-bit (65535), Photoshop's 16-bit (32768) and float (1) images all pass through without truncation.
 *
 * Inside the engine, colour work happens on `FloatImage`s whose values are on the 0..255 scale of an 8-bit image
 * (fractions allowed). That is the scale every reference constant (border colour, detector means) is written in.
 */
import { RestoreError } from './errors';

const { round } = Math;

export type PixelData = Uint8Array | Uint8ClampedArray | Uint16Array | Float32Array;
export type ChannelCount = 1 | 2 | 3 | 4;

export interface PixelImage {
  readonly width: number;
  readonly height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; interleaved. */
  readonly channels: ChannelCount;
  readonly data: PixelData;
  /** The value of full intensity: 255 (8-bit), 65535 (16-bit), 32768 (Photoshop 16-bit) or 1 (float). */
  readonly maxValue: number;
}

/** Engine working image: interleaved float, values on the 0..255 scale. */
export interface FloatImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Float32Array;
}

/** Largest image the engine accepts by default (width × height); hosts may lower it. ≈ 100 MP. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export function hasAlpha(image: { channels: number }): boolean {
  return image.channels === 2 || image.channels === 4;
}

export function colorChannels(image: { channels: number }): 1 | 3 {
  return image.channels <= 2 ? 1 : 3;
}

/** True when values are integers of 8-bit precision, so engine results are rounded like OpenCV's uint8 paths. */
export function isEightBit(image: PixelImage): boolean {
  return image.maxValue === 255 && !(image.data instanceof Float32Array);
}

/** Checks an image's shape and data before any work; the message names what is wrong. */
export function validateImage(image: PixelImage, maxPixels: number = DEFAULT_MAX_PIXELS, what = 'image'): void {
  if (image === null || typeof image !== 'object') {
    throw new RestoreError('INVALID_IMAGE', `Expected an image object for ${what} but received ${String(image)}`);
  }
  const { width, height, channels, data, maxValue } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RestoreError('INVALID_IMAGE', `The ${what} has an invalid size ${width}×${height}: width and height must be positive integers`);
  }
  if (width * height > maxPixels) {
    throw new RestoreError(
      'INVALID_IMAGE',
      `The ${what} is ${width}×${height} = ${(width * height / 1e6).toFixed(1)} MP, above the limit of ${(maxPixels / 1e6).toFixed(1)} MP; reduce it first`,
    );
  }
  if (![1, 2, 3, 4].includes(channels)) {
    throw new RestoreError('INVALID_IMAGE', `The ${what} has ${channels} channels; expected 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)`);
  }
  const isTyped = data instanceof Uint8Array || data instanceof Uint8ClampedArray || data instanceof Uint16Array || data instanceof Float32Array;
  if (!isTyped) {
    throw new RestoreError('INVALID_IMAGE', `The ${what} data must be a Uint8Array, Uint8ClampedArray, Uint16Array or Float32Array`);
  }
  if (data.length !== width * height * channels) {
    throw new RestoreError(
      'INVALID_IMAGE',
      `The ${what} data has ${data.length} values; ${width}×${height}×${channels} needs ${width * height * channels}`,
    );
  }
  if (!(typeof maxValue === 'number' && maxValue > 0 && Number.isFinite(maxValue))) {
    throw new RestoreError('INVALID_IMAGE', `The ${what} maxValue must be a positive number (255, 65535, 32768 or 1); received ${String(maxValue)}`);
  }
}

/**
 * Refuses an output canvas (input × integer-or-not `scale`, truncated as the reference) above `limit` pixels.
 * `option` names what the caller can lower ("upscale", "scale").
 */
export function checkOutputSize(image: { width: number; height: number }, scale: number, limit: number, option: string): void {
  const w = Math.trunc(image.width * scale), h = Math.trunc(image.height * scale);
  if (w * h > limit) {
    throw new RestoreError(
      'INVALID_IMAGE',
      `The output would be ${w}×${h} = ${(w * h / 1e6).toFixed(1)} MP at ×${scale}, above the limit of ${(limit / 1e6).toFixed(1)} MP; use a smaller ${option}`,
    );
  }
}

/**
 * The RGB working copy of an image on the 0..255 scale (gray is replicated to three channels; alpha dropped).
 * Detection and alignment always see three channels, as the reference does after GRAY2BGR. With `rect`, only that
 * window (inside the image) is converted: the same values, without a full-size float copy of a large photo.
 */
export function toWorkingRgb(image: PixelImage, rect?: { x: number; y: number; width: number; height: number }): FloatImage {
  const { x, y, width, height } = rect ?? { x: 0, y: 0, width: image.width, height: image.height };
  const out = new Float32Array(width * height * 3);
  for (let j = 0; j < height; j++) rgbRowInto(image, y + j, x, width, out, j * width * 3);
  return { width, height, channels: 3, data: out };
}

/** `count` pixels of row `y` from column `x`, as working RGB, into `out` at `offset`: toWorkingRgb's one rule. */
function rgbRowInto(image: PixelImage, y: number, x: number, count: number, out: Float32Array, offset: number): void {
  const { channels, data } = image;
  const k = 255 / image.maxValue;
  let s = (y * image.width + x) * channels;
  // 8-bit RGB is already on the working scale: a typed-array copy converts it natively (several times faster).
  if (channels === 3 && k === 1) {
    out.set(data.subarray(s, s + count * 3), offset);
    return;
  }
  const gray = channels <= 2;
  for (let i = 0, d = offset; i < count; i++, s += channels, d += 3) {
    if (gray) {
      const v = data[s] * k;
      out[d] = v;
      out[d + 1] = v;
      out[d + 2] = v;
    } else {
      out[d] = data[s] * k;
      out[d + 1] = data[s + 1] * k;
      out[d + 2] = data[s + 2] * k;
    }
  }
}

/** An image read one row at a time; `row(y)` is valid until the next call (it may reuse one buffer). */
export interface RowSource {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  row(y: number): Float32Array;
}

/** A working image as rows (views, no copy). */
export function rowsOf(image: FloatImage): RowSource {
  const len = image.width * image.channels;
  return { width: image.width, height: image.height, channels: image.channels, row: (y) => image.data.subarray(y * len, (y + 1) * len) };
}

/** The RGB working rows of `image`, converted one row at a time into a reused buffer (toWorkingRgb's values). */
export function workingRgbRows(image: PixelImage): RowSource {
  const buffer = new Float32Array(image.width * 3);
  return { width: image.width, height: image.height, channels: 3, row: (y) => (rgbRowInto(image, y, 0, image.width, buffer, 0), buffer) };
}

/** The colour channels only (1 or 3), on the 0..255 scale: the background that faces are composited onto. */
export function toWorkingColor(image: PixelImage): FloatImage {
  const cc = colorChannels(image);
  const { width, height, channels, data } = image;
  const n = width * height;
  const out = new Float32Array(n * cc);
  const k = 255 / image.maxValue;
  if (cc === channels && k === 1) {
    out.set(data);
    return { width, height, channels: cc, data: out };
  }
  for (let i = 0, s = 0, d = 0; i < n; i++, s += channels, d += cc) {
    for (let c = 0; c < cc; c++) out[d + c] = data[s + c] * k;
  }
  return { width, height, channels: cc, data: out };
}

/** The alpha plane in the image's own units (not rescaled), or undefined when the image has none. */
export function extractAlpha(image: PixelImage): FloatImage | undefined {
  if (!hasAlpha(image)) return undefined;
  const { width, height, channels, data } = image;
  const n = width * height;
  const out = new Float32Array(n);
  for (let i = 0, s = channels - 1; i < n; i++, s += channels) out[i] = data[s];
  return { width, height, channels: 1, data: out };
}

/** A typed array of the same kind as `like.data` (so 8-bit stays 8-bit, 16-bit stays 16-bit). */
export function allocateLike(like: PixelImage, length: number): PixelData {
  if (like.data instanceof Float32Array) return new Float32Array(length);
  if (like.data instanceof Uint16Array) return new Uint16Array(length);
  if (like.data instanceof Uint8ClampedArray) return new Uint8ClampedArray(length);
  return new Uint8Array(length);
}

/**
 * Packs working colour (0..255 scale) and optional alpha (own units) back into the pixel format of `like`.
 * Integer formats are rounded to nearest and clamped (8-bit ties go to even, as Uint8ClampedArray does); float keeps
 * full precision.
 */
export function fromWorking(color: FloatImage, alpha: FloatImage | undefined, like: PixelImage): PixelImage {
  const { width, height } = color;
  const cc = color.channels;
  const channels = (cc + (alpha ? 1 : 0)) as ChannelCount;
  const n = width * height;
  const data = allocateLike(like, n * channels);
  const src = color.data;
  if (like.maxValue === 255 && (data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    // 8-bit: a clamped view does the clamping and rounding natively (the hot path of every composite).
    const out = new Uint8ClampedArray(data.buffer, data.byteOffset, data.length);
    if (!alpha) {
      out.set(src);
    } else {
      for (let i = 0, s = 0, d = 0; i < n; i++, s += cc, d += channels) {
        for (let c = 0; c < cc; c++) out[d + c] = src[s + c];
        out[d + cc] = alpha.data[i];
      }
    }
    return { width, height, channels, data, maxValue: 255 };
  }
  const k = like.maxValue / 255;
  const isInt = !(data instanceof Float32Array);
  const max = like.maxValue;
  for (let i = 0, s = 0, d = 0; i < n; i++, s += cc, d += channels) {
    for (let c = 0; c < cc; c++) {
      let v = src[s + c] * k;
      if (isInt) v = v <= 0 ? 0 : v >= max ? max : round(v);
      data[d + c] = v;
    }
    if (alpha) {
      let a = alpha.data[i];
      if (isInt) a = a <= 0 ? 0 : a >= max ? max : round(a);
      data[d + cc] = a;
    }
  }
  return { width, height, channels, data, maxValue: like.maxValue };
}

/** A plain 8-bit RGB PixelImage from a working image (rounded, clamped): crops and restored faces for files. */
export function toRgb8(image: FloatImage): PixelImage {
  const n = image.width * image.height;
  const data = new Uint8Array(n * 3);
  const src = image.data;
  for (let i = 0; i < n * 3; i++) {
    const v = src[i];
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : round(v);
  }
  return { width: image.width, height: image.height, channels: 3, data, maxValue: 255 };
}

/** Rounds a working image in place to integer levels (what OpenCV's uint8 paths produce). */
export function roundInPlace(image: FloatImage): FloatImage {
  const d = image.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    d[i] = v <= 0 ? 0 : v >= 255 ? 255 : round(v);
  }
  return image;
}
