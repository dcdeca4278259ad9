/**
 * Embeds an ICC profile's exact bytes into an already encoded PNG, JPEG, TIFF or WebP file, leaving the pixel data
 * untouched.
 *
 * Why by hand: sharp can attach a profile only by converting the pixels into it (`withIccProfile` transforms from sRGB),
 * and `keepIccProfile` needs a decoded input that carries the profile, which raw pixels do not. Our pixels are already
 * in the profile's space (read without conversion), so the only correct operation is to tag them: add the container's
 * profile record and nothing else. Each function takes a file as sharp encodes it and returns a new buffer.
 *
 * Matching rule: a profile describes one colour model. A file whose samples are gray gets only a GRAY profile, a file
 * whose samples are RGB only an RGB one (`iccProfileFits`); decoders reject or misapply anything else (libpng refuses an
 * RGB iCCP in a gray PNG, for one).
 */
import * as zlib from 'zlib';

export type IccContainer = 'png' | 'jpeg' | 'tiff' | 'webp';

/** The ICC header is 128 bytes; 'acsp' at bytes 36..39 is the signature every profile version carries. */
const ICC_HEADER_BYTES = 128;

/** True when `value` is a Uint8Array (Buffer included) that starts with an ICC profile header. */
export function isIccProfile(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length >= ICC_HEADER_BYTES &&
    String.fromCharCode(value[36], value[37], value[38], value[39]) === 'acsp';
}

/** The profile's data colour space (header bytes 16..19) without padding: 'RGB', 'GRAY', 'CMYK', 'Lab'… */
export function iccColourSpace(profile: Uint8Array): string {
  return String.fromCharCode(profile[16], profile[17], profile[18], profile[19]).trim();
}

/**
 * Whether a profile describes the samples a file will hold. The file's model, not the image's, decides: WebP has no
 * gray mode, so a gray image is stored as RGB there and needs an RGB profile; dropping JPEG's alpha keeps the model.
 */
export function iccProfileFits(profile: Uint8Array, format: IccContainer, channels: number): boolean {
  const stored = format === 'webp' || channels >= 3 ? 'RGB' : 'GRAY';
  return iccColourSpace(profile) === stored;
}

