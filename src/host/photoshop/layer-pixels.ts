/**
 * Pixels between Photoshop and the engine. Reads a layer with the imaging API into a `PixelImage`, and turns the
 * engine's placements (face pixels and soft mask) into `PhotoshopImageData` at the document's depth. Every
 * PhotoshopImageData this module obtains is disposed in `finally` (its native buffer is otherwise held until GC).
 *
 * Ranges (DOCS ps-reference/media/imaging.md, "Terminology and data types"): 8-bit 0..255, 16-bit 0..32768
 * (Photoshop's reduced range), 32-bit float 0..1+ in linear light. GFPGAN was trained on gamma-encoded sRGB, so
 * 32-bit pixels are encoded with the sRGB transfer curve for the engine and decoded again on the way back.
 */
import type { FloatImage, PixelImage } from '../../core/image';
import type { PsBounds, PsComponentSize, PsImageData, PsImaging } from './ps-api';

const { max, min, pow, round } = Math;

export const MAX_VALUE: Record<PsComponentSize, number> = { 8: 255, 16: 32768, 32: 1 };

/** sRGB transfer (IEC 61966-2-1), extended linearly below 0 and by the power segment above 1 (HDR values). */
export function linearToSrgb(v: number): number {
  if (v <= 0.0031308) return v * 12.92;
  return 1.055 * pow(v, 1 / 2.4) - 0.055;
}

export function srgbToLinear(v: number): number {
  if (v <= 0.04045) return v / 12.92;
  return pow((v + 0.055) / 1.055, 2.4);
}

export interface LayerPixels {
  readonly image: PixelImage;
  /** Where `image` sits in the document (right/bottom-exclusive). */
  readonly bounds: PsBounds;
}

/** Reads a layer's own pixels (not the composite) at the document's depth, chunky, in the document's colour space. */
export async function readLayerPixels(imaging: PsImaging, documentID: number, layerID: number): Promise<LayerPixels> {
  const { imageData, sourceBounds } = await imaging.getPixels({ documentID, layerID, componentSize: -1 });
  try {
    const raw = await imageData.getData({ chunky: true });
    const depth = imageData.componentSize;
    const channels = imageData.components as PixelImage['channels'];
    let data = raw;
    if (depth === 32) {
      // Linear light → sRGB-encoded for the engine; alpha is not a colour and stays as is.
      const colour = channels === 2 || channels === 4 ? channels - 1 : channels;
      const enc = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i++) enc[i] = i % channels < colour ? linearToSrgb(raw[i]) : raw[i];
      data = enc;
    }
    const image: PixelImage = { width: imageData.width, height: imageData.height, channels, data, maxValue: MAX_VALUE[depth] };
    return { image, bounds: { ...sourceBounds } };
  } finally {
    await imageData.dispose();
  }
}

function allocate(depth: PsComponentSize, length: number): Uint8Array | Uint16Array | Float32Array {
  return depth === 8 ? new Uint8Array(length) : depth === 16 ? new Uint16Array(length) : new Float32Array(length);
}

/** Engine colour (0..255 scale, 1 or 3 channels) → document values at `depth`. */
export function encodeColour(pixels: FloatImage, depth: PsComponentSize): Uint8Array | Uint16Array | Float32Array {
  const src = pixels.data;
  const out = allocate(depth, src.length);
  if (depth === 32) {
    for (let i = 0; i < src.length; i++) out[i] = srgbToLinear(max(0, src[i] / 255));
    return out;
  }
  const top = MAX_VALUE[depth];
  const k = top / 255;
  for (let i = 0; i < src.length; i++) out[i] = min(top, max(0, round(src[i] * k)));
  return out;
}

/** Soft mask 0..1 → document values at `depth` (a mask is coverage, not colour: no transfer curve). */
export function encodeMask(mask: Float32Array, depth: PsComponentSize): Uint8Array | Uint16Array | Float32Array {
  const out = allocate(depth, mask.length);
  if (depth === 32) {
    out.set(mask);
    return out;
  }
  const top = MAX_VALUE[depth];
  for (let i = 0; i < mask.length; i++) out[i] = min(top, max(0, round(mask[i] * top)));
  return out;
}

/** Wraps colour values in a PhotoshopImageData with no profile given, so Photoshop uses the document's. */
export function colourImageData(
  imaging: PsImaging,
  data: Uint8Array | Uint16Array | Float32Array,
  size: { width: number; height: number; channels: 1 | 3 },
  colorSpace: 'RGB' | 'Grayscale',
): Promise<PsImageData> {
  return imaging.createImageDataFromBuffer(data, { width: size.width, height: size.height, components: size.channels, colorSpace, chunky: true });
}

/** A layer-mask buffer as the imaging doc prescribes: one component, Grayscale, "Gray Gamma 2.2". */
export function maskImageData(imaging: PsImaging, data: Uint8Array | Uint16Array | Float32Array, width: number, height: number): Promise<PsImageData> {
  return imaging.createImageDataFromBuffer(data, { width, height, components: 1, colorSpace: 'Grayscale', colorProfile: 'Gray Gamma 2.2', chunky: true });
}

/**
 * An engine image that is already in document units (read by readLayerPixels, or made from such an image by the
 * engine, which keeps the format) → values to put back: 8/16-bit as they are, 32-bit decoded to linear light
 * (colour channels only; alpha is coverage).
 */
export function encodePixels(image: PixelImage, depth: PsComponentSize): Uint8Array | Uint16Array | Float32Array {
  const { data, channels } = image;
  if (depth !== 32) return depth === 8 ? new Uint8Array(data.buffer, data.byteOffset, data.length) : (data as Uint16Array);
  const colour = channels === 2 || channels === 4 ? channels - 1 : channels;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = i % channels < colour ? srgbToLinear(data[i]) : data[i];
  return out;
}
