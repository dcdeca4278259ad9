/**
 * Where the CLI finds model files: `--model`/`--detector-model` if given, else well-known names inside the models
 * directory (`--models-dir`, then FACERESTORE_MODELS, then the XDG cache). Names cover our own layout
 * (restore/, detection/) and the names the publishers use, so a downloaded file works without renaming.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RestoreError } from '../../core/errors';
import type { DetectorKind } from '../../core/detect/types';
import { DETECTOR_FILE_NAMES } from '../../core/models';

export const GFPGAN_VERSIONS = ['1.2', '1.3', '1.4'] as const;
export type GfpganVersion = (typeof GFPGAN_VERSIONS)[number];

const GFPGAN_URLS: Record<GfpganVersion, string> = {
  '1.2': 'https://github.com/clibdev/GFPGAN-onnxruntime-demo/releases/latest/download/gfpgan-v1.2.onnx',
  '1.3': 'https://github.com/clibdev/GFPGAN-onnxruntime-demo/releases/latest/download/gfpgan-v1.3.onnx',
  '1.4': 'https://github.com/clibdev/GFPGAN-onnxruntime-demo/releases/latest/download/gfpgan-v1.4.onnx',
};

const DETECTOR_FILES = DETECTOR_FILE_NAMES;

const DETECTOR_HINT: Record<DetectorKind, string> = {
  yunet: 'https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx',
  retinaface: 'a RetinaFace MobileNet-0.25 ONNX export (input "input", outputs loc/conf/landmarks)',
  scrfd: 'an InsightFace SCRFD export with keypoints (research-use licence)',
};

function gfpganFiles(version: GfpganVersion): string[] {
  const names = [`gfpgan-v${version}.onnx`, `GFPGANv${version}.onnx`, `gfpgan_${version}.onnx`];
  if (version === '1.2') names.push('GFPGANCleanv1-NoCE-C2.onnx');
  return names.flatMap((n) => [`restore/${n}`, n]);
}

/** The models directory in effect and how it was chosen (for messages). */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): { dir: string; from: string } {
  if (env.FACERESTORE_MODELS) return { dir: path.resolve(env.FACERESTORE_MODELS), from: 'FACERESTORE_MODELS' };
  const cache = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return { dir: path.join(cache, 'facerestore', 'models'), from: 'the default cache folder' };
}

function requireFile(file: string, what: string): string {
  const resolved = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new RestoreError('MODEL_NOT_FOUND', `${what} file ${resolved} does not exist; check the path`);
  }
  if (!stat.isFile()) throw new RestoreError('MODEL_NOT_FOUND', `${what} ${resolved} is not a file; pass the .onnx file itself`);
  if (stat.size === 0) throw new RestoreError('MODEL_LOAD_FAILED', `${what} file ${resolved} is empty (0 bytes); download it again`);
  return resolved;
}

function findIn(dir: string, from: string, candidates: readonly string[], what: string, hint: string): string {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new RestoreError(
      'MODEL_NOT_FOUND',
      `The models directory ${dir} (${from}) does not exist. Create it and put the ${what} model in it (${hint}), ` +
        'or point --models-dir / FACERESTORE_MODELS at the folder that holds your models',
    );
  }
  for (const name of candidates) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return requireFile(file, `The ${what} model`);
  }
  throw new RestoreError(
    'MODEL_NOT_FOUND',
    `No ${what} model in ${dir} (${from}); looked for ${candidates.join(', ')}. Put it there (${hint}) or pass its file explicitly`,
  );
}

/** Names `--bg-upsampler` knows; `realesrgan` (GFPGAN's value) takes the first Real-ESRGAN model found. */
export const UPSAMPLER_NAMES = ['realesrgan', 'realesr-general-x4v3', 'realesr-animevideov3-x4', 'realesrgan-x2plus', 'realesrgan-x4plus'] as const;

const REAL_ESRGAN_PTH: Readonly<Record<string, string>> = {
  'realesr-general-x4v3': 'https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-general-x4v3.pth',
  'realesr-animevideov3-x4': 'https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-animevideov3.pth',
  'realesrgan-x2plus': 'https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.1/RealESRGAN_x2plus.pth',
  'realesrgan-x4plus': 'https://github.com/xinntao/Real-ESRGAN/releases/download/v0.1.0/RealESRGAN_x4plus.pth',
};

function upsamplerHint(name: string): string {
  const pth = REAL_ESRGAN_PTH[name === 'realesrgan' ? 'realesr-general-x4v3' : name];
  return `convert ${pth} to ONNX as upscale/${name === 'realesrgan' ? 'realesr-general-x4v3' : name}.onnx, `
    + 'or pass any ONNX super-resolution model file ([1,3,H,W] RGB 0..1 → [1,3,sH,sW])';
}

function upsamplerFiles(name: string): string[] {
  const names = name === 'realesrgan'
    ? ['realesrgan-x2plus', 'RealESRGAN_x2plus', 'realesr-general-x4v3', 'realesrgan-x4plus', 'RealESRGAN_x4plus']
    : [name, ...(name === 'realesrgan-x2plus' ? ['RealESRGAN_x2plus'] : name === 'realesrgan-x4plus' ? ['RealESRGAN_x4plus'] : [])];
  return names.flatMap((n) => [`upscale/${n}.onnx`, `${n}.onnx`]);
}

export interface ModelChoice {
  readonly modelsDir?: string;
  /** A known upsampler name, a model file, or undefined for none. */
  readonly upsampler?: string;
  readonly version: GfpganVersion;
  readonly model?: string;
  readonly detector: DetectorKind;
  readonly detectorModel?: string;
}

export interface ResolvedModels {
  readonly restorer: string;
  readonly detector: string;
  /** The background upsampler's file, when one was asked for. */
  readonly upsampler?: string;
}

/** Resolves both model files, or throws MODEL_NOT_FOUND with what was looked for and how to fix it. */
export function resolveModelFiles(choice: ModelChoice, needDetector: boolean, env: NodeJS.ProcessEnv = process.env): ResolvedModels {
  const { dir, from } = choice.modelsDir ? { dir: path.resolve(choice.modelsDir), from: '--models-dir' } : defaultModelsDir(env);
  const restorer = choice.model
    ? requireFile(choice.model, 'The --model')
    : findIn(dir, from, gfpganFiles(choice.version), `GFPGAN v${choice.version}`, `download ${GFPGAN_URLS[choice.version]} into ${path.join(dir, 'restore')}`);
  let detector = '';
  if (needDetector) {
    detector = choice.detectorModel
      ? requireFile(choice.detectorModel, 'The --detector-model')
      : findIn(dir, from, DETECTOR_FILES[choice.detector], `${choice.detector} face detector`, DETECTOR_HINT[choice.detector]);
  }
  let upsampler: string | undefined;
  if (choice.upsampler !== undefined) {
    upsampler = (UPSAMPLER_NAMES as readonly string[]).includes(choice.upsampler)
      ? findIn(dir, from, upsamplerFiles(choice.upsampler), `${choice.upsampler} background upsampler`, upsamplerHint(choice.upsampler))
      : requireFile(choice.upsampler, 'The --bg-upsampler');
  }
  return { restorer, detector, ...(upsampler ? { upsampler } : {}) };
}
