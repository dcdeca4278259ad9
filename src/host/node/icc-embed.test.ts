import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as zlib from 'zlib';
import type { ChannelCount, PixelImage } from '../../core/image';
import { sharedImage } from '../../../test/helpers/shared';
import {
  embedIccProfile, embedInJpeg, embedInPng, embedInTiff, embedInWebp, iccColourSpace, iccProfileFits, isIccProfile, pngChunk,
} from './icc-embed';
import { readImage, writeImage } from './image-io';
import { pattern } from '../../../test/helpers/images';

let tmp: string;
/** Real RGB profiles, read at run time from the shared photos (never copied into the project). */
let bigRgb: Uint8Array; // codeformer_whole_06.png, 4064 bytes
let smallRgb: Uint8Array; // inspireface_rotate_rot_0.jpg (really a PNG), 524 bytes
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-icc-'));
  bigRgb = (await readImage(sharedImage('codeformer_whole_06.png'))).iccProfile as Uint8Array;
  smallRgb = (await readImage(sharedImage('inspireface_rotate_rot_0.jpg'))).iccProfile as Uint8Array;
  expect([bigRgb?.length, smallRgb?.length]).toEqual([4064, 524]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const inTmp = (name: string): string => path.join(tmp, name);

/**
 * A minimal valid ICC v2 GRAY display profile (desc, wtpt, kTRC gamma 2.2, cprt), built here because none of the shared
 * photos carries a gray profile. lcms and libpng accept it.
 */
function grayProfile(): Buffer {
  const text = Buffer.from('Test gray gamma 2.2\0', 'latin1');
  const desc = Buffer.alloc(12 + text.length + 4 + 4 + 2 + 1 + 67);
  desc.write('desc', 0, 'latin1');
  desc.writeUInt32BE(text.length, 8);
  text.copy(desc, 12);
  const xyzD50 = (b: Buffer, at: number): void => [0xf6d6, 0x10000, 0xd32d].forEach((v, i) => b.writeInt32BE(v, at + 4 * i));
  const wtpt = Buffer.alloc(20);
  wtpt.write('XYZ ', 0, 'latin1');
  xyzD50(wtpt, 8);
  const trc = Buffer.alloc(16);
  trc.write('curv', 0, 'latin1');
  trc.writeUInt32BE(1, 8);
  trc.writeUInt16BE(Math.round(2.2 * 256), 12);
  const cprt = Buffer.from('text\0\0\0\0No copyright\0\0\0\0', 'latin1');
  const tags: [string, Buffer][] = [['desc', desc], ['wtpt', wtpt], ['kTRC', trc], ['cprt', cprt]];
  const table = Buffer.alloc(4 + 12 * tags.length);
  table.writeUInt32BE(tags.length, 0);
  let offset = 128 + table.length;
  tags.forEach(([signature, data], i) => {
    table.write(signature, 4 + 12 * i, 'latin1');
    table.writeUInt32BE(offset, 8 + 12 * i);
    table.writeUInt32BE(data.length, 12 + 12 * i);
    offset += data.length + ((4 - (data.length % 4)) % 4);
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8);
  header.write('mntrGRAYXYZ ', 12, 'latin1');
  [2024, 1, 1].forEach((v, i) => header.writeUInt16BE(v, 24 + 2 * i));
  header.write('acsp', 36, 'latin1');
  xyzD50(header, 68);
  const body = tags.map(([, data]) => Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]));
  return Buffer.concat([header, table, ...body]);
}

/** A real profile grown by `extra` zero bytes (declared size updated): odd sizes and multi-segment JPEG. */
function grown(profile: Uint8Array, extra: number): Buffer {
  const out = Buffer.concat([profile, Buffer.alloc(extra)]);
  out.writeUInt32BE(out.length, 0);
  return out;
}

/**
 * The stored samples, decoded by sharp without any colour management (keepIccProfile), folded back to `channels`.
 * WebP stores gray as RGB; lossy WebP's replicas may then differ, so `channels` is 3/4 for it.
 */
