/**
 * Fake `require('photoshop').imaging`: rasters, `PhotoshopImageData` and get/put of layer pixels and masks.
 * Sources: DOCS ps-reference/media/imaging.md ("imaging.md" below) and ../shared/docs/uxp-platform.md §1 ("§1.x").
 * Anything marked UNVERIFIED is a guess the fake makes deliberately strict or simple; real Photoshop may differ.
 */
import sharp from 'sharp';
import type {
  PsBounds, PsComponentSize, PsCreateImageDataOptions, PsGetPixelsOptions, PsGetPixelsResult, PsImageData, PsImaging, PsPutOptions,
} from '../../src/host/photoshop/ps-api';
import type { DocModel, FakeHost, LayerNode } from './fake-document';

export type PixelArray = Uint8Array | Uint16Array | Float32Array;
export type Depth = PsComponentSize;

/** A chunky pixel buffer. Rasters stored in layers are canvas-sized and never mutated (snapshots share them). */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: PixelArray;
}

export const ZERO_BOUNDS: PsBounds = { left: 0, top: 0, right: 0, bottom: 0 };

/** imaging.md "value range": 8-bit 0..255, 16-bit 0..32768 (Photoshop's reduced range), 32-bit 0..1. */
export const maxValue = (depth: Depth): number => (depth === 8 ? 255 : depth === 16 ? 32768 : 1);

export function allocate(depth: Depth, length: number): PixelArray {
  return depth === 8 ? new Uint8Array(length) : depth === 16 ? new Uint16Array(length) : new Float32Array(length);
}

const allocateLike = (data: PixelArray, length: number): PixelArray => allocate(depthOfArray(data) ?? 8, length);

/** imaging.md createImageDataFromBuffer: the array type sets componentSize. Buffer counts as Uint8Array. */
export function depthOfArray(data: unknown): Depth | null {
  if (data instanceof Uint8Array) return 8;
  if (data instanceof Uint16Array) return 16;
  if (data instanceof Float32Array) return 32;
  return null;
}

/** Rescales between depths (8↔16 through 0..32768, 32 as 0..1); integer targets are rounded and clamped. */
export function convertDepth(data: PixelArray, from: Depth, to: Depth): PixelArray {
  const out = allocate(to, data.length);
  if (from === to) {
    out.set(data);
    return out;
  }
  const scale = maxValue(to) / maxValue(from);
  const max = maxValue(to);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] * scale;
    out[i] = to === 32 ? v : v <= 0 ? 0 : v >= max ? max : Math.round(v);
  }
  return out;
}

export function blankRaster(width: number, height: number, channels: number, depth: Depth, fill: number): Raster {
  const data = allocate(depth, width * height * channels);
  if (fill !== 0) data.fill(fill);
  return { width, height, channels, data };
}

export function copyRaster(r: Raster): Raster & { data: PixelArray } {
  return { ...r, data: r.data.slice() };
}

/**
 * Copies `src` into `dst` at (left, top), clipped to `dst`. Colour channels are copied one to one; `dst`'s alpha (its last
 * channel when `dstAlpha`) takes the source alpha, or `alphaFill` when the source has none ("opaque" data).
 */
export function blit(dst: Raster, dstAlpha: boolean, src: Raster, srcAlpha: boolean, left: number, top: number, alphaFill: number): void {
  const colors = dst.channels - (dstAlpha ? 1 : 0);
  if (src.channels - (srcAlpha ? 1 : 0) !== colors) throw new Error('fake: blit colour channel mismatch');
  const x0 = Math.max(0, left), y0 = Math.max(0, top);
  const x1 = Math.min(dst.width, left + src.width), y1 = Math.min(dst.height, top + src.height);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const d = (y * dst.width + x) * dst.channels;
      const s = ((y - top) * src.width + (x - left)) * src.channels;
      for (let c = 0; c < colors; c++) dst.data[d + c] = src.data[s + c];
      if (dstAlpha) dst.data[d + colors] = srcAlpha ? src.data[s + colors] : alphaFill;
    }
  }
}

/** Crops a raster to `b` (inside the raster), chunky. */
export function crop(r: Raster, b: PsBounds): PixelArray {
  const w = b.right - b.left, h = b.bottom - b.top;
  const result = allocateLike(r.data, w * h * r.channels);
  for (let y = 0; y < h; y++) {
    const start = ((b.top + y) * r.width + b.left) * r.channels;
    result.set(r.data.subarray(start, start + w * r.channels), y * w * r.channels);
  }
  return result;
}

