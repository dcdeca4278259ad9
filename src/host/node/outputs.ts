/**
 * GFPGAN's output layout (inference_gfpgan.py), plus faces/<basename>.json:
 *   cropped_faces/<base>_<NN>.png          the aligned crop fed to the model
 *   restored_faces/<base>_<NN>[_<sfx>].png the model's output
 *   cmp/<base>_<NN>.png                    [crop | restored] side by side
 *   restored_imgs/<base>[_<sfx>].<ext>     the composite, in the input's bit depth and channels
 *   faces/<base>.json                      [{index, score, box, landmarks}] in input pixels
 */
import * as fs from 'fs';
import * as path from 'path';
import { toRgb8, type FloatImage, type PixelImage } from '../../core/image';
import type { RestoreResult } from '../../core/pipeline';
import type { DetectedFace } from '../../core/types';
import type { OutputExt } from './cli-args';
import { writeImage } from './image-io';

export interface OutputNames {
  readonly root: string;
  readonly basename: string;
  readonly suffix?: string;
  /** The input's colour profile, embedded in every image written for it (pixels keep the input's colour space). */
  readonly iccProfile?: Uint8Array;
}

const pad2 = (i: number): string => String(i).padStart(2, '0');

function withSuffix(name: string, suffix: string | undefined): string {
  return suffix ? `${name}_${suffix}` : name;
}

/** Side-by-side [crop | restored] as 8-bit RGB. */
export function sideBySide(left: FloatImage, right: FloatImage): PixelImage {
  const a = toRgb8(left), b = toRgb8(right);
  const width = a.width + b.width, height = Math.max(a.height, b.height);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    if (y < a.height) data.set(a.data.subarray(y * a.width * 3, (y + 1) * a.width * 3), y * width * 3);
    if (y < b.height) data.set(b.data.subarray(y * b.width * 3, (y + 1) * b.width * 3), (y * width + a.width) * 3);
  }
  return { width, height, channels: 3, data, maxValue: 255 };
}

/** Writes the three per-face files and returns their paths. */
export async function writeFaceFiles(names: OutputNames, index: number, crop: FloatImage, restored: FloatImage): Promise<string[]> {
  const stem = `${names.basename}_${pad2(index)}`;
  const files = [
    path.join(names.root, 'cropped_faces', `${stem}.png`),
    path.join(names.root, 'restored_faces', `${withSuffix(stem, names.suffix)}.png`),
    path.join(names.root, 'cmp', `${stem}.png`),
  ];
  const options = { iccProfile: names.iccProfile };
  // sharp encodes on its own threads: write the three files at once.
  await Promise.all([
    writeImage(files[0], toRgb8(crop), options),
    writeImage(files[1], toRgb8(restored), options),
    writeImage(files[2], sideBySide(crop, restored), options),
  ]);
  return files;
}

/** The restored image's extension: `auto` keeps the input's (without the dot), as GFPGAN does. */
export function restoredImageExt(inputFile: string, ext: OutputExt): string {
  if (ext !== 'auto') return ext;
  return path.extname(inputFile).slice(1) || 'png';
}

export async function writeRestoredImage(names: OutputNames, ext: string, image: PixelImage): Promise<string> {
  const file = path.join(names.root, 'restored_imgs', `${withSuffix(names.basename, names.suffix)}.${ext}`);
  await writeImage(file, image, { iccProfile: names.iccProfile });
  return file;
}

/**
 * faces/<base>.json: detections in input-image pixels, one face per line. Coordinates keep full precision so that
 * another implementation fed with these landmarks reproduces the same alignment (a 0.001 px change can move
 * OpenCV's 1/32-px warp grid); the score is rounded for reading.
 */
export async function writeFacesJson(names: OutputNames, faces: readonly DetectedFace[]): Promise<string> {
  const file = path.join(names.root, 'faces', `${names.basename}.json`);
  const records = faces.map((f) => JSON.stringify({
    index: f.index,
    score: Math.round(f.score * 1e4) / 1e4,
    box: f.box,
    landmarks: f.landmarks,
  }));
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, records.length ? `[\n  ${records.join(',\n  ')}\n]\n` : '[]\n');
  await fs.promises.rename(tmp, file);
  return file;
}

/**
 * Every file of one restored photo (faces, comparison, composite, faces JSON), written concurrently since sharp
 * encodes on its own threads. Returns the paths written.
 */
export async function writeResultFiles(names: OutputNames, result: RestoreResult, ext: string): Promise<string[]> {
  const written = await Promise.all([
    ...result.faces.map((face, i) => writeFaceFiles(names, i, face.crop, face.restored)),
    ...(result.image ? [writeRestoredImage(names, ext, result.image).then((f) => [f])] : []),
    writeFacesJson(names, result.faces).then((f) => [f]),
  ]);
  return written.flat();
}