async function storedSamples(file: string, channels: number, bits: 8 | 16): Promise<number[]> {
  const { data, info } = await sharp(file).keepIccProfile().toColourspace(bits === 16 ? 'rgb16' : 'srgb')
    .raw({ depth: bits === 16 ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  const values = bits === 16 ? Array.from({ length: data.length / 2 }, (_, i) => data.readUInt16LE(2 * i)) : Array.from(data);
  if (channels >= 3) return values;
  // sharp returns gray as replicated RGB(A) here; the replicas must agree exactly.
  const out: number[] = [];
  for (let i = 0; i < values.length; i += info.channels) {
    if (values[i + 1] !== values[i] || values[i + 2] !== values[i]) throw new Error(`gray replicas differ at sample ${i}`);
    out.push(values[i]);
    if (channels === 2) out.push(values[i + 3]);
  }
  return out;
}

const bytesOf = (view: Uint8Array | undefined): Buffer | undefined => (view ? Buffer.from(view) : undefined);

describe('writeImage with iccProfile, every container', () => {
  const cases: [string, 'png' | 'tif' | 'webp' | 'jpg', ChannelCount, 8 | 16, boolean][] = [];
  for (const ext of ['png', 'tif', 'webp', 'jpg'] as const) {
    for (const channels of [1, 2, 3, 4] as const) {
      for (const bits of [8, 16] as const) {
        if (bits === 16 && (ext === 'webp' || ext === 'jpg')) continue;
        for (const lossy of ext === 'webp' ? [false, true] : [ext === 'jpg']) {
          cases.push([`${channels}ch ${bits}-bit ${lossy && ext === 'webp' ? 'lossy ' : ''}${ext}`, ext, channels, bits, lossy]);
        }
      }
    }
  }

  it.each(cases)('%s: the file carries the exact profile and the written values', async (name, ext, channels, bits, lossy) => {
    const image = pattern(37, 23, channels, bits);
    const storesGray = channels <= 2 && ext !== 'webp';
    const profile = storesGray ? grayProfile() : bigRgb;
    const quality = lossy && ext === 'webp' ? 80 : undefined;
    const file = inTmp(`${name.replace(/ /g, '_')}.${ext}`);
    const plain = inTmp(`plain_${name.replace(/ /g, '_')}.${ext}`);
    await writeImage(file, image, { iccProfile: profile, quality });
    await writeImage(plain, image, { quality });
    // Valid for sharp, strictly: header, full decode with the profile applied by lcms, no decoder warning.
    const meta = await sharp(file, { failOn: 'warning' }).metadata();
    await sharp(file, { failOn: 'warning' }).raw().toBuffer();
    expect(bytesOf(meta.icc)).toEqual(Buffer.from(profile));
    expect(meta.depth).toBe(bits === 16 ? 'ushort' : 'uchar');
    const outChannels = ext === 'webp' ? (channels % 2 === 0 ? 4 : 3) : ext === 'jpg' && channels % 2 === 0 ? channels - 1 : channels;
    const stored = await storedSamples(file, outChannels, bits);
    // Lossy formats: the same pixels as the file written without a profile (the encoder saw the same samples).
    expect(stored).toEqual(await storedSamples(plain, outChannels, bits));
    const decoded = await readImage(file);
    expect(bytesOf(decoded.iccProfile)).toEqual(Buffer.from(profile));
    if (!lossy && (storesGray || channels >= 3)) {
      expect(stored).toEqual(Array.from(image.data));
      expect(Array.from(decoded.image.data)).toEqual(Array.from(image.data));
    }
  });

  it.each([
    ['gray PNG', 'png', 1], ['gray+alpha TIFF', 'tif', 2], ['gray JPEG', 'jpg', 1], ['RGB PNG', 'png', 3],
    ['RGBA TIFF', 'tif', 4], ['RGB JPEG', 'jpg', 3], ['RGBA WebP', 'webp', 4], ['gray WebP (stored as RGB)', 'webp', 1],
  ] as const)('%s with a profile of the other colour model: not embedded, pixels unchanged', async (name, ext, channels) => {
    const image = pattern(16, 9, channels, 8);
    const wrong = channels <= 2 && ext !== 'webp' ? bigRgb : grayProfile();
    const file = inTmp(`mismatch_${ext}_${channels}.${ext}`);
    await writeImage(file, image, { iccProfile: wrong });
    await writeImage(inTmp(`mismatch_plain.${ext}`), image);
    expect(fs.readFileSync(file).equals(fs.readFileSync(inTmp(`mismatch_plain.${ext}`)))).toBe(true);
    expect((await sharp(file).metadata()).icc).toBeUndefined();
  });

  it('a shared photo keeps its profile and its pixels through readImage → writeImage (PNG, JPEG, TIFF, WebP)', async () => {
    for (const name of ['codeformer_whole_06.png', 'inspireface_rotate_rot_0.jpg', 'facexlib_test.jpg']) {
      const source = await readImage(sharedImage(name));
      for (const ext of ['png', 'tif', 'webp', 'jpg']) {
        // One name per file: libvips caches WebP decodes by path, so a file replaced in place could read back stale.
        const file = inTmp(`photo-${name}.${ext}`);
        const plain = inTmp(`photo-plain-${name}.${ext}`);
        await writeImage(file, source.image, { iccProfile: source.iccProfile });
        await writeImage(plain, source.image);
        expect(bytesOf((await sharp(file, { failOn: 'warning' }).metadata()).icc)).toEqual(bytesOf(source.iccProfile));
        const pixels = Buffer.from((await readImage(file)).image.data);
        expect(pixels.equals(Buffer.from((await readImage(plain)).image.data))).toBe(true);
        if (ext === 'png' || ext === 'tif') expect(pixels.equals(Buffer.from(source.image.data))).toBe(true);
      }
    }
  });
});

function pngChunks(png: Buffer): { type: string; data: Buffer; crcOk: boolean }[] {
  const chunks = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const crcOk = zlib.crc32(png.subarray(at + 4, at + 8 + length)) === png.readUInt32BE(at + 8 + length);
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length), crcOk });
    at += 12 + length;
  }
  return chunks;
}

