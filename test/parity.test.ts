/**
 * The engine against real OpenCV: test/reference/gfpgan_reference.py re-implements GFPGAN's reference pipeline
 * (facexlib, square soft mask) with cv2 and is fed the engine's landmarks, as an independent check of alignment,
 * crop, inverse warp, soft mask and composite. Needs python3 with OpenCV (Debian: python3-opencv; .ci/run installs
 * it); the suite fails, never skips, when it is missing.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { createRestorer, type Restorer } from '../src/core';
import type { PixelImage } from '../src/core/image';
import { readImage } from '../src/host/node/image-io';
import { createNodeRuntime } from '../src/host/node/ort';
import { writeFacesJson, writeFaceFiles } from '../src/host/node/outputs';
import { sharedImage, sharedModel } from './helpers/shared';

// Module-scope aliases: global lookups in hot loops are slow inside jest's vm context.
const { abs, max, log10, floor } = Math;

const PYTHON = process.env.FACERESTORE_PYTHON ?? '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'reference', 'gfpgan_reference.py');
const PHOTOS = [
  'gfpgan_whole_00.jpg', 'gfpgan_whole_Blake_Lively.jpg', 'codeformer_whole_00.jpg', 'codeformer_whole_01.jpg',
  'codeformer_whole_06.png', 'facexlib_test2.jpg', 'scrfd-opencv_s_l.jpg', 'inspireface_rotate_rot_90.jpg',
];

let tmp: string;
const restorers = new Map<string, Restorer>();

function restorerFor(model: 'identity' | 'unsharp'): Restorer {
  let r = restorers.get(model);
  if (!r) {
    r = createRestorer({
      runtime: createNodeRuntime(),
      detector: { kind: 'yunet', source: { label: 'yunet', location: sharedModel('detection/yunet-2023mar-640.onnx') } },
      restorer: { source: { label: model, location: sharedModel(`restore/${model}-512.onnx`) } },
    });
    restorers.set(model, r);
  }
  return r;
}

beforeAll(() => {
  const probe = (() => {
    try {
      return execFileSync(PYTHON, ['-c', 'import cv2; print(cv2.__version__)']).toString().trim();
    } catch (error) {
      throw new Error(`The parity suite needs ${PYTHON} with OpenCV (apt-get install python3-opencv, or set FACERESTORE_PYTHON): ${String(error)}`);
    }
  })();
  expect(probe).toMatch(/^\d+\.\d+/);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-parity-'));
});

afterAll(async () => {
  await Promise.all([...restorers.values()].map((r) => r.dispose()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** 8-bit BGR pixels of a PNG written by OpenCV, as RGB. */
async function readPngRgb(file: string): Promise<Uint8Array> {
  const { data } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

/** PSNR over the pixels where `region` is 1 (3 samples per pixel). */
function psnr(a: Float32Array, b: Float32Array, region: Uint8Array): number {
  let se = 0, n = 0;
  for (let i = 0; i < a.length; i++) {
    if (region[floor(i / 3)] !== 1) continue;
    const d = a[i] - b[i];
    se += d * d;
    n++;
  }
  return se === 0 ? Number.POSITIVE_INFINITY : 10 * log10((255 * 255) / (se / n));
}

interface Comparison {
  readonly faces: number;
  readonly cropMaxDiff: number;
  /** Largest |engine − reference float composite| over all colour samples. */
  readonly compositeMaxDiff: number;
  readonly facePsnr: number;
}

async function compare(photo: string, model: 'identity' | 'unsharp', scale: number): Promise<Comparison> {
  const dir = fs.mkdtempSync(path.join(tmp, `${model}-${scale}-`));
  const file = sharedImage(photo);
  const { image } = await readImage(file);
  const result = await restorerFor(model).restore(image, { upscale: scale });
  const names = { root: dir, basename: path.parse(file).name };
  const facesJson = await writeFacesJson(names, result.faces);
  for (const [i, f] of result.faces.entries()) await writeFaceFiles(names, i, f.crop, f.restored);
  const refDir = path.join(dir, 'ref');
  fs.mkdirSync(refDir);
  const args = [SCRIPT, file, facesJson, String(scale), refDir, ...(model === 'unsharp' ? [path.join(dir, 'restored_faces')] : [])];
  execFileSync(PYTHON, args);

  let cropMaxDiff = 0;
  for (let i = 0; i < result.faces.length; i++) {
    const ours = await readPngRgb(path.join(dir, 'cropped_faces', `${names.basename}_${String(i).padStart(2, '0')}.png`));
    const ref = await readPngRgb(path.join(refDir, `crop_${String(i).padStart(2, '0')}.png`));
    for (let k = 0; k < ours.length; k++) cropMaxDiff = max(cropMaxDiff, abs(ours[k] - ref[k]));
  }
  const out = result.image as PixelImage;
  const refFloat = new Float32Array(fs.readFileSync(path.join(refDir, 'composite.f32')).buffer.slice(0));
  const n = out.width * out.height;
  expect(refFloat.length).toBe(n * 3);
  // Faces' region: wherever any reference soft mask is above zero.
  const inFace = new Uint8Array(n);
  for (let i = 0; i < result.faces.length; i++) {
    const mask = await sharp(path.join(refDir, `mask_${String(i).padStart(2, '0')}.png`)).raw().toBuffer();
    for (let k = 0; k < n; k++) if (mask[k] > 0) inFace[k] = 1;
  }
  const ours = new Float32Array(n * 3);
  const theirs = new Float32Array(n * 3);
  let compositeMaxDiff = 0;
  for (let k = 0; k < n; k++) {
    for (let c = 0; c < 3; c++) {
      const o = out.data[k * out.channels + c];
      const r = refFloat[k * 3 + (2 - c)]; // BGR
      ours[k * 3 + c] = o;
      theirs[k * 3 + c] = r;
      compositeMaxDiff = max(compositeMaxDiff, abs(o - r));
    }
  }
  const facePsnr = psnr(ours, theirs, inFace);
  return { faces: result.faces.length, cropMaxDiff, compositeMaxDiff, facePsnr };
}

describe.each([1, 2])('against OpenCV at ×%i', (scale) => {
  it.each(PHOTOS)('identity model, whole chain independent: %s', async (photo) => {
    const c = await compare(photo, 'identity', scale);
    expect(c.faces).toBeGreaterThan(0);
    // The same 5-point fit, the same fixed-point warp: crops are identical.
    expect(c.cropMaxDiff).toBe(0);
    // Composite: the engine rounds where facexlib truncates, so each sample is within half a level of the
    // reference's float composite (plus float32 noise).
    expect(c.compositeMaxDiff).toBeLessThanOrEqual(0.51);
    expect(c.facePsnr).toBeGreaterThan(50);
  });

  it.each(PHOTOS)('unsharp model, paste-back of the engine\'s restored faces: %s', async (photo) => {
    const c = await compare(photo, 'unsharp', scale);
    expect(c.cropMaxDiff).toBe(0);
    expect(c.compositeMaxDiff).toBeLessThanOrEqual(0.51);
    expect(c.facePsnr).toBeGreaterThan(50);
  });
});
