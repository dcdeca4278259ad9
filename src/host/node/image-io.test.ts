import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { RestoreError } from '../../core/errors';
import type { PixelImage } from '../../core/image';
import { sharedImage } from '../../../test/helpers/shared';
import { bufferAsTypedArray, readImage, writeImage } from './image-io';
import { pattern } from '../../../test/helpers/images';

let tmp: string;
beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-image-io-'))));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const inTmp = (...parts: string[]): string => path.join(tmp, ...parts);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

/** Asserts equal length and values, naming the first difference (jest's diff of million-element arrays takes minutes). */
function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  expect(i === actual.length ? 'identical' : `differ at ${i}: ${actual[i]} vs ${expected[i]}`).toBe('identical');
}

/** Asserts the code, that the message is one line, and that it mentions each text (the file, the reason). */
async function expectRejection(promise: Promise<unknown>, code: string, ...mentions: string[]): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RestoreError);
  expect((error as RestoreError).code).toBe(code);
  for (const text of mentions) expect((error as RestoreError).message).toContain(text);
  expect((error as RestoreError).message).not.toContain('\n');
}

describe('bufferAsTypedArray', () => {
  it('views aligned bytes without copying and copies misaligned ones', () => {
    const backing = Buffer.alloc(7); // not from the pool: byte offset 0
    backing.set([1, 0, 2, 0, 3, 0, 4]);
    const view = bufferAsTypedArray(backing.subarray(0, 6), 'uint16');
    expect(Array.from(view)).toEqual([1, 2, 3]);
    expect(view.buffer).toBe(backing.buffer);
    const odd = bufferAsTypedArray(backing.subarray(1, 7), 'uint16');
    expect(Array.from(odd)).toEqual([512, 768, 1024]);
    expect(odd.buffer).not.toBe(backing.buffer);
    expect(bufferAsTypedArray(backing, 'uint8').buffer).toBe(backing.buffer);
    expect(() => bufferAsTypedArray(backing, 'uint16')).toThrow(RangeError);
  });
});

describe('round trips keep the file nature exactly', () => {
  it.each([
    ['RGB 8-bit PNG', 3, 8, 'png'], ['RGBA 8-bit PNG', 4, 8, 'png'], ['gray 8-bit PNG', 1, 8, 'png'],
    ['gray+alpha 8-bit PNG', 2, 8, 'png'], ['RGB 16-bit PNG', 3, 16, 'png'], ['RGBA 16-bit PNG', 4, 16, 'png'],
    ['gray 16-bit PNG', 1, 16, 'png'], ['gray+alpha 16-bit PNG', 2, 16, 'png'], ['RGB 16-bit TIFF', 3, 16, 'tif'],
    ['RGBA 16-bit TIFF', 4, 16, 'tif'], ['gray 8-bit TIFF', 1, 8, 'tif'], ['RGBA lossless WebP', 4, 8, 'webp'],
  ] as const)('%s', async (_name, channels, bits, ext) => {
    const image = pattern(37, 23, channels, bits);
    const file = inTmp(`trip-${channels}-${bits}.${ext}`);
    await writeImage(file, image);
    const decoded = await readImage(file);
    expect(decoded.format).toBe(ext === 'tif' ? 'tiff' : ext);
    expect(decoded.bitDepth).toBe(bits);
    expect(decoded.isGray).toBe(channels <= 2);
    expect(decoded.hasAlpha).toBe(channels % 2 === 0);
    expect(decoded.image).toMatchObject({ width: 37, height: 23, channels, maxValue: bits === 16 ? 65535 : 255 });
    expect(decoded.image.data).toBeInstanceOf(bits === 16 ? Uint16Array : Uint8Array);
    expect(Array.from(decoded.image.data)).toEqual(Array.from(image.data));
    // Independent of our reader: the file itself holds 16-bit samples.
    const meta = await sharp(file).metadata();
    expect(meta.depth).toBe(bits === 16 ? 'ushort' : 'uchar');
  });

  it.each([
    ['codeformer_whole_06.png', 726, 838, 4], ['inspireface_pose_right_face.png', 641, 418, 4],
    ['gfpgan_cropped_Adele_crop.png', 512, 512, 3],
  ])('shared photo %s decodes at its size and survives PNG exactly, with its profile', async (name, width, height, channels) => {
    const decoded = await readImage(sharedImage(name));
    expect(decoded).toMatchObject({ format: 'png', bitDepth: 8, hasAlpha: channels === 4, isGray: false });
    expect(decoded.image).toMatchObject({ width, height, channels, maxValue: 255 });
    const file = inTmp('copy', name);
    await writeImage(file, decoded.image, { iccProfile: decoded.iccProfile });
    const copy = await readImage(file);
    expect(Buffer.from(copy.image.data).equals(Buffer.from(decoded.image.data))).toBe(true);
    expect(copy.iccProfile).toEqual(decoded.iccProfile);
    // The shared RGBA files' alpha planes are fully opaque (sharp's stats agree): transparency is covered above.
  });
});

