/**
 * The model catalog's typed loader. `models/catalog.json` (validated by `models/catalog.schema.json`) says, for each
 * model, where it comes from (URLs, size, SHA-256), where it is installed inside a models folder, and its I/O
 * contract. The engine configures itself from the contract: a restorer's normalisation, face size, alignment
 * template and border colour, a detector's decoder and pixel normalisation, an upsampler's scale. Hosts read the
 * JSON (the engine reads no files) and hand it to `parseCatalog`, which checks everything the engine relies on.
 */
import { ARCHITECTURES, type Architecture } from './convert/index';
import type { DetectorKind } from './detect/types';
import { DETECTOR_KINDS } from './detect/types';
import type { PixelSpec } from './detect/prepare';
import { RestoreError } from './errors';
import type { RestoreModelDescriptor } from './models';
import type { Landmarks5 } from './types';
import { is } from './validate';

export type ModelRole = 'detector' | 'restorer' | 'upsampler';
export const MODEL_ROLES: readonly ModelRole[] = ['detector', 'restorer', 'upsampler'];

/** One declared tensor. `null` dimensions are dynamic. */
export interface TensorSpec {
  readonly name: string;
  readonly type: 'float32' | 'float64';
  readonly shape: ReadonlyArray<number | null>;
}

export interface RestorerContract {
  readonly input: TensorSpec;
  readonly output: TensorSpec;
  /** A second, scalar input (CodeFormer's fidelity weight); the engine feeds the user's value, default `default`. */
  readonly weight?: TensorSpec & { readonly default: number };
  readonly colorOrder: 'RGB';
  /** Input normalisation: x/255 → (x − mean)/std. */
  readonly mean: number;
  readonly std: number;
  readonly outputRange: readonly [number, number];
  readonly faceSize: number;
  /** The 5-point alignment template in crop pixels. */
  readonly template: Landmarks5;
  /** Crop fill outside the photo, RGB 0..255. */
  readonly borderColor: readonly [number, number, number];
}

export interface DetectorContract {
  /** Which decoder reads the outputs. */
  readonly decoder: DetectorKind;
  readonly input: TensorSpec;
  /** Output names the decoder reads. */
  readonly outputs: readonly string[];
  readonly colorOrder: 'RGB' | 'BGR';
  /** value = (pixel − mean[c]) · scale, `mean` in the model's channel order, pixels 0..255. */
  readonly mean: readonly [number, number, number];
  readonly scale: number;
}

export interface UpsamplerContract {
  readonly input: TensorSpec;
  readonly output: TensorSpec;
  readonly colorOrder: 'RGB';
  readonly inputRange: readonly [number, number];
  /** The network's own scale factor. */
  readonly scale: number;
}

export interface ModelSourceUrl {
  readonly url: string;
  /** `onnx` sources are downloaded as they are; `pth` checkpoints are converted to ONNX after download. */
  readonly format: 'onnx' | 'pth';
  /** The network a `pth` checkpoint holds; only these are converted (others stay "import an ONNX export"). */
  readonly arch?: Architecture;
  /** SHA-256 and size of the checkpoint itself, when its publisher gives them (an `onnx` source uses the entry's). */
  readonly sha256?: string;
  readonly size?: number;
}

/** Whether the manager can install from this source: ONNX as it is, or a checkpoint of a network it converts. */
export const installable = (s: ModelSourceUrl): boolean => s.format === 'onnx' || s.arch !== undefined;

interface EntryBase {
  readonly id: string;
  readonly name: string;
  readonly licence: string;
  readonly description?: string;
  /** Install path inside a models folder, e.g. `restore/gfpgan-v1.4.onnx`. */
  readonly file: string;
  /** Other paths (publishers' names) accepted as this model when found in a models folder. */
  readonly aliases: readonly string[];
  readonly sources: readonly ModelSourceUrl[];
  /** Bytes of the ONNX file; `sizeExact` false when the publisher gives a rounded figure. */
  readonly size: number | null;
  readonly sizeExact: boolean;
  /** Lower-case hex SHA-256 of the ONNX file when published, else null. */
  readonly sha256: string | null;
  /** Offered as the role's default choice. */
  readonly isDefault: boolean;
  /** Never offered by default (licence terms), still usable when chosen. */
  readonly restricted: boolean;
}

