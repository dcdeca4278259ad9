/**
 * What is installed in a models store, as the panel and the web page offer it: laid out as the catalog says —
 * restore models in `restore/`, detectors in `detection/`, upscalers in `upscale/`. A file is a catalog model when it
 * sits at the model's path or one of its aliases (publishers' names), and then carries the catalog's name and
 * contract; any other `.onnx` in a role folder (imported, or put there by hand) is offered under its file name.
 * Files are read as bytes and handed to the runtime; weights are never bundled with the plugin or the page.
 */
import { defaultEntry, entriesFor, installable, type Catalog, type CatalogEntry, type ModelRole } from '../../core/catalog';
import type { DetectorKind } from '../../core/detect/types';
import { checkModelBytes } from '../../core/model-check';
import { readStoredBytes, type ModelStore } from '../../core/model-host';
import { ROLE_FOLDERS } from '../../core/model-manager';
import type { ModelSource } from '../../core/runtime';
import { formatSize } from './model-format';
import { Refusal } from './refusals';

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
  /**
   * The models folder's path on disk, for messages that tell the user where to put files; undefined where there is
   * no folder the user can reach (the web page's browser storage: models are downloaded or imported there).
   */
  readonly folder: string | undefined;
}

export const DETECTOR_LABELS: Record<DetectorKind, string> = { yunet: 'YuNet', retinaface: 'RetinaFace', scrfd: 'SCRFD' };

const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const isOnnx = (name: string): boolean => name.toLowerCase().endsWith('.onnx');

/** The kind of a detector file the catalog does not know, read from its declared outputs; undefined if it is none. */
async function detectorKindOfFile(store: ModelStore, path: string): Promise<DetectorKind | undefined> {
  try {
    return checkModelBytes(await readStoredBytes(store, path), 'detector', { label: basename(path) }).detector;
  } catch {
    return undefined;
  }
}

/**
 * Finds the installed models in `store`. `folder` is where the user can put files by hand (undefined: nowhere, so
 * messages do not offer it).
 */
export async function findInstalledModels(store: ModelStore, catalog: Catalog, folder: string | undefined): Promise<InstalledModels> {
  const present = new Set((await store.list('')).filter(isOnnx));
  const inFolder: Record<ModelRole, string[]> = { restorer: [], detector: [], upsampler: [] };
  for (const role of Object.keys(ROLE_FOLDERS) as ModelRole[]) {
    const sub = ROLE_FOLDERS[role];
    inFolder[role] = (await store.list(sub)).filter(isOnnx).sort().map((name) => `${sub}/${name}`);
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
    const kind = model.entry?.role === 'detector' ? model.entry.contract.decoder : await detectorKindOfFile(store, model.path);
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
    downloadable: entry?.sources.some(installable) ?? false,
  };
}

/** "A, B or C" → the ways as one sentence part: "Download it …, import an .onnx file, or put one into …". */
function ways(parts: readonly string[]): string {
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')}, or ${parts[parts.length - 1]}`;
}

/** "put one into …/restore" where the user has a models folder. */
function putInto(models: InstalledModels, ...subs: string[]): string[] {
  const where = models.folder;
  if (where === undefined) return [];
  const sep = where.includes('\\') ? '\\' : '/';
  return [`put ${subs.length > 1 ? 'them' : 'one'} into ${subs.map((sub) => `${where}${sep}${sub}`).join(' and ')}`];
}

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The refusal when no restore model or no detector is installed: which one, and how to get it. `canDownload` false
 * (a host without network) leaves Download out of the advice.
 */
export function modelsMissing(models: InstalledModels, catalog: Catalog, canDownload = true): Refusal | undefined {
  const noRestorer = models.restore.length === 0;
  const noDetector = models.detectors.length === 0;
  if (!noRestorer && !noDetector) return undefined;
  const r = offer(catalog, 'restorer');
  const d = offer(catalog, 'detector');
  const restoreName = r.name ?? 'A restore model';
  const detectorName = `the face detector${d.name ? ` ${d.name}` : ''}`;
  if (noRestorer && noDetector) {
    const sizes = [r.size, d.size].filter(Boolean).join(' and ');
    const download = canDownload && r.downloadable && d.downloadable ? [`download them in Models below${sizes ? ` (${sizes})` : ''}`, 'import .onnx files'] : ['import .onnx files in Models below'];
    return new Refusal('MODELS_MISSING', `${restoreName} and ${detectorName} are not installed. ${capitalise(ways([...download, ...putInto(models, 'restore', 'detection')]))}.`);
  }
  const [name, o, sub] = noRestorer ? [restoreName, r, 'restore'] : [capitalise(detectorName), d, 'detection'];
  const download = canDownload && o.downloadable ? [`download it in Models below${o.size ? ` (${o.size})` : ''}`, 'import an .onnx file'] : [o.downloadable ? 'import an .onnx file in Models below' : 'import an ONNX export of it in Models below'];
  return new Refusal('MODELS_MISSING', `${name} is not installed. ${capitalise(ways([...download, ...putInto(models, sub)]))}.`);
}

/** The refusal for ×2/×4 without an upsampler installed. */
export function upscalerMissing(models: InstalledModels, catalog: Catalog, canDownload = true): Refusal {
  const u = offer(catalog, 'upsampler');
  const folder = putInto(models, 'upscale');
  const how = canDownload && u.downloadable
    ? ways([`Download ${u.name} in Models below${u.size ? ` (${u.size})` : ''}`, 'import an .onnx file', ...folder])
    : ways([`${u.name && !u.downloadable ? `${u.name} is published only as a PyTorch checkpoint FaceRestore cannot convert: import an ONNX export of it` : 'Import an ONNX super-resolution model'} in Models below`, ...folder]);
  return new Refusal('MODELS_MISSING', `Upscaling needs an upscaler model. ${how}; or choose ×1.`);
}

/** Reads one model file (path inside the models store) as bytes. */
export async function readModel(store: ModelStore, relativePath: string): Promise<ModelSource> {
  return { label: basename(relativePath), location: await readStoredBytes(store, relativePath) };
}