describe('embedInPng', () => {
  it('puts one iCCP (name, NUL, method 0, zlib data) right after IHDR and drops sRGB/gAMA/cHRM/cICP/iCCP', async () => {
    // A PNG that already has an iCCP (kept from the shared photo), with sRGB, gAMA and cHRM chunks spliced in.
    const tagged = await sharp(sharedImage('inspireface_rotate_rot_0.jpg')).keepIccProfile().png().toBuffer();
    const ihdrEnd = 33;
    const extra = (type: string, data: number[]): Buffer => pngChunk(type, Buffer.from(data));
    const messy = Buffer.concat([
      tagged.subarray(0, ihdrEnd), extra('sRGB', [0]), extra('gAMA', [0, 0, 0xb1, 0x8f]), extra('cHRM', new Array(32).fill(1)),
      extra('cICP', [1, 13, 0, 1]), tagged.subarray(ihdrEnd),
    ]);
    expect(pngChunks(messy).map((c) => c.type)).toEqual(expect.arrayContaining(['iCCP', 'sRGB', 'gAMA', 'cHRM', 'cICP']));
    const out = embedInPng(messy, bigRgb);
    const chunks = pngChunks(out);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    expect(chunks.map((c) => c.type).filter((t) => ['iCCP', 'sRGB', 'gAMA', 'cHRM', 'cICP'].includes(t))).toEqual(['iCCP']);
    expect(chunks[1].type).toBe('iCCP');
    const nul = chunks[1].data.indexOf(0);
    expect(nul).toBeGreaterThanOrEqual(1);
    expect(nul).toBeLessThanOrEqual(79);
    expect(chunks[1].data[nul + 1]).toBe(0);
    expect(zlib.inflateSync(chunks[1].data.subarray(nul + 2)).equals(Buffer.from(bigRgb))).toBe(true);
    expect(bytesOf((await sharp(out, { failOn: 'warning' }).metadata()).icc)).toEqual(Buffer.from(bigRgb));
    const pixels = await sharp(out).keepIccProfile().raw().toBuffer();
    expect(pixels.equals(await sharp(tagged).keepIccProfile().raw().toBuffer())).toBe(true);
  });

  it('refuses what is not a PNG', () => {
    expect(() => embedInPng(Buffer.from('not a png at all, clearly not a png'), bigRgb)).toThrow(/not a PNG/);
  });
});