export type CatalogEntry =
  | (EntryBase & { readonly role: 'restorer'; readonly contract: RestorerContract })
  | (EntryBase & { readonly role: 'detector'; readonly contract: DetectorContract })
  | (EntryBase & { readonly role: 'upsampler'; readonly contract: UpsamplerContract });

export interface Catalog {
  readonly version: 1;
  readonly models: readonly CatalogEntry[];
}

const SHA256 = /^[0-9a-f]{64}$/;
const ID = /^[a-z0-9][a-z0-9.+-]*$/;
/** Relative, forward slashes, no `..`, ends in .onnx: an install path can never leave the models folder. */
const FILE = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*\.onnx$/;

/** Thrown for a catalog that breaks the schema: names the entry and the field. */
function bad(where: string, what: string, value: unknown): never {
  throw new RestoreError('INVALID_CATALOG', `Model catalog: ${where} must be ${what}; found ${JSON.stringify(value)}`);
}

function str(where: string, value: unknown, pattern?: RegExp): string {
  if (!is.string(value) || value.length === 0 || (pattern && !pattern.test(value))) bad(where, pattern ? `a string matching ${pattern}` : 'a non-empty string', value);
  return value;
}

function num(where: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (!is.number(value) || value < min || value > max) bad(where, `a number in [${min}, ${max}]`, value);
  return value;
}

function tuple(where: string, value: unknown, length: number): number[] {
  if (!Array.isArray(value) || value.length !== length) bad(where, `an array of ${length} numbers`, value);
  return (value as unknown[]).map((v, i) => num(`${where}[${i}]`, v));
}

function obj(where: string, value: unknown): Record<string, unknown> {
  if (!is.plainObject(value)) bad(where, 'an object', value);
  return value;
}

function tensor(where: string, value: unknown): TensorSpec {
  const t = obj(where, value);
  const type = t.type;
  if (type !== 'float32' && type !== 'float64') bad(`${where}.type`, '"float32" or "float64"', type);
  if (!Array.isArray(t.shape)) bad(`${where}.shape`, 'an array', t.shape);
  const shape = (t.shape as unknown[]).map((d, i) => (d === null ? null : num(`${where}.shape[${i}]`, d, 1)));
  return { name: str(`${where}.name`, t.name), type, shape };
}

function restorerContract(where: string, c: Record<string, unknown>): RestorerContract {
  const faceSize = num(`${where}.faceSize`, c.faceSize, 16, 4096);
  if (!Array.isArray(c.template) || c.template.length !== 5) bad(`${where}.template`, 'an array of 5 [x, y] points', c.template);
  const template = (c.template as unknown[]).map((p, i) => tuple(`${where}.template[${i}]`, p, 2));
  const out: RestorerContract = {
    input: tensor(`${where}.input`, c.input),
    output: tensor(`${where}.output`, c.output),
    colorOrder: c.colorOrder === 'RGB' ? 'RGB' : bad(`${where}.colorOrder`, '"RGB"', c.colorOrder),
    mean: num(`${where}.mean`, c.mean),
    std: num(`${where}.std`, c.std, Number.MIN_VALUE),
    outputRange: tuple(`${where}.outputRange`, c.outputRange, 2) as [number, number],
    faceSize,
    template: template as unknown as Landmarks5,
    borderColor: tuple(`${where}.borderColor`, c.borderColor, 3) as [number, number, number],
  };
  if (c.weight === undefined) return out;
  const w = obj(`${where}.weight`, c.weight);
  return { ...out, weight: { ...tensor(`${where}.weight`, w), default: num(`${where}.weight.default`, w.default, 0, 1) } };
}