const boundsCache = new WeakMap<Raster, PsBounds>();

/** Right/bottom-exclusive bounding box of pixels whose alpha (last channel) is > 0; all zeros when empty. */
export function alphaBounds(r: Raster): PsBounds {
  const cached = boundsCache.get(r);
  if (cached) return cached;
  let left = r.width, top = r.height, right = 0, bottom = 0;
  const a = r.channels - 1;
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      if (r.data[(y * r.width + x) * r.channels + a] > 0) {
        if (x < left) left = x;
        if (x >= right) right = x + 1;
        if (y < top) top = y;
        bottom = y + 1;
      }
    }
  }
  const b = right === 0 ? ZERO_BOUNDS : { left, top, right, bottom };
  boundsCache.set(r, b);
  return b;
}

/** How `resampleRaster` samples: the fake's stand-ins for `constants.ResampleMethod`. */
export type ResampleKernel = 'bilinear' | 'nearest';

/**
 * Scales a whole raster to `width`×`height`, returning a new raster of the same array type (depth) and channel count.
 * Pixel centres sit at +0.5 and samples outside the source clamp to its edge. 'bilinear' blends the 2×2 source pixels
 * around the centre; 'nearest' takes the one the centre falls in. With `alpha` (last channel is transparency) colours are
 * weighted by alpha, so fully transparent pixels lend no colour to their neighbours; where the result is fully transparent
 * the colour is 0. Integer depths round to nearest and clamp to 0..`max`; 32-bit keeps floats.
 * This is NOT Photoshop's resampling (its bicubic/automatic/ML kernels are not reproduced); it is a real, deterministic
 * resample that is exact on flat areas and blends across edges.
 */
export function resampleRaster(r: Raster, width: number, height: number, alpha: boolean, kernel: ResampleKernel, max: number): Raster {
  const out = allocateLike(r.data, width * height * r.channels);
  const integer = !(r.data instanceof Float32Array);
  const colors = r.channels - (alpha ? 1 : 0);
  const taps = (size: number, srcSize: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } => {
    const i0 = new Int32Array(size), i1 = new Int32Array(size), f = new Float64Array(size);
    for (let o = 0; o < size; o++) {
      const centre = ((o + 0.5) * srcSize) / size; // source coordinate of the output pixel centre
      if (kernel === 'nearest') {
        i0[o] = i1[o] = Math.min(srcSize - 1, Math.floor(centre));
        continue;
      }
      const s = Math.min(srcSize - 1, Math.max(0, centre - 0.5));
      i0[o] = Math.floor(s);
      i1[o] = Math.min(srcSize - 1, i0[o] + 1);
      f[o] = s - i0[o];
    }
    return { i0, i1, f };
  };
  const xs = taps(width, r.width), ys = taps(height, r.height);
  const put = (i: number, v: number): void => {
    out[i] = integer ? (v <= 0 ? 0 : v >= max ? max : Math.round(v)) : v;
  };
  const src = r.data, ch = r.channels;
  for (let y = 0; y < height; y++) {
    const row0 = ys.i0[y] * r.width, row1 = ys.i1[y] * r.width, fy = ys.f[y];
    for (let x = 0; x < width; x++) {
      const fx = xs.f[x];
      const p = [(row0 + xs.i0[x]) * ch, (row0 + xs.i1[x]) * ch, (row1 + xs.i0[x]) * ch, (row1 + xs.i1[x]) * ch];
      const w = [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy];
      const o = (y * width + x) * ch;
      let a = 1;
      if (alpha) {
        a = 0;
        for (let k = 0; k < 4; k++) a += w[k] * src[p[k] + colors];
        put(o + colors, a);
      }
      for (let c = 0; c < colors; c++) {
        let v = 0;
        for (let k = 0; k < 4; k++) v += w[k] * src[p[k] + c] * (alpha ? src[p[k] + colors] : 1);
        put(o + c, alpha ? (a > 0 ? v / a : 0) : v);
      }
    }
  }
  return { width, height, channels: r.channels, data: out };
}

export const isEmpty = (b: PsBounds): boolean => b.right <= b.left || b.bottom <= b.top;

