/**
 * The Node host's image files: decoding to the engine's `PixelImage` and encoding back, with sharp (libvips).
 *
 * Decisions, each because the reference (cv2.imread / cv2.imwrite) or the user would otherwise lose something:
 * - Nature is kept: 8-bit stays Uint8Array/255, 16-bit stays Uint16Array/65535, gray stays 1 (or 2) channels.
 * - EXIF orientation is applied (as cv2.imread does), so the pixels are upright and the tag is not written back.
 * - Pixel values are the ones stored in the file, as cv2.imread and Photoshop read them: an embedded ICC profile is
 *   not applied to RGB or gray files (8 or 16 bits) but returned beside the pixels (`iccProfile`), so that results
 *   compare exactly with OpenCV's pipeline and pixels outside faces come back bit-identical.
 * - The profile travels with the pixels: writeImage embeds the given profile's exact bytes without changing any value
 *   (icc-embed.ts), so a colour-managed viewer shows the output in the input's colours. Without one, files are
 *   untagged (= sRGB). A profile whose colour model (gray/RGB) is not the file's is not embedded (`iccProfileFits`).
 * - CMYK, Lab and other non-RGB files are the exception: they cannot be returned as RGB without a conversion, so they
 *   are converted to sRGB (with their embedded profile when present) and returned without a profile.
 * - Truncated or corrupt data fails (failOn 'error'); plain decoder warnings, which cv2 also tolerates, do not.
 * - JPEG has no alpha: it is dropped without flattening, exactly what cv2.imwrite does with a 4-channel image.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { RestoreError } from '../../core/errors';
import { DEFAULT_MAX_PIXELS, validateImage, type ChannelCount, type PixelImage } from '../../core/image';
import { checkChoice, checkInteger, invalidOption, is, rejectUnknownKeys } from '../../core/validate';
import { embedIccProfile, iccProfileFits, isIccProfile } from './icc-embed';

export type ImageFileFormat = 'png' | 'jpeg' | 'webp' | 'tiff';

export interface DecodedImage {
  readonly image: PixelImage;
  /** The container sharp recognised from the content (not the extension): 'jpeg', 'png', 'tiff', 'webp', 'gif', 'heif'… */
  readonly format: ImageFileFormat | string;
  readonly bitDepth: 8 | 16;
  readonly hasAlpha: boolean;
  readonly isGray: boolean;
  /**
   * The ICC profile embedded in the file, whose space the pixel values are in (they are not converted); undefined when
   * the file has none, when it is not a well-formed profile, and for CMYK/Lab files (whose values are converted to sRGB).
   * Pass it to writeImage to tag the output with it.
   */
  readonly iccProfile?: Uint8Array;
}

export interface ReadImageOptions {
  /** Largest width × height accepted, checked from the header before decoding. Default DEFAULT_MAX_PIXELS. */
  readonly maxPixels?: number;
}

export interface WriteImageOptions {
  /** Output format; default from the extension (.png .jpg .jpeg .webp .tif .tiff). */
  readonly format?: ImageFileFormat;
  /**
   * JPEG/WebP quality, integer 1..100; not used by PNG/TIFF (lossless). JPEG default 95 (cv2.imwrite's); WebP without a
   * quality is lossless (cv2's default).
   */
  readonly quality?: number;
  /**
   * An ICC profile (e.g. DecodedImage.iccProfile) to embed byte for byte; the pixel values are written unchanged, as
   * values in that profile's space. Not embedded when its colour space is not the file's: a gray file (1–2 channels;
   * not WebP, which stores RGB) needs a GRAY profile, an RGB file an RGB profile. Default: no profile (sRGB).
   */
  readonly iccProfile?: Uint8Array;
}

const FORMATS: readonly ImageFileFormat[] = ['png', 'jpeg', 'webp', 'tiff'];
const EXTENSIONS: Readonly<Record<string, ImageFileFormat>> = {
  '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp', '.tif': 'tiff', '.tiff': 'tiff',
};
/** Vector formats have no pixels of their own; rasterising them at some DPI would be a guess. */
const VECTOR_FORMATS = ['svg', 'pdf'];
const DEFAULT_JPEG_QUALITY = 95;
/**
 * Colour spaces whose stored values are returned as they are (with the profile). Anything else (cmyk, lab, labs,
 * scrgb, multiband…) goes through sharp's conversion to sRGB.
 */
const KEPT_SPACES = ['srgb', 'rgb', 'rgb16', 'b-w', 'grey16'];
/** 'error' includes 'truncated'; the stricter 'warning' (sharp's default) rejects many real camera files. */
const FAIL_ON = 'error';

