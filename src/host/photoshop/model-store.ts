/**
 * The plugin's models live in its data folder (`plugin-data:/models`, persistent, no permission prompt; DOCS
 * modules/uxp/persistent-file-storage getDataFolder), laid out as the catalog says: restore models in `restore/`,
 * detectors in `detection/`, upscalers in `upscale/`. A file is a catalog model when it sits at the model's path or
 * one of its aliases (publishers' names), and then carries the catalog's name and contract; any other `.onnx` in a
 * role folder (imported, or put there by hand) is offered under its file name. Files are read as bytes and handed
 * to the runtime; weights are never bundled with the plugin.
 */
import { defaultEntry, entriesFor, type Catalog, type CatalogEntry, type ModelRole } from '../../core/catalog';
import type { DetectorKind } from '../../core/detect/types';
import { checkModelBytes } from '../../core/model-check';
import { ROLE_FOLDERS } from '../../core/model-manager';
import type { ModelSource } from '../../core/runtime';
import { formatSize } from './model-format';
import type { UxpFs, UxpModule } from './ps-api';
import { Refusal } from './refusals';
import { MODELS_URL } from './uxp-model-store';

export { MODELS_URL };

export interface InstalledModel {
  /** The choice's id: the file name (unique within its role). */
  readonly id: string;
  /** Path inside the models folder, e.g. `restore/gfpgan-v1.4.onnx`. */
  readonly path: string;
  /** The catalog name ("GFPGAN v1.4"), else the file name without `.onnx`. */
  readonly label: string;
  readonly entry?: CatalogEntry;
}

export interface InstalledDetector extends InstalledModel {
  readonly kind: DetectorKind;
}

export interface InstalledModels {
  /** Restore models: catalog ones in catalog order, then the others by file name. */
  readonly restore: readonly InstalledModel[];
  /** Background upsamplers (Real-ESRGAN), same order; optional. */
  readonly upscale: readonly InstalledModel[];
  /** One detector per kind, the catalog's first. */
  readonly detectors: readonly InstalledDetector[];
  /** The models folder's path on disk, for messages. */
  readonly folder: string;
}

export const DETECTOR_LABELS: Record<DetectorKind, string> = { yunet: 'YuNet', retinaface: 'RetinaFace', scrfd: 'SCRFD' };

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const isOnnx = (name: string): boolean => name.toLowerCase().endsWith('.onnx');

async function list(fs: UxpFs, url: string): Promise<string[]> {
  try {
    return await fs.readdir(url);
  } catch {
    return [];
  }
}

/** The models folder on disk: the data folder's native path + `models`, in the platform's separator. */
async function modelsFolder(uxp: UxpModule): Promise<string> {
  const data = (await uxp.storage.localFileSystem.getDataFolder()).nativePath.replace(/[\\/]+$/, '');
  return `${data}${data.includes('\\') ? '\\' : '/'}models`;
}

/** The kind of a detector file the catalog does not know, read from its declared outputs; undefined if it is none. */
async function detectorKindOfFile(fs: UxpFs, path: string): Promise<DetectorKind | undefined> {
  try {
    const bytes = new Uint8Array(await fs.readFile(`${MODELS_URL}/${path}`));
    return checkModelBytes(bytes, 'detector', { label: basename(path) }).detector;
  } catch {
    return undefined;
  }
}