/** Embeds `profile` into `encoded` (a complete file of `format`). @throws Error when the container is malformed. */
export function embedIccProfile(encoded: Uint8Array, format: IccContainer, profile: Uint8Array): Buffer {
  const file = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length);
  switch (format) {
    case 'png': return embedInPng(file, profile);
    case 'jpeg': return embedInJpeg(file, profile);
    case 'tiff': return embedInTiff(file, profile);
    case 'webp': return embedInWebp(file, profile);
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/**
 * Colour chunks that would contradict or override the iCCP chunk: a PNG may hold only one of iCCP/sRGB, gAMA/cHRM are
 * ignored beside iCCP only by decoders that follow the specification, and cICP (PNG 3rd edition) takes precedence.
 */
const PNG_COLOUR_CHUNKS = new Set(['iCCP', 'sRGB', 'gAMA', 'cHRM', 'cICP']);
/** The iCCP name is free Latin-1 text (1..79 bytes); readers do not interpret it. */
const PNG_PROFILE_NAME = 'ICC Profile';

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  // The CRC covers the type and the data, not the length.
  chunk.writeUInt32BE(zlib.crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/** PNG: an iCCP chunk (name, NUL, compression method 0 = zlib, deflated profile) right after IHDR, before any IDAT. */
export function embedInPng(png: Buffer, profile: Uint8Array): Buffer {
  if (png.length < 33 || !png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG file starting with an IHDR chunk');
  }
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  const iccp = pngChunk('iCCP', Buffer.concat([
    Buffer.from(`${PNG_PROFILE_NAME}\0\0`, 'latin1'), zlib.deflateSync(profile, { level: 9 }),
  ]));
  const parts = [png.subarray(0, ihdrEnd), iccp];
  for (let at = ihdrEnd; at < png.length;) {
    if (at + 12 > png.length) throw new Error('truncated PNG chunk');
    const end = at + 12 + png.readUInt32BE(at);
    if (end > png.length) throw new Error('truncated PNG chunk');
    if (!PNG_COLOUR_CHUNKS.has(png.toString('latin1', at + 4, at + 8))) parts.push(png.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

const JPEG_ICC_ID = Buffer.from('ICC_PROFILE\0', 'latin1');
/** A segment's length field (≤ 65535) counts itself (2), the identifier (12) and the sequence/count bytes (2). */
const JPEG_ICC_CHUNK = 65535 - 2 - JPEG_ICC_ID.length - 2;

/**
 * JPEG: the profile split into APP2 "ICC_PROFILE\0" segments, each with its 1-based sequence number and the segment
 * count, placed after SOI and any APP0 (JFIF) / APP1 (EXIF, XMP) segments, which readers expect first. ICC segments
 * already present are dropped so the reassembled profile is only ours.
 */
export function embedInJpeg(jpeg: Buffer, profile: Uint8Array): Buffer {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG file (no SOI marker)');
  const count = Math.ceil(profile.length / JPEG_ICC_CHUNK);
  if (count > 255) throw new Error(`an ICC profile of ${profile.length} bytes needs more than 255 JPEG segments`);
  const segments: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const piece = profile.subarray(i * JPEG_ICC_CHUNK, (i + 1) * JPEG_ICC_CHUNK);
    const header = Buffer.alloc(4 + JPEG_ICC_ID.length + 2);
    header.writeUInt16BE(0xffe2, 0);
    header.writeUInt16BE(2 + JPEG_ICC_ID.length + 2 + piece.length, 2);
    JPEG_ICC_ID.copy(header, 4);
    header[4 + JPEG_ICC_ID.length] = i + 1;
    header[5 + JPEG_ICC_ID.length] = count;
    segments.push(header, piece);
  }
  const leading: Buffer[] = [jpeg.subarray(0, 2)];
  const rest: Buffer[] = [];
  let at = 2;
  // Walk the marker segments up to the scan; past SOS the entropy-coded data is not segmented, so it is copied whole.
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const marker = jpeg[at + 1];
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (end > jpeg.length) throw new Error('truncated JPEG segment');
    const isIcc = marker === 0xe2 && jpeg.subarray(at + 4, at + 4 + JPEG_ICC_ID.length).equals(JPEG_ICC_ID);
    if (!isIcc) ((marker === 0xe0 || marker === 0xe1) && rest.length === 0 ? leading : rest).push(jpeg.subarray(at, end));
    at = end;
  }
  return Buffer.concat([...leading, ...segments, ...rest, jpeg.subarray(at)]);
}

const TIFF_ICC_TAG = 34675; // InterColorProfile
const TIFF_UNDEFINED = 7;

/**
 * TIFF (classic, either byte order): the profile and a copy of IFD0 with tag 34675 (type UNDEFINED) are appended, and
 * the header is pointed at the new IFD. Appending keeps every existing offset valid (strips, other IFDs, value arrays),
 * which rewriting in place would not; the old IFD0 stays as unreferenced bytes. Entries stay sorted by tag, as the
 * format requires, and the new IFD keeps the old one's link to the next page. BigTIFF's 8-byte layout is refused.
 */
export function embedInTiff(tiff: Buffer, profile: Uint8Array): Buffer {
  const order = tiff.toString('latin1', 0, 2);
  if (tiff.length < 8 || (order !== 'II' && order !== 'MM')) throw new Error('not a TIFF file (no byte-order mark)');
  const le = order === 'II';
  const u16 = (at: number): number => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number): number => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const version = u16(2);
  if (version === 43) throw new Error('BigTIFF files are not supported for embedding an ICC profile; write a classic TIFF');
  if (version !== 42) throw new Error(`not a TIFF file (version ${version})`);
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) throw new Error('the first IFD lies outside the file');
  const n = u16(ifd);
  if (ifd + 2 + 12 * n + 4 > tiff.length) throw new Error('truncated IFD');
  const entries: { tag: number; bytes: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    const at = ifd + 2 + 12 * i;
    // Entries are copied as raw bytes: their inline values are already in the file's byte order.
    if (u16(at) !== TIFF_ICC_TAG) entries.push({ tag: u16(at), bytes: tiff.subarray(at, at + 12) });
  }
  // Word alignment (TIFF 6.0): value offsets and IFD offsets are even.
  const profileAt = tiff.length + (tiff.length & 1);
  const ifdAt = profileAt + profile.length + (profile.length & 1);
  const total = ifdAt + 2 + 12 * (entries.length + 1) + 4;
  if (total > 0xffffffff) throw new Error('the file would exceed the 4 GiB limit of classic TIFF');
  const out = Buffer.alloc(total);
  tiff.copy(out);
  out.set(profile, profileAt);
  const w16 = (v: number, at: number): number => (le ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at));
  const w32 = (v: number, at: number): number => (le ? out.writeUInt32LE(v, at) : out.writeUInt32BE(v, at));
  const icc = Buffer.alloc(12);
  entries.push({ tag: TIFF_ICC_TAG, bytes: icc });
  entries.sort((a, b) => a.tag - b.tag);
  w16(entries.length, ifdAt);
  entries.forEach((entry, i) => {
    const at = ifdAt + 2 + 12 * i;
    if (entry.bytes !== icc) {
      entry.bytes.copy(out, at);
    } else {
      w16(TIFF_ICC_TAG, at);
      w16(TIFF_UNDEFINED, at + 2);
      w32(profile.length, at + 4);
      w32(profileAt, at + 8); // profiles are ≥ 128 bytes, so never inline
    }
  });
  w32(u32(ifd + 2 + 12 * n), ifdAt + 2 + 12 * entries.length);
  w32(ifdAt, 4);
  return out;
}