/**
 * A typed-array view of a Buffer's bytes without copying; copies only when the offset is misaligned for the element size.
 * Values are in the machine's byte order, which is what sharp's raw output uses.
 * @throws RangeError when a 16-bit view is asked of an odd number of bytes.
 * @example const samples = bufferAsTypedArray(await sharp(file).raw({ depth: 'ushort' }).toBuffer(), 'uint16');
 */
export function bufferAsTypedArray(buffer: Buffer, kind: 'uint8'): Uint8Array;
export function bufferAsTypedArray(buffer: Buffer, kind: 'uint16'): Uint16Array;
export function bufferAsTypedArray(buffer: Buffer, kind: 'uint8' | 'uint16'): Uint8Array | Uint16Array {
  if (kind === 'uint8') return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  if (buffer.length % 2 !== 0) throw new RangeError(`A buffer of ${buffer.length} bytes cannot hold 16-bit values`);
  if (buffer.byteOffset % 2 === 0) return new Uint16Array(buffer.buffer, buffer.byteOffset, buffer.length / 2);
  const copy = new Uint16Array(buffer.length / 2);
  new Uint8Array(copy.buffer).set(buffer);
  return copy;
}

function decodeFailed(file: string, reason: string, cause?: unknown): RestoreError {
  return new RestoreError('DECODE_FAILED', `Cannot read image ${file}: ${reason}`, { cause });
}

/** An error's message on one line: libvips joins several decoder messages with newlines. */
function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, '; ').trim();
}

function describePixels(width: number, height: number): string {
  const n = width * height;
  return `${width}×${height} = ${n.toLocaleString('en-US')} pixels (${(n / 1e6).toFixed(n < 1e5 ? 3 : 1)} MP)`;
}

/** Refuses what is not a readable regular file, with a reason the user can act on. */
async function checkInputFile(file: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw decodeFailed(file, 'the file does not exist; check the path', error);
    throw decodeFailed(file, `the file cannot be accessed (${code ?? String(error)}); check its permissions`, error);
  }
  if (stat.isDirectory()) throw decodeFailed(file, 'it is a folder, not an image file; pass the path of an image');
  if (!stat.isFile()) throw decodeFailed(file, 'it is not a regular file; pass the path of an image file');
  if (stat.size === 0) throw decodeFailed(file, 'the file is empty (0 bytes); export or copy the image again');
}

function explainSharpError(file: string, error: unknown): RestoreError {
  const message = errorText(error);
  if (/unsupported image format/i.test(message)) {
    return decodeFailed(file, 'the content is not an image format this build can decode (JPEG, PNG, TIFF, WebP, GIF, AVIF); convert it to PNG or JPEG', error);
  }
  if (/^Input file is missing/i.test(message)) return decodeFailed(file, 'the file does not exist; check the path', error);
  if (/exceeds pixel limit/i.test(message)) {
    return new RestoreError('INVALID_IMAGE', `Cannot read image ${file}: it is larger than the pixel limit; reduce its size first`, { cause: error });
  }
  return decodeFailed(file, `the file is damaged or truncated (decoder: ${message}); export or download it again`, error);
}

/**
 * Reads an image file into a PixelImage that keeps the file's bit depth, channels and stored values (palette → RGB(A),
 * CMYK/Lab → sRGB), with the embedded ICC profile those values are in.
 * @throws RestoreError DECODE_FAILED (missing, folder, empty, not an image, corrupt, unsupported), INVALID_IMAGE (above
 *   maxPixels), INVALID_OPTION.
 * @example const { image, bitDepth } = await readImage('photo.png');
 */
