/**
 * The web page's image files: a photo the user opens → the engine's 8-bit PixelImage (the browser's own decoder),
 * a PixelImage → PNG, and one restored face as the full-size layer and mask images the Photoshop plugin would write.
 *
 * Decoding keeps the stored values, as the CLI (sharp) and Photoshop read them: no colour management
 * (`colorSpaceConversion: 'none'`), EXIF orientation applied (as cv2.imread and sharp's autoOrient do). The 2D canvas
 * stores premultiplied alpha, so colours under partial transparency come back within a level or so of the file's and
 * fully transparent pixels come back black; alpha itself and every opaque pixel are exact.
 */
import { RestoreError } from '../../core/errors';
import { DEFAULT_MAX_PIXELS, type PixelImage } from '../../core/image';
import type { Placement } from '../../core/paste';

const { max, min, round } = Math;

export type ImageFileKind = 'jpeg' | 'png' | 'webp';

/** Bytes read before decoding: the signature and the header that gives the size (JPEG's may follow large EXIF data). */
const HEAD_BYTES = 1 << 20;

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0): boolean =>
  signature.every((b, i) => bytes[at + i] === b);
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/** The format the content is (not the file name), or undefined when it is none the page opens. */
export function sniffImage(bytes: Uint8Array): ImageFileKind | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  return undefined;
}

/** What a file the page cannot open looks like, for the message. */
function describeContent(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'it is empty';
  const known: Array<[number[], string, number?]> = [
    [ascii('%PDF'), 'a PDF document'], [ascii('GIF8'), 'a GIF image'], [ascii('BM'), 'a BMP image'],
    [[0x49, 0x49, 0x2a, 0x00], 'a TIFF image'], [[0x4d, 0x4d, 0x00, 0x2a], 'a TIFF image'],
    [ascii('ftypavif'), 'an AVIF image', 4], [ascii('ftypheic'), 'a HEIC photo', 4], [ascii('ftypmif1'), 'a HEIF image', 4],
    [ascii('ftyp'), 'a video or HEIF file', 4], [ascii('8BPS'), 'a Photoshop document'], [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive'],
    [[0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50], 'a JPEG 2000 image'], [[0xff, 0x0a], 'a JPEG XL image'], [ascii('RIFF'), 'a RIFF file (audio or video)'],
  ];
  const hit = known.find(([signature, , at]) => startsWith(bytes, signature, at ?? 0));
  if (hit) return `it starts like ${hit[1]}`;
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).trimStart();
  if (/^<(\?xml|svg|!doctype svg)/i.test(head) && /<svg/i.test(head)) return 'it starts like an SVG drawing';
  if (/^<(!doctype html|html)/i.test(head)) return 'it starts like a web page (HTML)';
  // Text: no control bytes other than tab, line feed, carriage return and form feed, and no decoding errors.
  const sample = bytes.subarray(0, 512);
  if (sample.every((b) => b >= 0x20 || b === 9 || b === 10 || b === 12 || b === 13) && !head.includes('\ufffd')) return 'it starts like text';
  return `it starts with the bytes ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ')}`;
}

/** Width and height from the header, or undefined when they are not within the bytes read. */
export function headerSize(bytes: Uint8Array, kind: ImageFileKind): { width: number; height: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === 'png') return bytes.length >= 24 ? { width: view.getUint32(16), height: view.getUint32(20) } : undefined;
  if (kind === 'webp') {
    if (bytes.length < 30) return undefined;
    const chunk = String.fromCharCode(...bytes.subarray(12, 16));
    const u24 = (at: number): number => bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
    if (chunk === 'VP8X') return { width: u24(24) + 1, height: u24(27) + 1 };
    if (chunk === 'VP8L') {
      const bits = view.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ') return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
    return undefined;
  }
  // JPEG: walk the marker segments to the first start-of-frame (C0..CF except DHT C4, JPG C8 and DAC CC).
  for (let at = 2; at + 9 < bytes.length;) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1];
    if (marker === 0xff) { at++; continue; }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { width: view.getUint16(at + 7), height: view.getUint16(at + 5) };
    }
    at += 2 + (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8) ? 0 : view.getUint16(at + 2));
  }
  return undefined;
}

function checkPixels(name: string, width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new RestoreError(
      'INVALID_IMAGE',
      `${name} is ${width}×${height} = ${(width * height / 1e6).toFixed(1)} MP, above the limit of ${(maxPixels / 1e6).toFixed(1)} MP; reduce it first`,
    );
  }
}

const FORMAT_NAMES: Readonly<Record<ImageFileKind, string>> = { jpeg: 'JPEG', png: 'PNG', webp: 'WebP' };

function context2d(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const context = new OffscreenCanvas(width, height).getContext('2d', { colorSpace: 'srgb', willReadFrequently: true });
  if (!context) throw new RestoreError('HOST_FAILURE', 'This browser gives no 2D canvas to read image pixels with');
  return context;
}

/**
 * Decodes a JPEG, PNG or WebP file to an 8-bit PixelImage: RGBA when any pixel is not opaque, else RGB.
 * @throws RestoreError DECODE_FAILED (not one of those formats, damaged), INVALID_IMAGE (above `maxPixels`).
 * @example const image = await decodeImageFile(input.files[0], input.files[0].name);
 */
