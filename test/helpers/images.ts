/** Minimal 8-bit loaders for tests that need pixels but are not testing file I/O. */
import sharp from 'sharp';
import type { PixelImage } from '../../src/core/image';

/** Decodes a file to 8-bit RGB (alpha removed, gray expanded). */
export async function loadRgb8(file: string): Promise<PixelImage> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length), maxValue: 255 };
}
