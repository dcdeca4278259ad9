/**
 * Upscale stage: runs an ONNX super-resolution network (Real-ESRGAN and kin: RGB 0..1 NCHW in, ×s out) over an
 * image tile by tile, and turns each tile's network output into final pixels at the requested output scale, in
 * the input's own format (8-bit stays 8-bit, 16-bit stays 16-bit, gray stays gray, alpha is resized
 * conventionally and kept). Nothing full-size is ever held in float: only one tile at a time.
 *
 * Reference: Real-ESRGAN `RealESRGANer.enhance`/`tile_process` (../shared/docs/reference-pipeline.md §5), with
 * its hard tile seams removed (context on every side, reflect-101 at the border, see tiles.ts) and its
 * non-antialiased LANCZOS4 rescale replaced by an antialiased Lanczos-3 (resample.ts).
 */
import { RestoreError, type AbortSignalLike } from './errors';
import { allocateLike, hasAlpha, type ChannelCount, type PixelImage } from './image';
import { resampleRegion } from './resample';
import { dimAccepts, float32Tensor, formatShape, requireOutput, runModel, type LoadedModel } from './runtime';
import { tileTensor, type Tile } from './tiles';
import type { Rect } from './types';

const { ceil, floor, max, min, round } = Math;

/** What the engine learned about a super-resolution model by inspecting and probing it. */
export interface UpscaleContract {
  readonly inputName: string;
  readonly outputName: string;
  /** The network's own scale, read from the output shape of a probe run. */
  readonly scale: number;
  /** Set when the model only takes one spatial size. */
  readonly fixedInput?: { readonly width: number; readonly height: number };
}

const PROBE_SIZE = 32;

/**
 * Checks the declared I/O of a super-resolution model without running it (import checks use this on a file's
 * signature): one float32 [1,3,H,W] input and an output. Returns the fixed input size, if any.
 */
export function checkUpscaleSignature(model: Pick<LoadedModel, 'inputs' | 'outputs'>, label: string): { width: number; height: number } | undefined {
  const input = model.inputs[0];
  const output = model.outputs[0];
  const fail = (why: string): never => {
    throw new RestoreError('MODEL_CONTRACT', `${label} is not a super-resolution model the engine can run: ${why}`);
  };
  if (!input || !output) fail('it needs one image input and one image output');
  if (model.inputs.length !== 1) fail(`it has ${model.inputs.length} inputs (${model.inputs.map((i) => i.name).join(', ')}); expected one [1,3,H,W] image`);
  if (input.type !== 'float32') fail(`its input "${input.name}" is ${input.type}; expected float32`);
  const shape = input.shape;
  if (shape.length !== 4 || !dimAccepts(shape[0], 1) || !dimAccepts(shape[1], 3)) {
    fail(`its input "${input.name}" is ${formatShape(shape)}; expected [1,3,H,W] RGB`);
  }
  const outShape = output.shape;
  if (outShape.length !== 0 && (outShape.length !== 4 || !dimAccepts(outShape[1], 3))) {
    fail(`its output "${output.name}" is ${formatShape(outShape)}; expected [1,3,s·H,s·W] RGB`);
  }
  const h = shape[2], w = shape[3];
  return typeof h === 'number' && h > 0 && typeof w === 'number' && w > 0 ? { width: w, height: h } : undefined;
}

/** Checks the declared I/O, then runs a small probe to read the scale (many exports declare the output size wrong). */
export async function inspectUpscaleModel(model: LoadedModel, label: string): Promise<UpscaleContract> {
  const fixedInput = checkUpscaleSignature(model, label);
  const input = model.inputs[0];
  const output = model.outputs[0];
  const fail = (why: string): never => {
    throw new RestoreError('MODEL_CONTRACT', `${label} is not a super-resolution model the engine can run: ${why}`);
  };
  const probe = fixedInput ?? { width: PROBE_SIZE, height: PROBE_SIZE };
  const feeds = { [input.name]: float32Tensor(new Float32Array(3 * probe.width * probe.height).fill(0.5), [1, 3, probe.height, probe.width]) };
  const result = await runModel(model, label, feeds);
  const out = result[output.name];
  const dims = out?.dims ?? [];
  const scale = dims[2] / probe.height;
  if (dims.length !== 4 || dims[1] !== 3 || !Number.isInteger(scale) || scale < 1 || dims[3] !== probe.width * scale) {
    fail(`for a ${probe.width}×${probe.height} input it returned ${formatShape(dims)}; expected [1,3,s·H,s·W] with an integer scale s`);
  }
  if (scale === 1) fail(`it returns images at the size it is given (×1), so it does not upscale (is it a restore model?)`);
  return { inputName: input.name, outputName: output.name, scale, ...(fixedInput ? { fixedInput } : {}) };
}

/** One finished piece of the output: `image` holds the pixels of `rect` in output coordinates. */
export interface UpscaledTile {
  readonly rect: Rect;
  readonly image: PixelImage;
}