export async function decodeImageFile(file: Blob, name: string, maxPixels: number = DEFAULT_MAX_PIXELS): Promise<PixelImage> {
  const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
  const kind = sniffImage(head);
  if (!kind) {
    throw new RestoreError('DECODE_FAILED', `${name} is not a JPEG, PNG or WebP image (${describeContent(head)}). Open a photo in one of those formats.`);
  }
  // Refused from the header, before the browser spends memory decoding it.
  const declared = headerSize(head, kind);
  if (declared) checkPixels(name, declared.width, declared.height, maxPixels);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none', colorSpaceConversion: 'none', imageOrientation: 'from-image' });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RestoreError(
      'DECODE_FAILED',
      `${name} looks like a ${FORMAT_NAMES[kind]} image but could not be decoded: it is damaged or incomplete (the browser says: ${reason}). Export or download it again.`,
      { cause: error },
    );
  }
  let rgba: Uint8ClampedArray;
  const { width, height } = bitmap;
  try {
    checkPixels(name, width, height, maxPixels);
    const context = context2d(width, height);
    context.drawImage(bitmap, 0, 0);
    rgba = context.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data;
  } finally {
    bitmap.close();
  }
  const n = width * height;
  let opaque = true;
  for (let i = 3; i < rgba.length; i += 4) {
    if (rgba[i] !== 255) {
      opaque = false;
      break;
    }
  }
  if (!opaque) return { width, height, channels: 4, data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length), maxValue: 255 };
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, s = 0, d = 0; i < n; i++, s += 4, d += 3) {
    rgb[d] = rgba[s];
    rgb[d + 1] = rgba[s + 1];
    rgb[d + 2] = rgba[s + 2];
  }
  return { width, height, channels: 3, data: rgb, maxValue: 255 };
}

/** An image as canvas RGBA bytes: gray replicated, no alpha → opaque, other depths rescaled to 8 bits and rounded. */
function toRgba8(image: PixelImage): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, channels, data, maxValue } = image;
  const n = width * height;
  const out = new Uint8ClampedArray(n * 4);
  const k = 255 / maxValue;
  const exact = maxValue === 255 && !(data instanceof Float32Array);
  const level = (v: number): number => (exact ? v : !(v > 0) ? 0 : min(255, round(v * k)));
  const gray = channels <= 2;
  const alpha = channels === 2 || channels === 4;
  for (let i = 0, s = 0, d = 0; i < n; i++, s += channels, d += 4) {
    const r = level(data[s]);
    out[d] = r;
    out[d + 1] = gray ? r : level(data[s + 1]);
    out[d + 2] = gray ? r : level(data[s + 2]);
    out[d + 3] = alpha ? level(data[s + channels - 1]) : 255;
  }
  return out;
}

/**
 * Encodes an image (1–4 channels) as PNG with the browser's encoder. Opaque images round-trip exactly; partially
 * transparent colours are subject to the canvas's premultiplication.
 */
export async function encodePng(image: PixelImage): Promise<Blob> {
  const { width, height } = image;
  const context = context2d(width, height);
  context.putImageData(new ImageData(toRgba8(image), width, height, { colorSpace: 'srgb' }), 0, 0);
  return context.canvas.convertToBlob({ type: 'image/png' });
}

/** Engine level (0..255 scale) → 8-bit, as the plugin's `encodeColour` writes an 8-bit layer. */
const colourLevel = (v: number): number => min(255, max(0, round(v)));
/** Mask coverage (0..1) → 8-bit, as the plugin's `encodeMask`. */
const maskLevel = (m: number): number => min(255, max(0, round(m * 255)));

/** Calls `fn(source index, destination pixel index)` for every pixel of the placement inside the width×height canvas. */
function forEachPlaced(placement: Placement, width: number, height: number, fn: (source: number, target: number) => void): void {
  const { rect } = placement;
  for (let j = 0; j < rect.height; j++) {
    const y = rect.y + j;
    if (y < 0 || y >= height) continue;
    for (let i = 0; i < rect.width; i++) {
      const x = rect.x + i;
      if (x >= 0 && x < width) fn(j * rect.width + i, y * width + x);
    }
  }
}

/**
 * One face as a result-size RGBA layer, as the Photoshop plugin writes it: the restored pixels inside the placement's
 * rectangle, opaque there; transparent (0, 0, 0, 0) elsewhere. Gray placements are replicated to RGB.
 */
export function faceLayerImage(placement: Placement, width: number, height: number): PixelImage {
  const data = new Uint8Array(width * height * 4);
  const { data: src, channels } = placement.pixels;
  forEachPlaced(placement, width, height, (s, t) => {
    const at = s * channels, d = t * 4;
    const r = colourLevel(src[at]);
    data[d] = r;
    data[d + 1] = channels === 3 ? colourLevel(src[at + 1]) : r;
    data[d + 2] = channels === 3 ? colourLevel(src[at + 2]) : r;
    data[d + 3] = 255;
  });
  return { width, height, channels: 4, data, maxValue: 255 };
}

/** The face's layer mask as a result-size opaque RGBA image: gray = round(mask × 255) inside the rectangle, black elsewhere. */
export function faceMaskImage(placement: Placement, width: number, height: number): PixelImage {
  const data = new Uint8Array(width * height * 4);
  for (let d = 3; d < data.length; d += 4) data[d] = 255;
  const { mask } = placement;
  forEachPlaced(placement, width, height, (s, t) => {
    const v = maskLevel(mask[s]);
    data[t * 4] = v;
    data[t * 4 + 1] = v;
    data[t * 4 + 2] = v;
  });
  return { width, height, channels: 4, data, maxValue: 255 };
}
