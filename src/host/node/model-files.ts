/**
 * Where the CLI finds model files: `--model`/`--detector-model`/`--bg-upsampler <file>` if given, else the catalog
 * model's install path or one of its aliases (the publishers' names, so a downloaded file works without renaming)
 * inside the models directory (`--models-dir`, then FACERESTORE_MODELS, then the XDG cache). A missing model is
 * named, with the command that installs it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findEntry, installable, type Catalog, type CatalogEntry } from '../../core/catalog';
import type { DetectorKind } from '../../core/detect/types';
import { RestoreError } from '../../core/errors';
import { loadCatalog } from './catalog-file';

export const GFPGAN_VERSIONS = ['1.2', '1.3', '1.4'] as const;
export type GfpganVersion = (typeof GFPGAN_VERSIONS)[number];

/** Names `--bg-upsampler` knows: catalog ids, and `realesrgan` (GFPGAN's value) for the first of REALESRGAN_ORDER installed. */
export const UPSAMPLER_NAMES = ['realesrgan', 'realesr-general-x4v3', 'realesr-animevideov3-x4', 'realesrgan-x2plus', 'realesrgan-x4plus'] as const;
/** The catalog ids `--bg-upsampler realesrgan` takes, first installed (or, with --server, first served) wins. */
export const REALESRGAN_ORDER: readonly string[] = ['realesrgan-x2plus', 'realesr-general-x4v3', 'realesrgan-x4plus'];

export type RestorerEntry = Extract<CatalogEntry, { role: 'restorer' }>;
export type DetectorEntry = Extract<CatalogEntry, { role: 'detector' }>;

/** The models directory in effect and how it was chosen (for messages). */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): { dir: string; from: string } {
  if (env.FACERESTORE_MODELS) return { dir: path.resolve(env.FACERESTORE_MODELS), from: 'FACERESTORE_MODELS' };
  const cache = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return { dir: path.join(cache, 'facerestore', 'models'), from: 'the default cache folder' };
}

/** `--models-dir` if given, else the default. */
export function modelsDirFor(modelsDir: string | undefined, env: NodeJS.ProcessEnv = process.env): { dir: string; from: string } {
  return modelsDir ? { dir: path.resolve(modelsDir), from: '--models-dir' } : defaultModelsDir(env);
}

/** "324 MB", "4.6 MB", "0.2 MB". */
export function formatMB(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.floor(mb) : mb.toFixed(1)} MB`;
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

/** The installed file of `entry` in `dir` (its catalog path, then its aliases), or undefined. */
export function installedFile(dir: string, entry: CatalogEntry): string | undefined {
  for (const name of [entry.file, ...entry.aliases]) {
    const file = path.join(dir, ...name.split('/'));
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(file, { throwIfNoEntry: false });
    } catch {
      continue; // ENOTDIR and the like: not there
    }
    // An empty file is no model (as the manager sees it): the message then says how to install it.
    if (stat?.isFile() && stat.size > 0) return file;
  }
  return undefined;
}

/** How to get `entry`: the pull command, or the import command when it cannot be downloaded. */
export function howToInstall(entry: CatalogEntry): string {
  if (entry.sources.some(installable)) {
    return `Run \`facerestore models pull ${entry.id}\`${entry.size ? ` (${formatMB(entry.size)} download)` : ''}`;
  }
  const pth = entry.sources.find((s) => s.format === 'pth');
  const where = pth ? `It is published only as a PyTorch checkpoint FaceRestore cannot convert (${pth.url})` : `FaceRestore cannot download it (${entry.licence})`;
  return `${where}; import an ONNX export with \`facerestore models import <file> --as ${entry.id}\``;
}