export function intersect(a: PsBounds, b: PsBounds): PsBounds {
  const r = { left: Math.max(a.left, b.left), top: Math.max(a.top, b.top), right: Math.min(a.right, b.right), bottom: Math.min(a.bottom, b.bottom) };
  return isEmpty(r) ? ZERO_BOUNDS : r;
}

// ---------------------------------------------------------------------------------------------------------------------
// PhotoshopImageData

/** imaging.md data model: colour spaces and their pixelFormat without / with alpha. */
const SPACES: Readonly<Record<string, { colors: number; formats: readonly [string, string] }>> = {
  RGB: { colors: 3, formats: ['RGB', 'RGBA'] },
  Grayscale: { colors: 1, formats: ['Grayscale', 'GrayscaleAlpha'] },
  Lab: { colors: 3, formats: ['LAB', 'LABAlpha'] },
};

export class ImageDataRegistry {
  readonly live = new Set<FakeImageData>();
  created = 0;
}

interface ImageDataInit {
  width: number;
  height: number;
  components: number;
  componentSize: Depth;
  colorSpace: string;
  colorProfile: string;
  /** Chunky, 16-bit in Photoshop's 0..32768 range. */
  data: PixelArray;
}

function reorder(src: PixelArray, pixels: number, comps: number, toPlanar: boolean): PixelArray {
  const out = src.slice();
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < comps; c++) {
      if (toPlanar) out[c * pixels + p] = src[p * comps + c];
      else out[p * comps + c] = src[c * pixels + p];
    }
  }
  return out;
}

function rescale16(src: PixelArray, from: number, to: number): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Math.min(to, Math.round((src[i] * to) / from));
  return out;
}

export class FakeImageData implements PsImageData {
  readonly type = 'image/uncompressed'; // imaging.md: the only type
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly componentSize: Depth;
  readonly colorSpace: string;
  readonly colorProfile: string;
  readonly hasAlpha: boolean;
  readonly pixelFormat: string;
  private data: PixelArray | null;

  constructor(private readonly registry: ImageDataRegistry, init: ImageDataInit) {
    this.width = init.width;
    this.height = init.height;
    this.components = init.components;
    this.componentSize = init.componentSize;
    this.colorSpace = init.colorSpace;
    this.colorProfile = init.colorProfile;
    const space = SPACES[init.colorSpace];
    this.hasAlpha = init.components === space.colors + 1;
    this.pixelFormat = space.formats[this.hasAlpha ? 1 : 0];
    this.data = init.data;
    registry.live.add(this);
    registry.created++;
  }

  /** imaging.md getData: chunky by default; `fullRange` (16-bit only) scales to 0..65535. Returns a fresh copy. */
  async getData(options: { chunky?: boolean; fullRange?: boolean } = {}): Promise<PixelArray> {
    let out = this.pixels();
    if (this.componentSize === 16 && options.fullRange === true) out = rescale16(out, 32768, 65535);
    return options.chunky === false ? reorder(out, this.width * this.height, this.components, true) : out.slice();
  }

  /** imaging.md dispose: synchronous; releases the buffer. Later getData / put* throw. */
  dispose(): void {
    this.data = null;
    this.registry.live.delete(this);
  }

  /** Fake-internal: the chunky data (not copied). Throws once disposed. */
  pixels(): PixelArray {
    if (this.data === null) throw new Error('PhotoshopImageData has been disposed');
    return this.data;
  }
}

/** imaging.md createImageDataFromBuffer. */
export function createImageData(registry: ImageDataRegistry, data: PixelArray, options: PsCreateImageDataOptions): FakeImageData {
  const depth = depthOfArray(data);
  if (depth === null) throw new TypeError('createImageDataFromBuffer: data must be a Uint8Array, Uint16Array or Float32Array (imaging.md)');
  const { width, height, components, colorSpace } = options;
  for (const [key, v] of Object.entries({ width, height, components })) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`createImageDataFromBuffer: ${key} is required and must be a positive integer`);
  }
  const space = SPACES[colorSpace];
  if (space === undefined) throw new Error(`createImageDataFromBuffer: colorSpace is required: "RGB", "Grayscale" or "Lab" (got ${JSON.stringify(colorSpace)})`);
  if (components !== space.colors && components !== space.colors + 1) {
    throw new Error(`createImageDataFromBuffer: ${components} components do not fit colorSpace ${colorSpace}`);
  }
  // imaging.md: "The number of elements in imageData must be equal to: width * height * components."
  if (data.length !== width * height * components) {
    throw new Error(`createImageDataFromBuffer: ${data.length} elements, expected width*height*components = ${width * height * components}`);
  }
  let chunky = options.chunky === false ? reorder(data, width * height, components, false) : data.slice();
  if (depth === 16) {
    if (options.fullRange === true) chunky = rescale16(chunky, 65535, 32768);
    // UNVERIFIED strictness: imaging.md says 16-bit data "use[s] the reduced range [0..32768]" unless fullRange; the fake
    // refuses values above it instead of guessing what Photoshop does with them.
    else if (chunky.some((v) => v > 32768)) throw new RangeError('createImageDataFromBuffer: 16-bit value above 32768 without fullRange:true (imaging.md)');
  }
  return new FakeImageData(registry, { width, height, components, componentSize: depth, colorSpace, colorProfile: options.colorProfile ?? '', data: chunky });
}

