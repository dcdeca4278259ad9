/** Minimal 8-bit loaders for tests that need pixels but are not testing file I/O. */
import sharp from 'sharp';
import type { ChannelCount, PixelImage } from '../../src/core/image';

/** Decodes a file to 8-bit RGB (alpha removed, gray expanded). */
export async function loadRgb8(file: string): Promise<PixelImage> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length), maxValue: 255 };
}

/** A deterministic test pattern; 16-bit values are mostly not multiples of 257, so any 8-bit detour shows. */
export function pattern(width: number, height: number, channels: ChannelCount, bits: 8 | 16): PixelImage {
  const n = width * height * channels;
  const data = bits === 16 ? new Uint16Array(n) : new Uint8Array(n);
  const max = bits === 16 ? 65536 : 256;
  for (let i = 0; i < n; i++) data[i] = (i * 7919 + Math.floor(i / channels) * 31 + 13) % max;
  return { width, height, channels, data, maxValue: max - 1 };
}
