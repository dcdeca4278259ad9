/**
 * Face thumbnails for face lists: the detection box plus a margin, cut from the image and shrunk with area
 * averaging to a square RGB 8-bit picture. Only the box region is converted, so a thumbnail of a huge layer costs
 * what its box costs.
 */
import { toRgb8, toWorkingRgb, type PixelImage } from './image';
import { resize } from './resize';
import type { Box } from './types';
import { invalidOption, is } from './validate';

const { ceil, floor, max, min, round } = Math;

/** Margin around the box on each side, as a fraction of the box's longer side. */
const MARGIN = 0.2;

/** Copies the rectangle [x0, x1) × [y0, y1) of `image` into a new image of the same format. */
function cropPixels(image: PixelImage, x0: number, y0: number, x1: number, y1: number): PixelImage {
  const cn = image.channels;
  const w = x1 - x0, h = y1 - y0;
  const Ctor = image.data.constructor as new (length: number) => PixelImage['data'];
  const data = new Ctor(w * h * cn);
  for (let y = 0; y < h; y++) {
    const from = ((y0 + y) * image.width + x0) * cn;
    data.set(image.data.subarray(from, from + w * cn), y * w * cn);
  }
  return { width: w, height: h, channels: cn, data, maxValue: image.maxValue };
}

/**
 * A `size`×`size` RGB 8-bit thumbnail of the face in `box` (image pixels). The square around the box is clamped to
 * the image, so faces at an edge give a non-square source that is stretched slightly; a list thumbnail allows that.
 * Alpha is dropped: a thumbnail shows the face, not its transparency.
 */
export function faceThumbnail(image: PixelImage, box: Box, size: number): PixelImage {
  if (!is.integer(size) || size < 1 || size > 1024) throw invalidOption('size', 'an integer from 1 to 1024', size);
  const [bx0, by0, bx1, by1] = box;
  const side = max(bx1 - bx0, by1 - by0) * (1 + 2 * MARGIN);
  const cx = (bx0 + bx1) / 2, cy = (by0 + by1) / 2;
  const x0 = max(0, floor(cx - side / 2)), y0 = max(0, floor(cy - side / 2));
  const x1 = min(image.width, ceil(cx + side / 2)), y1 = min(image.height, ceil(cy + side / 2));
  if (x1 - x0 < 1 || y1 - y0 < 1) {
    throw invalidOption('box', `a box that overlaps the ${image.width}×${image.height} image`, `[${box.map((v) => round(v)).join(', ')}]`);
  }
  const rgb = toWorkingRgb(cropPixels(image, x0, y0, x1, y1));
  return toRgb8(resize(rgb, size, size, { kernel: 'area' }));
}