// ---------------------------------------------------------------------------------------------------------------------
// The imaging module

export interface PutRecord {
  readonly api: 'putPixels' | 'putLayerMask';
  readonly documentID: number;
  readonly layerID: number;
  /** What the plugin sent, before the fake converted it to the document's depth. */
  readonly componentSize: Depth;
  readonly components: number;
  readonly colorSpace: string;
  readonly colorProfile: string;
  readonly width: number;
  readonly height: number;
  readonly targetBounds: { left: number; top: number };
  readonly replace: boolean;
}

export interface ImagingOptions {
  /** Make putLayerMask throw on a layer without a user mask (lets a batchPlay "make mask" fallback be tested). */
  readonly putLayerMaskNeedsExistingMask: boolean;
}

/** §1.9: only RGB and Grayscale documents are modelled; Photoshop's behaviour on other modes is UNVERIFIED. */
function docColorSpace(doc: DocModel, api: string): 'RGB' | 'Grayscale' {
  if (doc.mode === 'RGBColorMode') return 'RGB';
  if (doc.mode === 'grayscaleMode') return 'Grayscale';
  throw new Error(`${api}: the fake does not know Photoshop's behaviour on ${doc.mode} documents (UNVERIFIED, uxp-platform.md §1.9); refuse this mode before calling ${api}`);
}

function ownImageData(registry: ImageDataRegistry, imageData: PsImageData, api: string): FakeImageData {
  if (!(imageData instanceof FakeImageData)) throw new Error(`${api}: imageData was not created by this Photoshop (getPixels / createImageDataFromBuffer)`);
  if (!registry.live.has(imageData)) throw new Error(`${api}: imageData has been disposed`);
  return imageData;
}

function checkOrigin(b: { left: number; top: number } | undefined, api: string): { left: number; top: number } {
  const origin = { left: b?.left ?? 0, top: b?.top ?? 0 }; // imaging.md: default (0, 0) of the document
  // changelog 24.4 "Invalid targetBounds caused crash" — the fake rejects non-integers rather than guess a rounding.
  if (!Number.isInteger(origin.left) || !Number.isInteger(origin.top)) throw new Error(`${api}: targetBounds left/top must be integers`);
  return origin;
}

/** Pixels of `img`, converted to the document depth, as a raster of the image's own size. */
function toDocDepth(img: FakeImageData, depth: Depth): Raster {
  return { width: img.width, height: img.height, channels: img.components, data: convertDepth(img.pixels(), img.componentSize, depth) };
}