function detectorContract(where: string, c: Record<string, unknown>): DetectorContract {
  if (!is.oneOf(c.decoder, DETECTOR_KINDS)) bad(`${where}.decoder`, `one of ${DETECTOR_KINDS.join(', ')}`, c.decoder);
  if (!Array.isArray(c.outputs) || c.outputs.length === 0) bad(`${where}.outputs`, 'a non-empty array of output names', c.outputs);
  return {
    decoder: c.decoder as DetectorKind,
    input: tensor(`${where}.input`, c.input),
    outputs: (c.outputs as unknown[]).map((o, i) => str(`${where}.outputs[${i}]`, o)),
    colorOrder: c.colorOrder === 'RGB' || c.colorOrder === 'BGR' ? c.colorOrder : bad(`${where}.colorOrder`, '"RGB" or "BGR"', c.colorOrder),
    mean: tuple(`${where}.mean`, c.mean, 3) as [number, number, number],
    scale: num(`${where}.scale`, c.scale, Number.MIN_VALUE),
  };
}

function upsamplerContract(where: string, c: Record<string, unknown>): UpsamplerContract {
  return {
    input: tensor(`${where}.input`, c.input),
    output: tensor(`${where}.output`, c.output),
    colorOrder: c.colorOrder === 'RGB' ? 'RGB' : bad(`${where}.colorOrder`, '"RGB"', c.colorOrder),
    inputRange: tuple(`${where}.inputRange`, c.inputRange, 2) as [number, number],
    scale: num(`${where}.scale`, c.scale, 2, 16),
  };
}

function parseEntry(value: unknown, index: number): CatalogEntry {
  const e = obj(`models[${index}]`, value);
  const id = str(`models[${index}].id`, e.id, ID);
  const where = `model "${id}"`;
  if (!is.oneOf(e.role, MODEL_ROLES)) bad(`${where}.role`, `one of ${MODEL_ROLES.join(', ')}`, e.role);
  if (!Array.isArray(e.sources)) bad(`${where}.sources`, 'an array', e.sources);
  const sources = (e.sources as unknown[]).map((s, i) => {
    const source = obj(`${where}.sources[${i}]`, s);
    // https only; plain http to this computer is allowed for local mirrors and tests (as downloads allow).
    const url = str(`${where}.sources[${i}].url`, source.url, /^(https:\/\/[^/\s]+|http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?)\/\S+$/);
    if (source.format !== 'onnx' && source.format !== 'pth') bad(`${where}.sources[${i}].format`, '"onnx" or "pth"', source.format);
    if (source.arch !== undefined && (source.format !== 'pth' || !is.oneOf(source.arch, ARCHITECTURES))) {
      bad(`${where}.sources[${i}].arch`, `on a pth source, one of ${ARCHITECTURES.join(', ')}`, source.arch);
    }
    if (source.sha256 !== undefined && !(is.string(source.sha256) && SHA256.test(source.sha256))) bad(`${where}.sources[${i}].sha256`, '64 lower-case hex digits', source.sha256);
    if (source.size !== undefined) num(`${where}.sources[${i}].size`, source.size, 1);
    return Object.freeze({ url, format: source.format, ...(source.arch !== undefined ? { arch: source.arch } : {}), ...(source.sha256 !== undefined ? { sha256: source.sha256 } : {}), ...(source.size !== undefined ? { size: source.size } : {}) }) as ModelSourceUrl;
  });
  if (e.sha256 !== null && !(is.string(e.sha256) && SHA256.test(e.sha256))) bad(`${where}.sha256`, 'null or 64 lower-case hex digits', e.sha256);
  if (e.size !== null) num(`${where}.size`, e.size, 1);
  for (const flag of ['default', 'restricted', 'sizeExact']) {
    if (e[flag] !== undefined && typeof e[flag] !== 'boolean') bad(`${where}.${flag}`, 'true or false', e[flag]);
  }
  const aliases = e.aliases === undefined ? [] : Array.isArray(e.aliases) ? e.aliases : bad(`${where}.aliases`, 'an array', e.aliases);
  const base: EntryBase = {
    id,
    name: str(`${where}.name`, e.name),
    licence: str(`${where}.licence`, e.licence),
    ...(e.description !== undefined ? { description: str(`${where}.description`, e.description) } : {}),
    file: str(`${where}.file`, e.file, FILE),
    aliases: aliases.map((a: unknown, i: number) => str(`${where}.aliases[${i}]`, a, FILE)),
    sources,
    size: e.size as number | null,
    sizeExact: e.sizeExact === true,
    sha256: e.sha256 as string | null,
    isDefault: e.default === true,
    restricted: e.restricted === true,
  };
  const contract = obj(`${where}.contract`, e.contract);
  if (e.role === 'restorer') return { ...base, role: 'restorer', contract: restorerContract(`${where}.contract`, contract) };
  if (e.role === 'detector') return { ...base, role: 'detector', contract: detectorContract(`${where}.contract`, contract) };
  return { ...base, role: 'upsampler', contract: upsamplerContract(`${where}.contract`, contract) };
}