function jpegSegments(jpeg: Buffer): { marker: number; data: Buffer }[] {
  const segments = [];
  for (let at = 2; jpeg[at + 1] !== 0xda;) {
    const length = jpeg.readUInt16BE(at + 2);
    segments.push({ marker: jpeg[at + 1], data: jpeg.subarray(at + 4, at + 2 + length) });
    at += 2 + length;
  }
  return segments;
}

describe('embedInJpeg', () => {
  it('splits a large profile into numbered APP2 segments after APP0/APP1, replacing an existing ICC profile', async () => {
    // EXIF (APP1) and an ICC profile (APP2) from the shared photo, written by libjpeg.
    const source = await sharp(sharedImage('facexlib_test.jpg')).keepIccProfile().withExif({ IFD0: { Artist: 'x' } })
      .jpeg().toBuffer();
    const before = jpegSegments(source);
    expect(before.filter((s) => s.marker === 0xe2)).toHaveLength(1);
    const large = grown(bigRgb, 140000); // 144064 bytes: 3 segments (65519 + 65519 + 13026)
    const out = embedInJpeg(source, large);
    const segments = jpegSegments(out);
    const app2 = segments.filter((s) => s.marker === 0xe2);
    expect(app2.map((s) => [s.data.toString('latin1', 0, 12), s.data[12], s.data[13], s.data.length - 14]))
      .toEqual([['ICC_PROFILE\0', 1, 3, 65519], ['ICC_PROFILE\0', 2, 3, 65519], ['ICC_PROFILE\0', 3, 3, 13026]]);
    expect(segments.slice(0, 4).map((s) => s.marker)).toEqual([0xe1, 0xe2, 0xe2, 0xe2]);
    expect(Buffer.concat(app2.map((s) => s.data.subarray(14))).equals(large)).toBe(true);
    const meta = await sharp(out, { failOn: 'warning' }).metadata();
    expect(bytesOf(meta.icc)).toEqual(large);
    expect(meta.exif).toBeDefined();
    const pixels = await sharp(out).keepIccProfile().raw().toBuffer();
    expect(pixels.equals(await sharp(source).keepIccProfile().raw().toBuffer())).toBe(true);
  });

  it('refuses what is not a JPEG, and a profile needing more than 255 segments', () => {
    expect(() => embedInJpeg(Buffer.from('GIF89a......'), bigRgb)).toThrow(/not a JPEG/);
    expect(() => embedInJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), new Uint8Array(256 * 65519))).toThrow(/255 JPEG segments/);
  });
});

