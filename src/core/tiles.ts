/**
 * Tile geometry for running a super-resolution network over an image piece by piece, and the extraction of one
 * tile's input tensor straight from the caller's pixels (no full-size float copy of the image is ever made).
 *
 * Each tile has a *core* (the input pixels whose output it delivers) and an *input* window: the core grown by
 * `pad` pixels of context on every side, read with reflect-101 beyond the image border (BasicSR pads with
 * `F.pad(mode='reflect')`, which is reflect-101). The network's output for the context is discarded, so a tile's
 * result differs from the whole-image run only through context the window cut off; with `pad` at or beyond the
 * network's receptive radius it is the same.
 */
import type { PixelImage } from './image';
import type { Rect } from './types';

const { ceil, floor, max, min } = Math;

export interface Tile {
  /** Input pixels this tile delivers; the cores of a grid partition the image. */
  readonly core: Rect;
  /** The window the network sees (core + context); may extend beyond the image (reflected). */
  readonly input: Rect;
}

export interface TileLayout {
  /** Core edge in input pixels; 0 = one tile for the whole image. */
  readonly tile: number;
  /** Context on each side, input pixels. */
  readonly pad: number;
  /** Input windows are rounded up to a multiple of this (networks that pixel-unshuffle need even sizes). */
  readonly multiple: number;
  /** A model with a static spatial input takes exactly this window; cores shrink to fit. */
  readonly fixedInput?: { readonly width: number; readonly height: number };
}

/** Splits [0, length) into `ceil(length / size)` near-equal parts (no sliver at the end). */
function split(length: number, size: number): Array<[number, number]> {
  const n = size > 0 ? max(1, ceil(length / size)) : 1;
  const parts: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) parts.push([floor((i * length) / n), floor(((i + 1) * length) / n)]);
  return parts;
}

function roundUp(v: number, multiple: number): number {
  return ceil(v / multiple) * multiple;
}

/** The tiles for a width×height image, row by row, top to bottom. */
export function planTiles(width: number, height: number, layout: TileLayout): Tile[] {
  const { pad, multiple, fixedInput } = layout;
  let tileW = layout.tile, tileH = layout.tile;
  if (fixedInput) {
    tileW = fixedInput.width - 2 * pad;
    tileH = fixedInput.height - 2 * pad;
    if (tileW < 1 || tileH < 1) throw new RangeError(`a ${fixedInput.width}×${fixedInput.height} model input leaves no core inside ${pad} px of context`);
    if (layout.tile > 0) {
      tileW = min(tileW, layout.tile);
      tileH = min(tileH, layout.tile);
    }
  }
  const cols = split(width, tileW);
  const rows = split(height, tileH);
  const tiles: Tile[] = [];
  for (const [y0, y1] of rows) {
    for (const [x0, x1] of cols) {
      const core = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
      // Extra window beyond 2·pad (rounding, static shapes) goes to the right and bottom, as the reference's mod pad.
      const inW = fixedInput ? fixedInput.width : roundUp(core.width + 2 * pad, multiple);
      const inH = fixedInput ? fixedInput.height : roundUp(core.height + 2 * pad, multiple);
      tiles.push({ core, input: { x: x0 - pad, y: y0 - pad, width: inW, height: inH } });
    }
  }
  return tiles;
}

/** Folds any index into [0, n) by mirroring without repeating the edge (OpenCV BORDER_REFLECT_101), periodically. */
export function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

/**
 * The network input for `window`: NCHW float32 RGB in 0..1, read from `image` in its own format (gray is
 * replicated to three channels, alpha ignored), reflecting beyond the border.
 */
export function tileTensor(image: PixelImage, window: Rect): Float32Array {
  const { width, height, channels, data } = image;
  const w = window.width, h = window.height, plane = w * h;
  const out = new Float32Array(3 * plane);
  const k = 1 / image.maxValue;
  const gray = channels <= 2;
  const cols = new Int32Array(w);
  for (let i = 0; i < w; i++) cols[i] = reflect101(window.x + i, width) * channels;
  for (let j = 0; j < h; j++) {
    const row = reflect101(window.y + j, height) * width * channels;
    let o = j * w;
    for (let i = 0; i < w; i++, o++) {
      const s = row + cols[i];
      if (gray) {
        const v = data[s] * k;
        out[o] = v;
        out[o + plane] = v;
        out[o + 2 * plane] = v;
      } else {
        out[o] = data[s] * k;
        out[o + plane] = data[s + 1] * k;
        out[o + 2 * plane] = data[s + 2] * k;
      }
    }
  }
  return out;
}

/** The input pixels a list of tiles feeds to the network (the unit of the speed estimate). */
export function windowPixels(tiles: readonly Tile[]): number {
  return tiles.reduce((n, t) => n + t.input.width * t.input.height, 0);
}