describe('readImage decoding', () => {
  it.each([
    ['gfpgan_whole_00.jpg', 1297, 1920], ['gfpgan_whole_Blake_Lively.jpg', 700, 464], ['codeformer_whole_00.jpg', 491, 310],
  ])('decodes the shared JPEG %s at its known size', async (name, width, height) => {
    const decoded = await readImage(sharedImage(name));
    expect(decoded).toMatchObject({ format: 'jpeg', bitDepth: 8, hasAlpha: false, isGray: false });
    expect(decoded.image).toMatchObject({ width, height, channels: 3, maxValue: 255 });
    expect(decoded.image.data).toBeInstanceOf(Uint8Array);
  });

  it('decodes by content, not by extension (a PNG named .jpg)', async () => {
    const decoded = await readImage(sharedImage('inspireface_rotate_rot_0.jpg'));
    expect(decoded.format).toBe('png');
    expect(decoded.image).toMatchObject({ width: 325, height: 402, channels: 3 });
  });

  it.each(['jpg', 'png'])('applies EXIF orientation 6 (turn 90° clockwise) to a %s', async (ext) => {
    const stored = new Uint8Array(12 * 8 * 3);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) stored[(y * 12 + x) * 3] = 255; // red top-left block
    const file = inTmp(`orient6.${ext}`);
    const encoder = sharp(stored, { raw: { width: 12, height: 8, channels: 3 } });
    await (ext === 'jpg' ? encoder.jpeg({ quality: 100 }) : encoder.png()).withMetadata({ orientation: 6 }).toFile(file);
    const { image } = await readImage(file);
    expect(image).toMatchObject({ width: 8, height: 12 });
    // The stored top-left corner is displayed top-right.
    expect(image.data[(1 * 8 + 6) * 3]).toBeGreaterThan(200);
    expect(image.data[(1 * 8 + 1) * 3]).toBeLessThan(50);
  });

  it('expands palette PNGs to RGB(A)', async () => {
    const file = inTmp('palette.png');
    await sharp(pattern(16, 8, 4, 8).data, { raw: { width: 16, height: 8, channels: 4 } }).png({ palette: true }).toFile(file);
    expect((await sharp(file).metadata()).isPalette).toBe(true);
    expect(await readImage(file)).toMatchObject({ bitDepth: 8, hasAlpha: true, isGray: false, image: { channels: 4 } });
  });

  it('converts CMYK JPEG to sRGB and returns no profile (the values are sRGB now)', async () => {
    const rgb = new Uint8Array(16 * 16 * 3).map((_, i) => [200, 120, 60][i % 3]);
    const make = () => sharp(rgb, { raw: { width: 16, height: 16, channels: 3 } });
    await make().toColourspace('cmyk').jpeg({ quality: 100 }).toFile(inTmp('cmyk.jpg'));
    // sharp converts to its built-in CMYK profile and embeds it: the file is CMYK with a CMYK profile.
    await make().withIccProfile('cmyk').jpeg({ quality: 100 }).toFile(inTmp('cmyk-profile.jpg'));
    expect(await sharp(inTmp('cmyk-profile.jpg')).metadata()).toMatchObject({ space: 'cmyk', hasProfile: true });
    for (const file of [inTmp('cmyk.jpg'), inTmp('cmyk-profile.jpg')]) {
      expect((await sharp(file).metadata()).space).toBe('cmyk');
      const decoded = await readImage(file);
      expect(decoded.iccProfile).toBeUndefined();
      expect(decoded.image.channels).toBe(3);
      // A CMYK round trip through generic profiles is not exact; an inverted or raw-CMYK decode would be far off.
      expect(maxAbsDiff(decoded.image.data, rgb)).toBeLessThanOrEqual(30);
    }
  });

  /** The values stored in a file, decoded by sharp with no colour management (what cv2.imread returns). */
  async function storedValues(file: string, bits: 8 | 16): Promise<number[]> {
    const { data } = await sharp(file).keepIccProfile().toColourspace(bits === 16 ? 'rgb16' : 'srgb')
      .raw({ depth: bits === 16 ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    return bits === 16 ? Array.from(bufferAsTypedArray(data, 'uint16')) : Array.from(data);
  }

  it.each([
    ['codeformer_whole_06.png', 4064, false], ['inspireface_rotate_rot_0.jpg', 524, false], ['facexlib_test.jpg', 3144, true],
  ])('keeps the stored values of the shared photo %s and returns its %d-byte profile', async (name, size, isSrgb) => {
    const file = sharedImage(name);
    const meta = await sharp(file).metadata();
    const decoded = await readImage(file);
    expect(decoded.iccProfile).toBeInstanceOf(Uint8Array);
    expect(decoded.iccProfile?.length).toBe(size);
    expect(Buffer.from(decoded.iccProfile as Uint8Array).equals(meta.icc as Buffer)).toBe(true);
    expectSameValues(decoded.image.data, await storedValues(file, 8));
    // Except for the sRGB one, applying the profile (sharp's default) gives other values, which readImage must not return.
    const managed = await sharp(file).raw().toBuffer();
    expect(Buffer.from(decoded.image.data).equals(managed)).toBe(isSrgb);
  });

  it('returns no profile for files without one', async () => {
    expect((await readImage(sharedImage('codeformer_whole_00.jpg'))).iccProfile).toBeUndefined();
    expect((await readImage(sharedImage('inspireface_pose_right_face.png'))).iccProfile).toBeUndefined();
  });

  it('keeps the stored values of a Display P3 file at 8 bits (no conversion to sRGB)', async () => {
    const srgb = new Uint8Array(8 * 8 * 3).map((_, i) => [220, 40, 30][i % 3]);
    const p3File = inTmp('p3-8.png');
    // sharp converts the sRGB samples to Display P3 values and tags the file P3: the same colours, other numbers.
    await sharp(srgb, { raw: { width: 8, height: 8, channels: 3 } }).withIccProfile('p3').png().toFile(p3File);
    const stored = await sharp(p3File, { ignoreIcc: true }).raw().toBuffer();
    expect(maxAbsDiff(stored, srgb)).toBeGreaterThan(10);
    const decoded = await readImage(p3File);
    expect(Array.from(decoded.image.data)).toEqual(Array.from(stored));
    expect(Buffer.from(decoded.iccProfile as Uint8Array).equals((await sharp(p3File).metadata()).icc as Buffer)).toBe(true);
  });

  it('keeps the stored values of 16-bit RGB with a profile (sharp alone would convert them to Display P3)', async () => {
    // Built by sharp without our writer: the shared photo's samples widened to 16 bits in a PNG that keeps its profile.
    const source = sharedImage('inspireface_rotate_rot_0.jpg');
    const file16 = inTmp('profile-16.png');
    await sharp(source).keepIccProfile().toColourspace('rgb16').png().toFile(file16);
    const meta = await sharp(file16).metadata();
    expect(meta).toMatchObject({ depth: 'ushort', space: 'rgb16', hasProfile: true });
    // The reference decode ignores the profile by another switch (ignoreIcc); it agrees with cv2.imread on this file.
    const expected = bufferAsTypedArray(
      await sharp(file16, { ignoreIcc: true }).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer(), 'uint16');
    // The same picture: libvips widened the 8-bit samples to about v × 256 (not always exactly).
    expect(maxAbsDiff(expected, (await storedValues(source, 8)).map((v) => v * 256))).toBeLessThan(256);
    const managed = bufferAsTypedArray(await sharp(file16).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer(), 'uint16');
    expect(maxAbsDiff(managed, expected)).toBeGreaterThan(1000);
    const decoded = await readImage(file16);
    expect(decoded.bitDepth).toBe(16);
    expect(decoded.image.data).toBeInstanceOf(Uint16Array);
    expectSameValues(decoded.image.data, expected);
    expect(Buffer.from(decoded.iccProfile as Uint8Array).equals(meta.icc as Buffer)).toBe(true);
    // Values that are not multiples of 257, through our writer and back: still exact, profile intact.
    const image = pattern(31, 17, 3, 16);
    await writeImage(inTmp('pattern-profile-16.png'), image, { iccProfile: decoded.iccProfile });
    const back = await readImage(inTmp('pattern-profile-16.png'));
    expectSameValues(back.image.data, image.data);
    expect(back.iccProfile).toEqual(decoded.iccProfile);
    expectSameValues(back.image.data, await storedValues(inTmp('pattern-profile-16.png'), 16));
  });
});

describe('writeImage conversions', () => {
  it('rescales Photoshop 16-bit (maxValue 32768) to the full 16-bit range', async () => {
    const values = [0, 1, 16384, 20000, 32767, 32768];
    const image: PixelImage = { width: 6, height: 1, channels: 1, data: Uint16Array.from(values), maxValue: 32768 };
    await writeImage(inTmp('ps.png'), image);
    const decoded = await readImage(inTmp('ps.png'));
    expect(decoded.bitDepth).toBe(16);
    expect(Array.from(decoded.image.data)).toEqual(values.map((v) => Math.round((v * 65535) / 32768)));
  });

  it('writes float images (maxValue 1) as 16-bit PNG, clamping out-of-range and NaN values', async () => {
    const values = [-0.5, 0, 0.25, 0.5, 1, 1.5, Number.NaN, 0.123456];
    const image: PixelImage = { width: 8, height: 1, channels: 1, data: Float32Array.from(values), maxValue: 1 };
    await writeImage(inTmp('float.tiff'), image);
    const decoded = await readImage(inTmp('float.tiff'));
    expect(decoded.bitDepth).toBe(16);
    const expected = Array.from(Float32Array.from(values), (v) => (v > 0 ? Math.min(65535, Math.round(v * 65535)) : 0));
    expect(Array.from(decoded.image.data)).toEqual(expected);
  });

  it('writes 16-bit and float data to JPEG as 8-bit with rounding', async () => {
    const flat16: PixelImage = { width: 16, height: 16, channels: 3, data: new Uint16Array(16 * 16 * 3).map((_, i) => [51400, 12000, 40000][i % 3]), maxValue: 65535 };
    await writeImage(inTmp('flat16.jpg'), flat16);
    const decoded = await readImage(inTmp('flat16.jpg'));
    expect(decoded.bitDepth).toBe(8);
    const expected = Array.from(flat16.data, (v) => Math.round(v / 257));
    expect(maxAbsDiff(decoded.image.data, expected)).toBeLessThanOrEqual(2);
    const float: PixelImage = { ...flat16, data: Float32Array.from(flat16.data, (v) => v / 65535), maxValue: 1 };
    await writeImage(inTmp('float.jpg'), float);
    expect(maxAbsDiff((await readImage(inTmp('float.jpg'))).image.data, expected)).toBeLessThanOrEqual(2);
  });

  it('drops alpha for JPEG without flattening, keeps gray JPEG gray, and uses quality 95 by default', async () => {
    const rgba: PixelImage = { width: 16, height: 16, channels: 4, data: new Uint8Array(16 * 16 * 4).map((_, i) => [30, 140, 220, 0][i % 4]), maxValue: 255 };
    await writeImage(inTmp('alpha.jpg'), rgba);
    const decoded = await readImage(inTmp('alpha.jpg'));
    expect(decoded.image.channels).toBe(3);
    expect(maxAbsDiff(decoded.image.data, Array.from({ length: 16 * 16 * 3 }, (_, i) => [30, 140, 220][i % 3]))).toBeLessThanOrEqual(2);
    await writeImage(inTmp('gray.jpg'), pattern(32, 32, 2, 8));
    expect((await readImage(inTmp('gray.jpg'))).image.channels).toBe(1);
    const photo = (await readImage(sharedImage('codeformer_whole_00.jpg'))).image;
    await writeImage(inTmp('default.jpg'), photo);
    await writeImage(inTmp('q95.jpg'), photo, { quality: 95 });
    await writeImage(inTmp('q50.jpg'), photo, { quality: 50 });
    expect(fs.readFileSync(inTmp('default.jpg')).equals(fs.readFileSync(inTmp('q95.jpg')))).toBe(true);
    expect(fs.statSync(inTmp('q50.jpg')).size).toBeLessThan(fs.statSync(inTmp('q95.jpg')).size);
  });

  it('takes the format from the option over the extension, and creates parent folders', async () => {
    const file = inTmp('a', 'b', 'c', 'picture.dat');
    await writeImage(file, pattern(5, 4, 3, 8), { format: 'png' });
    expect((await readImage(file)).format).toBe('png');
    await writeImage(inTmp('UPPER.TIF'), pattern(5, 4, 3, 8));
    expect((await readImage(inTmp('UPPER.TIF'))).format).toBe('tiff');
    await writeImage(inTmp('lossy.webp'), pattern(5, 4, 1, 8), { quality: 80 });
    expect((await readImage(inTmp('lossy.webp'))).image.channels).toBe(3); // WebP has no gray mode
  });

  it('rejects bad options and unknown extensions with INVALID_OPTION', async () => {
    const image = pattern(2, 2, 3, 8);
    await expectRejection(writeImage(inTmp('x.bmp'), image), 'INVALID_OPTION', 'x.bmp', '.png');
    await expectRejection(writeImage(inTmp('x.png'), image, { quality: 0 }), 'INVALID_OPTION', 'quality');
    await expectRejection(writeImage(inTmp('x.png'), image, { format: 'gif' as never }), 'INVALID_OPTION', 'format');
    await expectRejection(writeImage(inTmp('x.png'), image, { qualty: 9 } as never), 'INVALID_OPTION', 'qualty');
    const notAcsp = new Uint8Array(200);
    for (const bad of [notAcsp, new Uint8Array(64), Array.from(notAcsp), 'srgb', Buffer.from('acsp')]) {
      await expectRejection(writeImage(inTmp('x.png'), image, { iccProfile: bad as never }), 'INVALID_OPTION', 'iccProfile', 'Expected');
    }
    await expectRejection(readImage(sharedImage('codeformer_whole_00.jpg'), { maxPixels: -1 }), 'INVALID_OPTION', 'maxPixels');
    await expectRejection(writeImage(inTmp('x.png'), { ...image, channels: 5 as never }), 'INVALID_IMAGE', 'x.png');
    expect(fs.existsSync(inTmp('x.png'))).toBe(false);
  });
});

describe('readImage refusals', () => {
  const truncated = (name: string, out: string): string => {
    const bytes = fs.readFileSync(sharedImage(name));
    fs.writeFileSync(inTmp(out), bytes.subarray(0, bytes.length >> 1));
    return inTmp(out);
  };

  it.each([
    ['a missing file', () => inTmp('does-not-exist.png'), 'does not exist'],
    ['a folder', () => tmp, 'folder'],
    ['a 0-byte file', () => (fs.writeFileSync(inTmp('empty.png'), ''), inTmp('empty.png')), 'empty'],
    ['a text file named .jpg', () => (fs.writeFileSync(inTmp('notes.jpg'), 'just some text\n'), inTmp('notes.jpg')), 'not an image format'],
    ['a truncated JPEG', () => truncated('gfpgan_whole_00.jpg', 'half.jpg'), 'damaged or truncated'],
    ['a truncated PNG', () => truncated('codeformer_whole_06.png', 'half.png'), 'damaged or truncated'],
    ['an SVG', () => (fs.writeFileSync(inTmp('v.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'), inTmp('v.svg')), 'vector'],
  ])('refuses %s with DECODE_FAILED naming the file', async (_name, make, reason) => {
    const file = make();
    await expectRejection(readImage(file), 'DECODE_FAILED', file, reason);
  });

  it('refuses images above maxPixels from the header, naming the size and the limit', async () => {
    const file = sharedImage('gfpgan_whole_00.jpg');
    await expectRejection(readImage(file, { maxPixels: 1000 }), 'INVALID_IMAGE', file, '1297×1920', '1,000 pixels');
    await expect(readImage(file, { maxPixels: 1297 * 1920 })).resolves.toMatchObject({ image: { width: 1297 } });
  });

  it('never modifies the file it reads, even one whose orientation it applies', async () => {
    const oriented = inTmp('unmodified-orient6.jpg');
    await sharp(new Uint8Array(6 * 4 * 3), { raw: { width: 6, height: 4, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toFile(oriented);
    const snapshot = (file: string) => [fs.statSync(file).mtimeMs, createHash('sha256').update(fs.readFileSync(file)).digest('hex')];
    for (const file of [sharedImage('gfpgan_whole_00.jpg'), sharedImage('codeformer_whole_06.png'), oriented]) {
      const before = snapshot(file);
      await readImage(file);
      expect(snapshot(file)).toEqual(before);
    }
  });
});

describe('writeImage is atomic', () => {
  const leftovers = (folder: string): string[] => fs.readdirSync(folder).filter((name) => name.endsWith('.tmp'));

  it('a failed encode leaves neither the file nor a temp file, and an existing file intact', async () => {
    const folder = inTmp('atomic');
    fs.mkdirSync(folder);
    const tooWide: PixelImage = { width: 70000, height: 1, channels: 3, data: new Uint8Array(70000 * 3), maxValue: 255 };
    await expectRejection(writeImage(path.join(folder, 'wide.jpg'), tooWide), 'HOST_FAILURE', 'wide.jpg');
    expect(fs.readdirSync(folder)).toEqual([]);
    const existing = path.join(folder, 'keep.jpg');
    fs.writeFileSync(existing, 'previous content');
    await expectRejection(writeImage(existing, tooWide), 'HOST_FAILURE', 'keep.jpg');
    expect(fs.readFileSync(existing, 'utf8')).toBe('previous content');
    expect(leftovers(folder)).toEqual([]);
  });

  it('a profile that cannot be embedded fails with HOST_FAILURE before anything is written', async () => {
    const folder = inTmp('atomic-icc');
    fs.mkdirSync(folder);
    // Structurally a profile, but too large for JPEG's 255 APP2 segments of 65519 bytes.
    const huge = new Uint8Array(256 * 65519);
    huge.set(Buffer.from('RGB '), 16);
    huge.set(Buffer.from('acsp'), 36);
    const file = path.join(folder, 'huge.jpg');
    await expectRejection(writeImage(file, pattern(4, 4, 3, 8), { iccProfile: huge }), 'HOST_FAILURE', 'huge.jpg', 'ICC profile', '255');
    expect(fs.readdirSync(folder)).toEqual([]);
  });

  it('a failed rename (the target is a non-empty folder) removes its temp file', async () => {
    const folder = inTmp('rename');
    fs.mkdirSync(path.join(folder, 'taken.png'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'taken.png', 'inside.txt'), 'x');
    await expectRejection(writeImage(path.join(folder, 'taken.png'), pattern(4, 4, 3, 8)), 'HOST_FAILURE', 'taken.png');
    expect(leftovers(folder)).toEqual([]);
    expect(fs.readdirSync(path.join(folder, 'taken.png'))).toEqual(['inside.txt']);
  });

  it('fails with HOST_FAILURE when a parent of the path is a file', async () => {
    fs.writeFileSync(inTmp('plain-file'), 'x');
    const target = inTmp('plain-file', 'sub', 'out.png');
    await expectRejection(writeImage(target, pattern(4, 4, 3, 8)), 'HOST_FAILURE', target);
  });

  it('replaces an existing file in place', async () => {
    const file = inTmp('replace.png');
    await writeImage(file, pattern(4, 4, 3, 8));
    const second = pattern(6, 5, 1, 16);
    await writeImage(file, second);
    expect(Array.from((await readImage(file)).image.data)).toEqual(Array.from(second.data));
  });
});