/** A 4×2 8-bit RGB, uncompressed, big-endian TIFF, with a DNGVersion tag (50706) sorting after InterColorProfile. */
function bigEndianTiff(pixels: Uint8Array): Buffer {
  const entries: [number, number, number, number][] = [ // tag, type (3 SHORT, 4 LONG, 1 BYTE), count, value
    [256, 3, 1, 4], [257, 3, 1, 2], [258, 3, 3, 0], [259, 3, 1, 1], [262, 3, 1, 2], [273, 4, 1, 0], [277, 3, 1, 3],
    [278, 3, 1, 2], [279, 4, 1, 24], [284, 3, 1, 1], [50706, 1, 4, 0x01040000],
  ];
  const ifdEnd = 8 + 2 + 12 * entries.length + 4;
  const bitsAt = ifdEnd;
  const pixelsAt = bitsAt + 6;
  entries[2][3] = bitsAt;
  entries[5][3] = pixelsAt;
  const out = Buffer.alloc(pixelsAt + pixels.length);
  out.write('MM', 0, 'latin1');
  out.writeUInt16BE(42, 2);
  out.writeUInt32BE(8, 4);
  out.writeUInt16BE(entries.length, 8);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + 12 * i;
    out.writeUInt16BE(tag, at);
    out.writeUInt16BE(type, at + 2);
    out.writeUInt32BE(count, at + 4);
    // A single SHORT sits in the first two bytes of the value field (left-justified).
    if (type === 3 && count === 1) out.writeUInt16BE(value, at + 8);
    else out.writeUInt32BE(value, at + 8);
  });
  [8, 8, 8].forEach((v, i) => out.writeUInt16BE(v, bitsAt + 2 * i));
  out.set(pixels, pixelsAt);
  return out;
}

function tiffTags(tiff: Buffer): number[] {
  const le = tiff.toString('latin1', 0, 2) === 'II';
  const ifd = le ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
  const n = le ? tiff.readUInt16LE(ifd) : tiff.readUInt16BE(ifd);
  return Array.from({ length: n }, (_, i) => (le ? tiff.readUInt16LE(ifd + 2 + 12 * i) : tiff.readUInt16BE(ifd + 2 + 12 * i)));
}