export async function readImage(file: string, options: ReadImageOptions = {}): Promise<DecodedImage> {
  rejectUnknownKeys('readImage', options, ['maxPixels']);
  const maxPixels = is.defined(options.maxPixels)
    ? checkInteger('maxPixels', options.maxPixels, 1, Number.MAX_SAFE_INTEGER)
    : DEFAULT_MAX_PIXELS;
  await checkInputFile(file);
  let meta: Metadata;
  try {
    // No pixel limit here: sharp would refuse with a bare message before we can name the size and the limit.
    meta = await sharp(file, { failOn: FAIL_ON }).metadata();
  } catch (error) {
    throw explainSharpError(file, error);
  }
  if (VECTOR_FORMATS.includes(meta.format)) {
    throw decodeFailed(file, `${meta.format.toUpperCase()} is a vector format with no pixel size; export it as PNG first`);
  }
  const { width, height } = meta.autoOrient ?? meta;
  if (width * height > maxPixels) {
    throw new RestoreError(
      'INVALID_IMAGE',
      `Cannot read image ${file}: it is ${describePixels(width, height)}, above the limit of ${maxPixels.toLocaleString('en-US')} pixels; reduce its size first`,
    );
  }
  // Anything deeper than 8 bits (16-bit integer, 32-bit float TIFF) is kept at 16 bits.
  const is16 = Boolean(meta.depth) && meta.depth !== 'uchar' && meta.depth !== 'char';
  const isGray = (meta.space === 'b-w' || meta.space === 'grey16') && !meta.isPalette;
  const keepValues = KEPT_SPACES.includes(meta.space ?? '');
  let image: PixelImage;
  try {
    // The limit again, in case the file changed since the header was read.
    let input = sharp(file, { failOn: FAIL_ON, autoOrient: true, limitInputPixels: maxPixels });
    // Asking sharp to keep the profile is what stops it from transforming the values with it (to sRGB, or to Display
    // P3 for 16-bit RGB). CMYK must not take this path: sharp would then convert it with a generic CMYK profile
    // instead of the embedded one.
    if (keepValues) input = input.keepIccProfile();
    image = await decodePixels(input, is16, isGray, meta.hasAlpha);
  } catch (error) {
    throw explainSharpError(file, error);
  }
  // A damaged profile is treated as none: the values are still the stored ones, and writing it back would fail.
  const iccProfile = keepValues && isIccProfile(meta.icc) ? new Uint8Array(meta.icc) : undefined;
  return {
    image, format: meta.format, bitDepth: is16 ? 16 : 8, hasAlpha: image.channels % 2 === 0, isGray: image.channels <= 2, iccProfile,
  };
}

async function decodePixels(pipeline: Sharp, is16: boolean, isGray: boolean, hasAlpha: boolean): Promise<PixelImage> {
  if (is16) {
    const { data, info } = await pipeline.toColourspace(isGray ? 'grey16' : 'rgb16').raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data: bufferAsTypedArray(data, 'uint16'), maxValue: 65535 };
  }
  if (isGray && !hasAlpha) {
    const { data, info } = await pipeline.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: 1, data: bufferAsTypedArray(data, 'uint8'), maxValue: 255 };
  }
  const { data, info } = await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const rgb = bufferAsTypedArray(data, 'uint8');
  if (!isGray) return { width: info.width, height: info.height, channels: info.channels, data: rgb, maxValue: 255 };
  // sharp's raw output keeps only the first band of 8-bit gray, alpha included; so gray+alpha is decoded as RGBA
  // (gray replicated) and folded back to two channels here.
  const n = info.width * info.height;
  const gray = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    gray[2 * i] = rgb[4 * i];
    gray[2 * i + 1] = rgb[4 * i + 3];
  }
  return { width: info.width, height: info.height, channels: 2, data: gray, maxValue: 255 };
}

/** The samples to encode: the image's own array when it already fits, else a rounded, clamped, rescaled copy. */
function packSamples(image: PixelImage, bits: 8 | 16, dropAlpha: boolean): Uint8Array | Uint8ClampedArray | Uint16Array {
  const { data, maxValue, channels } = image;
  const full = bits === 16 ? 65535 : 255;
  const sameType = bits === 16 ? data instanceof Uint16Array : data instanceof Uint8Array || data instanceof Uint8ClampedArray;
  if (sameType && maxValue === full && !dropAlpha) return data as Uint8Array | Uint16Array;
  const outChannels = dropAlpha ? channels - 1 : channels;
  const n = image.width * image.height;
  const out = bits === 16 ? new Uint16Array(n * outChannels) : new Uint8Array(n * outChannels);
  const k = full / maxValue;
  for (let i = 0, s = 0, d = 0; i < n; i++, s += channels) {
    for (let c = 0; c < outChannels; c++, d++) {
      const v = data[s + c] * k;
      // `!(v > 0)` also maps NaN to 0.
      out[d] = !(v > 0) ? 0 : v >= full ? full : Math.round(v);
    }
  }
  return out;
}

function checkIccProfile(value: unknown): Uint8Array {
  if (!isIccProfile(value)) {
    throw invalidOption('iccProfile', 'a Uint8Array holding an ICC profile (at least 128 bytes, "acsp" at bytes 36..39)', value);
  }
  return value;
}

