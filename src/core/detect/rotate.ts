/**
 * Quarter-turn rotations for sideways photos. Detectors are trained on upright faces (YuNet scores a 90°-turned face
 * near its threshold and puts the landmarks on one cheek), so when nothing is found upright the detector looks again
 * at the image turned; landmarks are mapped back and alignment handles any angle.
 */
import { allocateLike, type PixelImage } from '../image';
import type { Candidate } from './nms';

/** Clockwise quarter turns: 1 = 90°, 2 = 180°, 3 = 270°. */
export type QuarterTurns = 1 | 2 | 3;

/** Turns `image` clockwise by `turns` quarter turns, in its own pixel format (a permutation: values unchanged). */
export function rotateImage(image: PixelImage, turns: QuarterTurns): PixelImage {
  const { width: w, height: h, channels: cn, data } = image;
  const outW = turns === 2 ? w : h;
  const outH = turns === 2 ? h : w;
  const out = allocateLike(image, data.length);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const [sx, sy] = sourcePixel(x, y, turns, w, h);
      const s = (sy * w + sx) * cn;
      const d = (y * outW + x) * cn;
      for (let c = 0; c < cn; c++) out[d + c] = data[s + c];
    }
  }
  return { ...image, width: outW, height: outH, data: out };
}

/** The original-image position of rotated position (x, y) for an original of size w × h (pixel-centre coordinates). */
function sourcePixel(x: number, y: number, turns: QuarterTurns, w: number, h: number): [number, number] {
  if (turns === 1) return [y, h - 1 - x];
  if (turns === 3) return [w - 1 - y, x];
  return [w - 1 - x, h - 1 - y];
}

/** Maps a candidate found in the rotated image (already in rotated full-resolution pixels) back to the original. */
export function unrotateCandidate(c: Candidate, turns: QuarterTurns, w: number, h: number): Candidate {
  const [ax, ay] = sourcePixel(c.box[0], c.box[1], turns, w, h);
  const [bx, by] = sourcePixel(c.box[2], c.box[3], turns, w, h);
  const landmarks: number[] = [];
  for (let i = 0; i < 5; i++) landmarks.push(...sourcePixel(c.landmarks[2 * i], c.landmarks[2 * i + 1], turns, w, h));
  return {
    score: c.score,
    box: [Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)],
    landmarks,
  };
}