function notInstalled(entry: CatalogEntry, dir: string, from: string, flag: string): RestoreError {
  return new RestoreError('MODEL_NOT_FOUND', `${entry.name} is not installed in ${dir} (${from}). ${howToInstall(entry)} or pass ${flag} <file>`);
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
  /** The catalog entry describing the restorer (for `--model`, the `-v` version's), when the catalog has it. */
  readonly restorerEntry?: RestorerEntry;
  readonly detector: string;
  /** The catalog entry of the detector's decoder, when the catalog has one. */
  readonly detectorEntry?: DetectorEntry;
  /** The background upsampler's file, when one was asked for. */
  readonly upsampler?: string;
}

function resolveRestorer(catalog: Catalog, choice: ModelChoice, dir: string, from: string): { file: string; entry?: RestorerEntry } {
  const id = `gfpgan-${choice.version}`;
  const known = catalog.models.find((m): m is RestorerEntry => m.id === id && m.role === 'restorer');
  if (choice.model) return { file: requireFile(choice.model, 'The --model'), ...(known ? { entry: known } : {}) };
  const entry = known ?? findEntry(catalog, id); // throws, listing the catalog's models
  if (entry.role !== 'restorer') throw new RestoreError('INVALID_CATALOG', `The catalog's "${id}" is a ${entry.role}, not a restorer`);
  const file = installedFile(dir, entry);
  if (!file) throw notInstalled(entry, dir, from, '--model');
  return { file, entry };
}

function resolveDetector(catalog: Catalog, choice: ModelChoice, dir: string, from: string): { file: string; entry?: DetectorEntry } {
  const candidates = catalog.models
    .filter((m): m is DetectorEntry => m.role === 'detector' && m.contract.decoder === choice.detector)
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  if (choice.detectorModel) return { file: requireFile(choice.detectorModel, 'The --detector-model'), ...(candidates[0] ? { entry: candidates[0] } : {}) };
  if (candidates.length === 0) {
    throw new RestoreError('MODEL_NOT_FOUND', `The model catalog has no ${choice.detector} detector; pass its file with --detector-model`);
  }
  for (const entry of candidates) {
    const file = installedFile(dir, entry);
    if (file) return { file, entry };
  }
  throw notInstalled(candidates[0], dir, from, '--detector-model');
}

function resolveUpsampler(catalog: Catalog, name: string, dir: string, from: string): string {
  if (!(UPSAMPLER_NAMES as readonly string[]).includes(name)) return requireFile(name, 'The --bg-upsampler');
  const ids = name === 'realesrgan' ? REALESRGAN_ORDER : [name];
  const entries = ids.map((id) => findEntry(catalog, id));
  for (const entry of entries) {
    const file = installedFile(dir, entry);
    if (file) return file;
  }
  if (entries.length === 1) throw notInstalled(entries[0], dir, from, '--bg-upsampler');
  throw new RestoreError(
    'MODEL_NOT_FOUND',
    `No Real-ESRGAN background upsampler is installed in ${dir} (${from}); realesrgan takes the first installed of ${ids.join(', ')}. ` +
      `${howToInstall(entries[0])} (or another of them) or pass --bg-upsampler <file.onnx>`,
  );
}

/** Resolves the model files, or throws MODEL_NOT_FOUND naming the missing model and how to install it. */
export function resolveModelFiles(
  choice: ModelChoice,
  needDetector: boolean,
  env: NodeJS.ProcessEnv = process.env,
  catalog: Catalog = loadCatalog(env),
): ResolvedModels {
  const { dir, from } = modelsDirFor(choice.modelsDir, env);
  const restorer = resolveRestorer(catalog, choice, dir, from);
  const detector = needDetector ? resolveDetector(catalog, choice, dir, from) : undefined;
  const upsampler = choice.upsampler !== undefined ? resolveUpsampler(catalog, choice.upsampler, dir, from) : undefined;
  return {
    restorer: restorer.file,
    ...(restorer.entry ? { restorerEntry: restorer.entry } : {}),
    detector: detector?.file ?? '',
    ...(detector?.entry ? { detectorEntry: detector.entry } : {}),
    ...(upsampler ? { upsampler } : {}),
  };
}