function resolveFormat(file: string, format: unknown): ImageFileFormat {
  if (is.defined(format)) return checkChoice('format', format, FORMATS);
  const fromExtension = EXTENSIONS[path.extname(file).toLowerCase()];
  if (!fromExtension) {
    throw new RestoreError(
      'INVALID_OPTION',
      `Cannot tell the format of ${file} from its extension; use ${Object.keys(EXTENSIONS).join(' ')} or pass options.format`,
    );
  }
  return fromExtension;
}

function encoder(image: PixelImage, format: ImageFileFormat, quality: number | undefined): Sharp {
  const isSixteen = image.data instanceof Uint16Array || image.data instanceof Float32Array || image.maxValue !== 255;
  const bits = isSixteen && (format === 'png' || format === 'tiff') ? 16 : 8;
  const dropAlpha = format === 'jpeg' && image.channels % 2 === 0;
  const samples = packSamples(image, bits, dropAlpha);
  const channels = (dropAlpha ? image.channels - 1 : image.channels) as ChannelCount;
  const space = channels <= 2 ? (bits === 16 ? 'grey16' : 'b-w') : bits === 16 ? 'rgb16' : 'srgb';
  // sharp takes the sample depth from the typed array's class; the colourspace makes PNG/TIFF keep 16 bits and gray.
  const pipeline = sharp(samples, { raw: { width: image.width, height: image.height, channels } }).toColourspace(space);
  switch (format) {
    // zlib level 1, cv2.imwrite's default for GFPGAN's PNGs: 45 % less encoding time than sharp's 6 for files ~20 % larger.
    case 'png': return pipeline.png({ compressionLevel: 1 });
    // Standard Huffman tables, as cv2.imwrite writes GFPGAN's outputs: optimised tables buffer the whole image's
    // coefficients (+65 MiB peak on 12 MP) and take 3.4× as long, for files 2–8 % smaller (bench/README.md).
    case 'jpeg': return pipeline.jpeg({ quality: quality ?? DEFAULT_JPEG_QUALITY, optimiseCoding: false });
    // `exact` keeps the colour under transparent pixels, which libwebp would otherwise discard.
    case 'webp': return pipeline.webp(quality === undefined ? { lossless: true, exact: true } : { quality, exact: true });
    // sharp's TIFF default compression is JPEG, which would force 8 bits and drop alpha.
    case 'tiff': return pipeline.tiff({ compression: 'deflate', predictor: 'horizontal' });
  }
}

/**
 * Writes an image atomically (temp file in the same folder, then rename), creating parent folders.
 * 16-bit, Photoshop-16-bit (32768) and float data become 16-bit PNG/TIFF; JPEG and WebP are 8-bit. WebP stores gray as RGB.
 * With `iccProfile`, the file is tagged with it (unless its colour model does not fit the file, see WriteImageOptions).
 * @throws RestoreError HOST_FAILURE (encode, folder or file-system failure), INVALID_OPTION, INVALID_IMAGE.
 * @example await writeImage('out/restored.jpg', image, { quality: 90 });
 */
export async function writeImage(file: string, image: PixelImage, options: WriteImageOptions = {}): Promise<void> {
  rejectUnknownKeys('writeImage', options, ['format', 'quality', 'iccProfile']);
  const format = resolveFormat(file, options.format);
  const quality = is.defined(options.quality) ? checkInteger('quality', options.quality, 1, 100) : undefined;
  const profile = is.defined(options.iccProfile) ? checkIccProfile(options.iccProfile) : undefined;
  validateImage(image, Number.MAX_SAFE_INTEGER, `image to write to ${file}`);
  const fail = (what: string, error: unknown): RestoreError =>
    new RestoreError('HOST_FAILURE', `Cannot write image ${file}: ${what} (${errorText(error)})`, { cause: error });
  let bytes: Buffer;
  try {
    bytes = await encoder(image, format, quality).toBuffer();
  } catch (error) {
    throw fail(`the ${format.toUpperCase()} encoder failed`, error);
  }
  if (profile && iccProfileFits(profile, format, image.channels)) {
    try {
      bytes = embedIccProfile(bytes, format, profile);
    } catch (error) {
      throw fail(`the ICC profile cannot be embedded in the ${format.toUpperCase()} file`, error);
    }
  }
  const folder = path.dirname(path.resolve(file));
  try {
    await fs.promises.mkdir(folder, { recursive: true });
  } catch (error) {
    throw fail(`its folder ${folder} cannot be created`, error);
  }
  const temp = path.join(folder, `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.promises.open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      // Flush before the rename so a crash cannot leave the final name pointing at an incomplete file.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, file);
  } catch (error) {
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw fail('the file system refused it', error);
  }
}