export function createFakeImaging(host: FakeHost, registry: ImageDataRegistry, putLog: PutRecord[], options: ImagingOptions): PsImaging {
  interface Target { doc: DocModel; node: LayerNode; img: FakeImageData; origin: { left: number; top: number } }

  function pixelTarget(api: PutRecord['api'], opts: PsPutOptions): Target {
    const doc = host.resolveDocument(opts.documentID);
    docColorSpace(doc, api);
    const node = host.requireLayer(doc.id, opts.layerID).node;
    return { doc, node, img: ownImageData(registry, opts.imageData, api), origin: checkOrigin(opts.targetBounds, api) };
  }

  /** Logs a successful put, with what the plugin sent, then records the history state. */
  function finishPut(api: PutRecord['api'], opts: PsPutOptions, { doc, node, img, origin }: Target, historyName: string): void {
    putLog.push({
      api, documentID: doc.id, layerID: node.id, componentSize: img.componentSize, components: img.components, colorSpace: img.colorSpace,
      colorProfile: img.colorProfile, width: img.width, height: img.height, targetBounds: origin, replace: opts.replace !== false,
    });
    host.commitEdit(doc, opts.commandName ?? historyName); // imaging.md commandName names the history entry; default UNVERIFIED
  }

  return {
    async getPixels(opts: PsGetPixelsOptions): Promise<PsGetPixelsResult> {
      host.guard.assertUsable();
      const doc = host.resolveDocument(opts.documentID);
      const space = docColorSpace(doc, 'getPixels');
      const depth = host.depthOf(doc);
      if (opts.layerID === undefined) throw new Error('getPixels: the document composite (no layerID) is not implemented in fake');
      const node = host.requireLayer(doc.id, opts.layerID).node;
      // Adobe imaging-test sample (pixelEffects.js) rejects `layer.kind != "pixel"`; §1.3.
      if (node.kind !== 'pixel') throw new Error(`getPixels: layer ${node.id} is a ${node.kind} layer, not a pixel layer`);
      const dataBounds = host.layerBounds(doc, node);
      // imaging.md: the region is "trimmed to only that region that contains pixel data". A layer with none at all: guess.
      const region = opts.sourceBounds ? intersect(checkBounds(opts.sourceBounds), dataBounds) : dataBounds;
      if (node.pixels === null || isEmpty(region)) throw new Error(`getPixels: no pixel data in layer ${node.id} for the requested bounds (fake guess; UNVERIFIED)`);
      const componentSize = opts.componentSize === undefined || opts.componentSize === -1 ? depth : opts.componentSize;
      if (![8, 16, 32].includes(componentSize)) throw new Error(`getPixels: componentSize must be -1, 8, 16 or 32 (got ${String(componentSize)})`);
      const wantSpace = opts.colorSpace ?? space;
      if (wantSpace !== space && !(space === 'Grayscale' && wantSpace === 'RGB')) {
        throw new Error(`getPixels: converting ${space} to ${wantSpace} is not modelled by the fake`);
      }
      if (opts.colorProfile !== undefined && opts.colorProfile !== doc.colorProfile) {
        throw new Error(`getPixels: profile conversion (${doc.colorProfile} → ${opts.colorProfile}) is not modelled by the fake`);
      }
      let r: Raster = { width: region.right - region.left, height: region.bottom - region.top, channels: node.pixels.channels, data: crop(node.pixels, region) };
      let alpha = !node.isBackground; // §1.3: layers with transparency come back RGBA / GrayscaleAlpha; Background has no alpha
      if (alpha && opts.applyAlpha === true) {
        r = matteOnWhite(r, maxValue(depth)); // imaging.md applyAlpha: "matting on white", no alpha channel
        alpha = false;
      }
      if (wantSpace !== space) r = grayToRgb(r, alpha); // UNVERIFIED: replication, no profile conversion
      const imageData = new FakeImageData(registry, {
        width: r.width, height: r.height, components: r.channels, componentSize, colorSpace: wantSpace, colorProfile: doc.colorProfile,
        data: convertDepth(r.data, depth, componentSize),
      });
      return { imageData, sourceBounds: region, level: 0 };
    },

    async putPixels(opts: PsPutOptions): Promise<void> {
      host.guard.assertCanEdit('set'); // UNVERIFIED event name
      const target = pixelTarget('putPixels', opts);
      const { doc, node, img, origin } = target;
      const space = docColorSpace(doc, 'putPixels');
      if (node.kind !== 'pixel') throw new Error(`putPixels: the target layer must be a pixel layer (imaging.md); layer ${node.id} is ${node.kind}`);
      if (node.isBackground) throw new Error('putPixels into the Background layer is not modelled by the fake (UNVERIFIED)');
      if (node.allLocked) throw new Error(`putPixels: layer ${node.id} is locked (Layer.allLocked "prevents edits to pixels")`);
      // The fake insists on the document's colour space; imaging.md says Photoshop "will perform color conversions when needed".
      if (img.colorSpace !== space) throw new Error(`putPixels: imageData colorSpace ${img.colorSpace} does not match the ${space} document (fake strictness)`);
      const depth = host.depthOf(doc);
      const base = opts.replace === false && node.pixels !== null ? copyRaster(node.pixels) : blankRaster(doc.state.width, doc.state.height, host.colorChannels(doc) + 1, depth, 0);
      blit(base, true, toDocDepth(img, depth), img.hasAlpha, origin.left, origin.top, maxValue(depth)); // data without alpha is opaque
      node.pixels = base;
      finishPut('putPixels', opts, target, 'Put Pixels');
    },

    async putLayerMask(opts: PsPutOptions & { kind?: 'user' }): Promise<void> {
      host.guard.assertCanEdit('set'); // UNVERIFIED event name
      const target = pixelTarget('putLayerMask', opts);
      const { doc, node, img, origin } = target;
      if ((opts.kind ?? 'user') !== 'user') throw new Error('putLayerMask: only kind "user" is accepted (imaging.md)');
      if (img.components !== 1 || img.colorSpace !== 'Grayscale') {
        throw new Error('putLayerMask: "This must be image data with a single component using the grayscale color model." (imaging.md)');
      }
      // Adobe imaging-test sample main.js addLayerMask(): "Cannot add Layer Mask to Background layer."
      if (node.isBackground) throw new Error('Cannot add Layer Mask to Background layer.');
      if (node.allLocked) throw new Error(`putLayerMask: layer ${node.id} is locked`);
      if (node.mask === null && options.putLayerMaskNeedsExistingMask) throw new Error(`putLayerMask: layer ${node.id} has no user mask (fake option putLayerMaskNeedsExistingMask)`);
      const depth = host.depthOf(doc);
      // §1.5: evidence that putLayerMask creates the mask when absent. Outside the placed region a new (or replaced) mask
      // reveals (255): UNVERIFIED.
      const base = opts.replace === false && node.mask !== null ? copyRaster(node.mask) : blankRaster(doc.state.width, doc.state.height, 1, depth, maxValue(depth));
      blit(base, false, toDocDepth(img, depth), false, origin.left, origin.top, 0);
      node.mask = base;
      finishPut('putLayerMask', opts, target, 'Put Layer Mask');
    },

    async createImageDataFromBuffer(data: PixelArray, opts: PsCreateImageDataOptions): Promise<PsImageData> {
      host.guard.assertUsable();
      return createImageData(registry, data, opts);
    },

    async encodeImageData(opts: { imageData: PsImageData; base64?: boolean }): Promise<number[] | string> {
      host.guard.assertUsable();
      const img = ownImageData(registry, opts.imageData, 'encodeImageData');
      if (img.colorSpace !== 'RGB') throw new Error('encodeImageData: "The data colorSpace must be RGB." (imaging.md, §1.8)');
      const u8 = convertDepth(img.pixels(), img.componentSize, 8);
      let pipeline = sharp(Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength), { raw: { width: img.width, height: img.height, channels: img.hasAlpha ? 4 : 3 } });
      if (img.hasAlpha) pipeline = pipeline.removeAlpha(); // JPEG has no alpha; what Photoshop does with it is UNVERIFIED
      const jpeg = await pipeline.jpeg().toBuffer();
      return opts.base64 === true ? jpeg.toString('base64') : Array.from(jpeg);
    },
  };
}