describe('embedInTiff', () => {
  it('big-endian: adds tag 34675 in sorted order, keeps the pixels, pads an odd-sized profile', async () => {
    const pixels = pattern(4, 2, 3, 8).data as Uint8Array;
    const tiff = bigEndianTiff(pixels);
    expect(await sharp(tiff).raw().toBuffer()).toEqual(Buffer.from(pixels));
    const odd = grown(smallRgb, 1); // 525 bytes
    const out = embedInTiff(tiff, odd);
    const tags = tiffTags(out);
    expect(tags).toEqual([...tags].sort((a, b) => a - b));
    expect(tags.slice(-2)).toEqual([34675, 50706]);
    expect(out.readUInt32BE(4) % 2).toBe(0);
    expect(bytesOf((await sharp(out, { failOn: 'warning' }).metadata()).icc)).toEqual(odd);
    expect(await sharp(out).keepIccProfile().raw().toBuffer()).toEqual(Buffer.from(pixels));
  });

  it('little-endian (sharp): replaces an existing profile rather than adding a second tag', async () => {
    const tagged = await sharp(sharedImage('inspireface_rotate_rot_0.jpg')).keepIccProfile().tiff().toBuffer();
    expect(tiffTags(tagged)).toContain(34675);
    const out = embedInTiff(tagged, bigRgb);
    expect(tiffTags(out).filter((t) => t === 34675)).toHaveLength(1);
    expect(bytesOf((await sharp(out, { failOn: 'warning' }).metadata()).icc)).toEqual(Buffer.from(bigRgb));
    expect((await sharp(out).keepIccProfile().raw().toBuffer()).equals(await sharp(tagged).keepIccProfile().raw().toBuffer())).toBe(true);
  });

  it('refuses BigTIFF with a clear error, and what is not a TIFF', () => {
    const bigTiff = Buffer.from([0x49, 0x49, 43, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => embedInTiff(bigTiff, bigRgb)).toThrow(/BigTIFF/);
    expect(() => embedInTiff(Buffer.from('XX*\0\0\0\0\0'), bigRgb)).toThrow(/not a TIFF/);
  });
});

function webpChunks(webp: Buffer): { type: string; data: Buffer }[] {
  expect(webp.readUInt32LE(4)).toBe(webp.length - 8);
  const chunks = [];
  for (let at = 12; at < webp.length;) {
    const size = webp.readUInt32LE(at + 4);
    chunks.push({ type: webp.toString('latin1', at, at + 4), data: webp.subarray(at + 8, at + 8 + size) });
    at += 8 + size + (size & 1);
  }
  return chunks;
}

describe('embedInWebp', () => {
  const transparent = (): PixelImage => {
    const image = pattern(41, 17, 4, 8);
    for (let i = 3; i < image.data.length; i += 8) image.data[i] = 0;
    return image;
  };
  it.each([
    ['lossless RGBA (VP8L with alpha)', transparent(), undefined, 'VP8L', 0x30],
    ['lossless RGB (VP8L)', pattern(41, 17, 3, 8), undefined, 'VP8L', 0x20],
    ['lossy RGB (VP8)', pattern(41, 17, 3, 8), 80, 'VP8 ', 0x20],
    ['lossy RGBA (VP8X + ALPH)', transparent(), 80, 'VP8X', 0x30],
  ] as const)('%s: VP8X with the ICC flag and canvas size, then ICCP', async (name, image, quality, first, flags) => {
    const file = inTmp(`webp_${name.replace(/\W+/g, '_')}.webp`);
    await writeImage(file, image, { quality });
    const plain = fs.readFileSync(file);
    expect(webpChunks(plain)[0].type).toBe(first);
    const odd = grown(bigRgb, 1);
    const out = embedIccProfile(plain, 'webp', odd);
    const chunks = webpChunks(out);
    expect(chunks.slice(0, 2).map((c) => c.type)).toEqual(['VP8X', 'ICCP']);
    expect(chunks[0].data[0]).toBe(flags);
    expect([chunks[0].data.readUIntLE(4, 3) + 1, chunks[0].data.readUIntLE(7, 3) + 1]).toEqual([41, 17]);
    expect(chunks[1].data.equals(odd)).toBe(true);
    expect(bytesOf((await sharp(out, { failOn: 'warning' }).metadata()).icc)).toEqual(odd);
    expect((await sharp(out).keepIccProfile().raw().toBuffer()).equals(await sharp(plain).raw().toBuffer())).toBe(true);
    // Embedding again replaces the profile instead of adding a second ICCP chunk.
    expect(webpChunks(embedInWebp(out, smallRgb)).filter((c) => c.type === 'ICCP').map((c) => c.data.length)).toEqual([524]);
  });
});

describe('profile checks', () => {
  it('isIccProfile wants a Uint8Array of at least 128 bytes with "acsp" at 36..39', () => {
    expect(isIccProfile(bigRgb)).toBe(true);
    expect(isIccProfile(Buffer.from(bigRgb))).toBe(true);
    expect(isIccProfile(bigRgb.subarray(0, 127))).toBe(false);
    expect(isIccProfile(Array.from(bigRgb))).toBe(false);
    expect(isIccProfile(new Uint8Array(200))).toBe(false);
    expect(isIccProfile('acsp')).toBe(false);
  });

  it('iccProfileFits compares the profile colour space with what the file stores', () => {
    const gray = grayProfile();
    expect([iccColourSpace(bigRgb), iccColourSpace(gray)]).toEqual(['RGB', 'GRAY']);
    expect(iccProfileFits(bigRgb, 'png', 3)).toBe(true);
    expect(iccProfileFits(bigRgb, 'tiff', 4)).toBe(true);
    expect(iccProfileFits(bigRgb, 'png', 1)).toBe(false);
    expect(iccProfileFits(bigRgb, 'jpeg', 2)).toBe(false);
    expect(iccProfileFits(bigRgb, 'webp', 1)).toBe(true); // WebP stores gray as RGB
    expect(iccProfileFits(gray, 'webp', 1)).toBe(false);
    expect(iccProfileFits(gray, 'tiff', 2)).toBe(true);
    expect(iccProfileFits(gray, 'jpeg', 3)).toBe(false);
  });
});