const VP8X_ICC = 0x20;
const VP8X_ALPHA = 0x10;

/** The canvas size and alpha use a simple-format WebP declares in its VP8/VP8L bitstream header. */
function webpBitstreamInfo(chunk: Buffer | undefined): { width: number; height: number; alpha: boolean } {
  if (!chunk) throw new Error('the WebP file holds no image chunk');
  const type = chunk.toString('latin1', 0, 4);
  const data = 8;
  if (type === 'VP8L') {
    // Signature 0x2f, then little-endian bit fields: width-1 (14), height-1 (14), alpha_is_used (1), version (3).
    if (chunk.length < data + 5 || chunk[data] !== 0x2f) throw new Error('bad VP8L header');
    const bits = chunk.readUInt32LE(data + 1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: ((bits >>> 28) & 1) === 1 };
  }
  if (type === 'VP8 ') {
    // 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height (top 2 bits are scaling). No alpha here.
    if (chunk.length < data + 10 || chunk.readUIntBE(data + 3, 3) !== 0x9d012a) throw new Error('bad VP8 header');
    return { width: chunk.readUInt16LE(data + 6) & 0x3fff, height: chunk.readUInt16LE(data + 8) & 0x3fff, alpha: false };
  }
  throw new Error(`unexpected first WebP chunk ${JSON.stringify(type)}`);
}

/**
 * WebP: an ICCP chunk right after VP8X (the order the container specification requires), with VP8X's ICC flag set.
 * A simple file (a lone VP8/VP8L chunk) gets a VP8X chunk first, with the canvas size of its bitstream (decoders
 * check that they agree) and the alpha flag when VP8L uses alpha. The RIFF size is then rewritten.
 */
export function embedInWebp(webp: Buffer, profile: Uint8Array): Buffer {
  if (webp.length < 20 || webp.toString('latin1', 0, 4) !== 'RIFF' || webp.toString('latin1', 8, 12) !== 'WEBP') {
    throw new Error('not a WebP file (no RIFF/WEBP header)');
  }
  const chunks: Buffer[] = [];
  for (let at = 12; at + 8 <= webp.length;) {
    const size = webp.readUInt32LE(at + 4);
    const end = at + 8 + size + (size & 1); // chunks are padded to an even size
    if (at + 8 + size > webp.length) throw new Error('truncated WebP chunk');
    chunks.push(webp.subarray(at, Math.min(end, webp.length)));
    at = end;
  }
  const iccp = Buffer.alloc(8 + profile.length + (profile.length & 1));
  iccp.write('ICCP', 0, 'latin1');
  iccp.writeUInt32LE(profile.length, 4);
  iccp.set(profile, 8);
  let vp8x: Buffer;
  const rest = chunks.filter((c) => c.toString('latin1', 0, 4) !== 'ICCP');
  if (rest[0]?.toString('latin1', 0, 4) === 'VP8X') {
    vp8x = Buffer.from(rest.shift() as Buffer);
    vp8x[8] |= VP8X_ICC;
  } else {
    const { width, height, alpha } = webpBitstreamInfo(rest[0]);
    vp8x = Buffer.alloc(18);
    vp8x.write('VP8X', 0, 'latin1');
    vp8x.writeUInt32LE(10, 4);
    vp8x[8] = VP8X_ICC | (alpha ? VP8X_ALPHA : 0);
    vp8x.writeUIntLE(width - 1, 12, 3);
    vp8x.writeUIntLE(height - 1, 15, 3);
  }
  const out = Buffer.concat([webp.subarray(0, 12), vp8x, iccp, ...rest]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}