function checkBounds(b: PsBounds): PsBounds {
  for (const v of [b.left, b.top, b.right, b.bottom]) {
    if (!Number.isInteger(v)) throw new Error('getPixels: sourceBounds needs integer left, top, right, bottom');
  }
  return b;
}

/** imaging.md applyAlpha: "RGBA pixels will be converted to RGB by matting on white". */
function matteOnWhite(r: Raster, max: number): Raster {
  const colors = r.channels - 1;
  const n = r.width * r.height;
  const out = r.data.slice(0, n * colors);
  const integer = !(r.data instanceof Float32Array);
  for (let p = 0; p < n; p++) {
    const a = r.data[p * r.channels + colors] / max;
    for (let c = 0; c < colors; c++) {
      const v = r.data[p * r.channels + c] * a + max * (1 - a);
      out[p * colors + c] = integer ? Math.round(v) : v;
    }
  }
  return { width: r.width, height: r.height, channels: colors, data: out };
}

function grayToRgb(r: Raster, alpha: boolean): Raster {
  const n = r.width * r.height;
  const channels = alpha ? 4 : 3;
  const out = allocateLike(r.data, n * channels);
  for (let p = 0; p < n; p++) {
    const g = r.data[p * r.channels];
    out[p * channels] = g;
    out[p * channels + 1] = g;
    out[p * channels + 2] = g;
    if (alpha) out[p * channels + 3] = r.data[p * r.channels + 1];
  }
  return { width: r.width, height: r.height, channels, data: out };
}