/** Runs the network on one tile's window: planar RGB of (window × scale), values as the network returns them. */
export async function runTile(
  model: LoadedModel,
  contract: UpscaleContract,
  label: string,
  image: PixelImage,
  tile: Tile,
  signal: AbortSignalLike | undefined,
): Promise<Float32Array> {
  const { width, height } = tile.input;
  const feeds = { [contract.inputName]: float32Tensor(tileTensor(image, tile.input), [1, 3, height, width]) };
  const s = contract.scale;
  const out = requireOutput(await runModel(model, label, feeds, signal), contract.outputName, label, 3 * width * s * height * s);
  return out instanceof Float32Array ? out : Float32Array.from(out);
}

/** The output rectangle a tile delivers at output scale `scale` (integer), i.e. its core scaled. */
export function outputRect(tile: Tile, scale: number): Rect {
  const { x, y, width, height } = tile.core;
  return { x: x * scale, y: y * scale, width: width * scale, height: height * scale };
}

/**
 * The colour of `rect` (output coordinates, at `scale`) from a tile's network output (`netScale` × its window), as
 * three planes in 0..1 before clamping: a crop when the scales agree, an antialiased Lanczos-3 resample otherwise.
 */
export function tileColour(net: Float32Array, tile: Tile, netScale: number, scale: number, rect: Rect): Float32Array {
  const w = tile.input.width * netScale, h = tile.input.height * netScale;
  const originX = tile.input.x * netScale, originY = tile.input.y * netScale;
  if (scale === netScale) {
    const out = new Float32Array(3 * rect.width * rect.height);
    for (let c = 0; c < 3; c++) {
      for (let j = 0; j < rect.height; j++) {
        const from = c * w * h + (rect.y - originY + j) * w + (rect.x - originX);
        out.set(net.subarray(from, from + rect.width), (c * rect.height + j) * rect.width);
      }
    }
    return out;
  }
  return resampleRegion({ data: net, width: w, height: h, channels: 3, originX, originY }, rect, netScale / scale, 'lanczos3');
}

/** The alpha of `rect` at `scale`, bilinear from the input's alpha channel (in the input's units). */
function tileAlpha(image: PixelImage, rect: Rect, scale: number): Float32Array {
  const { width, height, channels, data } = image;
  // Source pixels the bilinear taps of this rect can reach, plus one for safety; clamping happens at the image edge.
  const x0 = max(0, floor((rect.x + 0.5) / scale - 0.5) - 1), x1 = min(width, ceil((rect.x + rect.width) / scale) + 2);
  const y0 = max(0, floor((rect.y + 0.5) / scale - 0.5) - 1), y1 = min(height, ceil((rect.y + rect.height) / scale) + 2);
  const w = x1 - x0, h = y1 - y0;
  const plane = new Float32Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0, s = ((y0 + j) * width + x0) * channels + channels - 1; i < w; i++, s += channels) plane[j * w + i] = data[s];
  }
  return resampleRegion({ data: plane, width: w, height: h, channels: 1, originX: x0, originY: y0 }, rect, 1 / scale, 'linear');
}

/**
 * Packs a tile's colour planes (0..1) into the input's format: same array type, channel count and maxValue. Gray
 * images get BT.601 luma of the network's RGB (cv2 RGB2GRAY), as the reference's 'L' mode.
 */
export function packTile(colour: Float32Array, rect: Rect, image: PixelImage, scale: number): PixelImage {
  const n = rect.width * rect.height;
  const channels = image.channels as ChannelCount;
  const data = allocateLike(image, n * channels);
  const isFloat = data instanceof Float32Array;
  const maxValue = image.maxValue;
  const cc = channels <= 2 ? 1 : 3;
  const quantise = (v: number): number => {
    const c = v <= 0 ? 0 : v >= 1 ? 1 : v;
    return isFloat ? c * maxValue : round(c * maxValue);
  };
  for (let i = 0, d = 0; i < n; i++, d += channels) {
    const r = colour[i], g = colour[i + n], b = colour[i + 2 * n];
    if (cc === 1) {
      data[d] = quantise(0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      data[d] = quantise(r);
      data[d + 1] = quantise(g);
      data[d + 2] = quantise(b);
    }
  }
  if (hasAlpha(image)) {
    const alpha = tileAlpha(image, rect, scale);
    for (let i = 0, d = channels - 1; i < n; i++, d += channels) {
      const a = alpha[i];
      data[d] = isFloat ? a : round(a <= 0 ? 0 : a >= maxValue ? maxValue : a);
    }
  }
  return { width: rect.width, height: rect.height, channels, data, maxValue };
}

/** Copies a finished tile into a full output image of the same format. */
export function blitTile(target: PixelImage, tile: UpscaledTile): void {
  const { rect, image } = tile;
  const c = target.channels;
  const rowLength = rect.width * c;
  for (let j = 0; j < rect.height; j++) {
    const from = j * rowLength;
    target.data.set(image.data.subarray(from, from + rowLength), ((rect.y + j) * target.width + rect.x) * c);
  }
}
