/**
 * Where the shared real models and photos live. Tests read them from ../shared (or FACERESTORE_SHARED_MODELS /
 * FACERESTORE_IMAGES) and FAIL when they are missing: a missing data folder must never turn into skipped tests.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');

function requireDir(envName: string, fallback: string): string {
  const dir = process.env[envName] ? path.resolve(process.env[envName] as string) : path.resolve(root, fallback);
  if (!fs.existsSync(dir)) {
    throw new Error(`Test data folder ${dir} is missing: put the shared data beside the project (../shared) or set ${envName}`);
  }
  return dir;
}

export const sharedModelsDir = (): string => requireDir('FACERESTORE_SHARED_MODELS', '../shared/models');
export const sharedImagesDir = (): string => requireDir('FACERESTORE_IMAGES', '../shared/images');

export function sharedModel(relative: string): string {
  const file = path.join(sharedModelsDir(), relative);
  if (!fs.existsSync(file)) throw new Error(`Shared model ${file} is missing`);
  return file;
}

export function sharedImage(name: string): string {
  const file = path.join(sharedImagesDir(), name);
  if (!fs.existsSync(file)) throw new Error(`Shared photo ${file} is missing`);
  return file;
}

/** Face counts from ../shared/README.md (YuNet 2023mar at default thresholds). */
export const EXPECTED_FACES: Readonly<Record<string, number>> = {
  'gfpgan_whole_00.jpg': 2,
  'gfpgan_whole_Blake_Lively.jpg': 2,
  'codeformer_whole_00.jpg': 4,
  'codeformer_whole_01.jpg': 4,
  'codeformer_whole_03.jpg': 1,
  'codeformer_whole_04.jpg': 1,
  'codeformer_whole_05.jpg': 1,
  'codeformer_whole_06.png': 2,
  'facexlib_test.jpg': 1,
  'facexlib_test2.jpg': 1,
  'inspireface_bulk_blur.jpg': 1,
  'inspireface_pose_right_face.png': 1,
  'inspireface_rotate_rot_0.jpg': 1,
  'inspireface_rotate_rot_90.jpg': 1,
  'scrfd-opencv_s_l.jpg': 2,
};
