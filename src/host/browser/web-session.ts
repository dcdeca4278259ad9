/**
 * The picture the page works on and what was done to it: the decoded image, the listed faces, the last restore
 * (its result and background kept so the strength slider re-blends without any model run) and the files it can
 * save. Plain data plus small pure helpers; web-controller.ts drives it.
 */
import type { PixelImage } from '../../core/image';
import type { RestoreResult } from '../../core/pipeline';
import type { Restorer } from '../../core/restorer';
import type { DetectedFace } from '../../core/types';
import type { WebFaceBox, WebFaceFiles, WebPixels } from '../../../ui/web-controller';

export interface ListedFaces {
  readonly faces: readonly DetectedFace[];
  /** JPEG data URLs, one per face ('' when none could be made). */
  readonly thumbnails: readonly string[];
}

export interface LastRestore {
  readonly result: RestoreResult;
  /** The restorer that made it: its `composite` re-blends at another strength. */
  readonly restorer: Restorer;
  /** The composite at `strength`, in the input's format. */
  readonly composite: PixelImage;
  readonly strength: number;
}

/** "photo.jpg" → "photo": the stem for the files the page saves. */
export function fileStem(name: string): string {
  const base = name.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base) || 'image';
}

/** An engine image as the page draws it: 8-bit RGBA, straight alpha (gray repeated, no alpha = opaque). */
export function toWebPixels(image: PixelImage): WebPixels {
  const { width, height, channels, data, maxValue } = image;
  const out = new Uint8ClampedArray(width * height * 4);
  const scale = 255 / maxValue;
  const isColour = channels >= 3;
  const hasAlpha = channels === 2 || channels === 4;
  for (let i = 0, o = 0; o < out.length; i += channels, o += 4) {
    const r = data[i] * scale;
    out[o] = r;
    out[o + 1] = isColour ? data[i + 1] * scale : r;
    out[o + 2] = isColour ? data[i + 2] * scale : r;
    out[o + 3] = hasAlpha ? data[i + channels - 1] * scale : 255;
  }
  return { width, height, data: out };
}

/** The faces' boxes on the picture (clamped to it), numbered as listed. */
export function boxesOf(faces: readonly DetectedFace[], selected: ReadonlySet<number>, image: { width: number; height: number }): WebFaceBox[] {
  return faces.map((face) => {
    const [x0, y0, x1, y1] = face.box;
    const x = Math.max(0, Math.min(image.width, x0));
    const y = Math.max(0, Math.min(image.height, y0));
    const number = face.index + 1;
    return {
      number,
      x,
      y,
      width: Math.max(0, Math.min(image.width, x1) - x),
      height: Math.max(0, Math.min(image.height, y1) - y),
      isSelected: selected.has(number),
    };
  });
}

/** The restored faces that have a placement on the result, with the names their two files are saved under. */
export function faceFilesOf(result: RestoreResult, stem: string): WebFaceFiles[] {
  return result.faces
    .filter((face) => face.placement !== undefined)
    .map((face) => {
      const number = face.index + 1;
      const tag = String(number).padStart(2, '0');
      return { number, layerName: `${stem}-face-${tag}.png`, maskName: `${stem}-face-${tag}-mask.png` };
    });
}