/** Checks and types the catalog JSON. Throws INVALID_CATALOG naming the first bad field. */
export function parseCatalog(json: unknown): Catalog {
  const root = obj('the catalog', json);
  if (root.version !== 1) bad('version', '1', root.version);
  if (!Array.isArray(root.models)) bad('models', 'an array', root.models);
  const models = (root.models as unknown[]).map(parseEntry);
  const seen = new Map<string, string>();
  for (const m of models) {
    for (const path of [m.id, m.file, ...m.aliases].map((p, i) => (i === 0 ? `id:${p}` : `file:${p.toLowerCase()}`))) {
      if (seen.has(path)) bad(`model "${m.id}"`, `unique (${path} is also used by "${seen.get(path)}")`, path);
      seen.set(path, m.id);
    }
  }
  for (const role of MODEL_ROLES) {
    const defaults = models.filter((m) => m.role === role && m.isDefault);
    if (defaults.length > 1) bad(`"default" of the ${role} models`, 'true for at most one model', defaults.map((m) => m.id));
  }
  return Object.freeze({ version: 1, models: Object.freeze(models) });
}

/** The entry with `id`, or MODEL_NOT_FOUND listing the known ids. */
export function findEntry(catalog: Catalog, id: string): CatalogEntry {
  const entry = catalog.models.find((m) => m.id === id);
  if (!entry) {
    throw new RestoreError('MODEL_NOT_FOUND', `No model "${id}" in the catalog; known models: ${catalog.models.map((m) => m.id).join(', ')}`);
  }
  return entry;
}

export function entriesFor<R extends ModelRole>(catalog: Catalog, role: R): Array<Extract<CatalogEntry, { role: R }>> {
  return catalog.models.filter((m): m is Extract<CatalogEntry, { role: R }> => m.role === role);
}

/** The role's default entry (the one marked `default`, else the first one that is not restricted). */
export function defaultEntry<R extends ModelRole>(catalog: Catalog, role: R): Extract<CatalogEntry, { role: R }> | undefined {
  const all = entriesFor(catalog, role);
  return all.find((m) => m.isDefault) ?? all.find((m) => !m.restricted);
}

/** The restore stage's descriptor for a catalog restorer. */
export function restoreDescriptor(entry: Extract<CatalogEntry, { role: 'restorer' }>): RestoreModelDescriptor {
  const c = entry.contract;
  return Object.freeze({
    family: entry.name,
    faceSize: c.faceSize,
    template: c.template,
    borderColor: c.borderColor,
    mean: c.mean,
    std: c.std,
    outputRange: c.outputRange,
  });
}

/** The detector's input normalisation for a catalog detector. */
export function detectorPixels(entry: Extract<CatalogEntry, { role: 'detector' }>): PixelSpec {
  const c = entry.contract;
  return Object.freeze({ order: c.colorOrder === 'BGR' ? 'bgr' : 'rgb', mean: c.mean, scale: c.scale });
}