/** Finds the installed models, creating the empty role folders on first run so the user has somewhere to put them. */
export async function findInstalledModels(fs: UxpFs, uxp: UxpModule, catalog: Catalog): Promise<InstalledModels> {
  const folder = await modelsFolder(uxp);
  const present = new Set((await list(fs, MODELS_URL)).filter(isOnnx));
  const inFolder: Record<ModelRole, string[]> = { restorer: [], detector: [], upsampler: [] };
  for (const role of Object.keys(ROLE_FOLDERS) as ModelRole[]) {
    const sub = ROLE_FOLDERS[role];
    await fs.mkdir(`${MODELS_URL}/${sub}`, { recursive: true }).catch(() => undefined);
    inFolder[role] = (await list(fs, `${MODELS_URL}/${sub}`)).filter(isOnnx).sort().map((name) => `${sub}/${name}`);
    for (const path of inFolder[role]) present.add(path);
  }
  const claimed = new Set<string>();
  const forRole = (role: ModelRole): InstalledModel[] => {
    const out: InstalledModel[] = [];
    const ids = new Set<string>();
    for (const entry of entriesFor(catalog, role)) {
      const path = [entry.file, ...entry.aliases].find((p) => present.has(p) && !claimed.has(p));
      if (path === undefined || ids.has(basename(path))) continue;
      claimed.add(path);
      ids.add(basename(path));
      out.push({ id: basename(path), path, label: entry.name, entry });
    }
    for (const path of inFolder[role]) {
      if (claimed.has(path) || ids.has(basename(path))) continue;
      claimed.add(path);
      ids.add(basename(path));
      out.push({ id: basename(path), path, label: basename(path).replace(/\.onnx$/i, '') });
    }
    return out;
  };
  const restore = forRole('restorer');
  const upscale = forRole('upsampler');
  const detectors: InstalledDetector[] = [];
  for (const model of forRole('detector')) {
    const kind = model.entry?.role === 'detector' ? model.entry.contract.decoder : await detectorKindOfFile(fs, model.path);
    if (kind && !detectors.some((d) => d.kind === kind)) detectors.push({ ...model, kind });
  }
  return { restore, upscale, detectors, folder };
}

/** "GFPGAN v1.4 … (324 MB)" parts for the role's default catalog model. */
function offer(catalog: Catalog, role: ModelRole): { name?: string; size: string; downloadable: boolean } {
  const entry = defaultEntry(catalog, role);
  return {
    ...(entry ? { name: entry.name } : {}),
    size: entry?.size ? formatSize(entry.size) : '',
    downloadable: entry?.sources.some((s) => s.format === 'onnx') ?? false,
  };
}

/** The refusal when no restore model or no detector is installed: which one, and how to get it. */
export function modelsMissing(models: InstalledModels, catalog: Catalog): Refusal | undefined {
  const where = models.folder;
  const sep = where.includes('\\') ? '\\' : '/';
  const noRestorer = models.restore.length === 0;
  const noDetector = models.detectors.length === 0;
  if (!noRestorer && !noDetector) return undefined;
  const r = offer(catalog, 'restorer');
  const d = offer(catalog, 'detector');
  const restoreName = r.name ?? 'A restore model';
  const detectorName = `the face detector${d.name ? ` ${d.name}` : ''}`;
  if (noRestorer && noDetector) {
    const sizes = [r.size, d.size].filter(Boolean).join(' and ');
    const how = r.downloadable && d.downloadable ? `Download them in Models below${sizes ? ` (${sizes})` : ''}, import .onnx files,` : 'Import .onnx files in Models below,';
    return new Refusal('MODELS_MISSING', `${restoreName} and ${detectorName} are not installed. ${how} or put them into ${where}${sep}restore and ${where}${sep}detection.`);
  }
  const [name, o, sub] = noRestorer ? [restoreName, r, 'restore'] : [detectorName.replace(/^t/, 'T'), d, 'detection'];
  const how = o.downloadable ? `Download it in Models below${o.size ? ` (${o.size})` : ''}, import an .onnx file,` : 'Import an ONNX export of it in Models below,';
  return new Refusal('MODELS_MISSING', `${name} is not installed. ${how} or put one into ${where}${sep}${sub}.`);
}

/** The refusal for ×2/×4 without an upsampler installed. */
export function upscalerMissing(models: InstalledModels, catalog: Catalog): Refusal {
  const where = `${models.folder}${models.folder.includes('\\') ? '\\' : '/'}upscale`;
  const u = offer(catalog, 'upsampler');
  const how = u.downloadable
    ? `Download ${u.name} in Models below${u.size ? ` (${u.size})` : ''}, import an .onnx file, or put one into ${where}`
    : `${u.name ? `${u.name} is published only as a PyTorch checkpoint: import an ONNX export of it` : 'Import an ONNX super-resolution model'} in Models below, or put one into ${where}`;
  return new Refusal('MODELS_MISSING', `Upscaling needs an upscaler model. ${how}; or choose ×1.`);
}

/** Reads one model file (path inside the models folder) as bytes. */
export async function readModel(fs: UxpFs, relativePath: string): Promise<ModelSource> {
  const buffer = await fs.readFile(`${MODELS_URL}/${relativePath}`);
  return { label: basename(relativePath), location: new Uint8Array(buffer) };
}
