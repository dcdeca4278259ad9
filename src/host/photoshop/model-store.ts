/**
 * The plugin's models live in its data folder (`plugin-data:/models`, persistent, no permission prompt; DOCS
 * modules/uxp/persistent-file-storage getDataFolder): restore models in `restore/`, detectors under the names the
 * engine knows (`DETECTOR_FILE_NAMES`). Files are read as bytes and handed to the runtime; nothing here decodes
 * them. Weights are never bundled with the plugin.
 */
import { DETECTOR_KINDS, type DetectorKind } from '../../core/detect/types';
import { DETECTOR_FILE_NAMES } from '../../core/models';
import type { ModelSource } from '../../core/runtime';
import type { UxpFs, UxpModule } from './ps-api';
import { Refusal } from './refusals';

export const MODELS_URL = 'plugin-data:/models';

export interface InstalledModels {
  /** Restore model file names in `restore/`, sorted. */
  readonly restore: readonly string[];
  /** Background upsampler (Real-ESRGAN) file names in `upscale/`, sorted; optional. */
  readonly upscale: readonly string[];
  /** Installed detectors and the file each one uses. */
  readonly detectors: ReadonlyArray<{ readonly kind: DetectorKind; readonly file: string }>;
  /** The data folder's path on disk, for messages. */
  readonly folder: string;
}

export const DETECTOR_LABELS: Record<DetectorKind, string> = { yunet: 'YuNet', retinaface: 'RetinaFace', scrfd: 'SCRFD' };

async function list(fs: UxpFs, url: string): Promise<string[]> {
  try {
    return await fs.readdir(url);
  } catch {
    return [];
  }
}

/** Finds the installed models, creating the empty folders on first run so the user has somewhere to put them. */
export async function findInstalledModels(fs: UxpFs, uxp: UxpModule): Promise<InstalledModels> {
  const data = await uxp.storage.localFileSystem.getDataFolder();
  await fs.mkdir(`${MODELS_URL}/restore`, { recursive: true }).catch(() => undefined);
  await fs.mkdir(`${MODELS_URL}/detection`, { recursive: true }).catch(() => undefined);
  await fs.mkdir(`${MODELS_URL}/upscale`, { recursive: true }).catch(() => undefined);
  const onnxIn = async (folder: string): Promise<string[]> => (await list(fs, `${MODELS_URL}/${folder}`)).filter((n) => n.toLowerCase().endsWith('.onnx')).sort();
  const restore = await onnxIn('restore');
  const upscale = await onnxIn('upscale');
  const present = new Set([
    ...(await list(fs, MODELS_URL)),
    ...(await list(fs, `${MODELS_URL}/detection`)).map((n) => `detection/${n}`),
  ]);
  const detectors = DETECTOR_KINDS.flatMap((kind) => {
    const file = DETECTOR_FILE_NAMES[kind].find((name) => present.has(name));
    return file ? [{ kind, file }] : [];
  });
  return { restore, upscale, detectors, folder: data.nativePath.replace(/[\\/]+$/, '') };
}

/** The refusal when a model kind is missing, naming the exact folder and files. */
export function modelsMissing(models: InstalledModels): Refusal | undefined {
  const where = `${models.folder}${models.folder.includes('\\') ? '\\' : '/'}models`;
  if (models.restore.length === 0) {
    return new Refusal(
      'MODELS_MISSING',
      `No restore model is installed. Put a GFPGAN .onnx file (e.g. gfpgan-v1.4.onnx) into ${where}/restore, then reopen the panel.`,
    );
  }
  if (models.detectors.length === 0) {
    return new Refusal(
      'MODELS_MISSING',
      `No face detector is installed. Put yunet-2023mar-640.onnx (or face_detection_yunet_2023mar.onnx from OpenCV Zoo) into ${where}/detection, then reopen the panel.`,
    );
  }
  return undefined;
}

/** The refusal for ×2/×4 without an upsampler installed. */
export function upscalerMissing(models: InstalledModels): Refusal {
  const where = `${models.folder}${models.folder.includes('\\') ? '\\' : '/'}models`;
  return new Refusal(
    'MODELS_MISSING',
    `Upscaling needs a Real-ESRGAN model. Put realesr-general-x4v3.onnx (or another ONNX super-resolution model) into ${where}/upscale and reopen the panel, or choose ×1.`,
  );
}

/** Reads one model file as bytes. */
export async function readModel(fs: UxpFs, relativePath: string): Promise<ModelSource> {
  const buffer = await fs.readFile(`${MODELS_URL}/${relativePath}`);
  return { label: relativePath.split('/').pop() ?? relativePath, location: new Uint8Array(buffer) };
}
