/**
 * The Models section of the panel (Photoshop) and the web page: lists every catalog model and every imported or hand-placed file with
 * its state, downloads catalog models (progress in the row, cancellable, resumable), imports an .onnx file the user
 * picks (its contract decides the role; a wrong file is refused saying what was expected and found), and removes
 * models. The engine's model manager does the work; this file turns it into panel state and plain-words status.
 * Hosts inject the model host (store, transport) and the file picker. In Photoshop, downloads run outside
 * `executeAsModal`: they touch no document, so restores go on meanwhile.
 */
import { installable, type Catalog, type CatalogEntry, type ModelRole } from '../../core/catalog';
import { AbortError, describeError, isAbortError, RestoreError } from '../../core/errors';
import type { DownloadOptions } from '../../core/download';
import { checkModelBytes } from '../../core/model-check';
import { readOnnxSignature } from '../../core/onnx-signature';
import type { InstallRecord, ModelHost } from '../../core/model-host';
import { createModelManager, type ModelManager, type ModelStatus } from '../../core/model-manager';
import type { PanelModel, PanelProgress, PanelState, PanelStatus } from '../../../ui/panel-controller';
import { createAbortSource, type AbortSource } from './abort-source';
import { downloadLabel, formatSize } from './model-format';
import { modelsMissing, type InstalledModel, type InstalledModels } from './installed-models';
import { Refusal } from './refusals';

/** A model file the user picked: its name, where it came from (a path, for the install record) and its bytes. */
export interface PickedFile {
  readonly name: string;
  readonly source: string;
  readonly bytes: Uint8Array;
}

export interface ModelsControllerDeps {
  readonly catalog: Catalog;
  /** The model host for the models store; `warn` collects its warnings for the status line. */
  readonly createHost: (warn: (code: string, message: string) => void) => ModelHost;
  /** Asks the user for an .onnx file and reads it; undefined when they chose none. */
  readonly pickFile: () => Promise<PickedFile | undefined>;
  /** Retry/timeout settings for downloads (tests shorten them). */
  readonly download?: Omit<DownloadOptions, 'signal' | 'onProgress'>;
  readonly getState: () => PanelState;
  readonly set: (patch: Partial<PanelState>) => void;
  /** Re-reads the models folder and refreshes the panel's choices after `changed` paths changed; returns what is installed now. */
  readonly reload: (changed: readonly string[]) => Promise<InstalledModels>;
  /** True while a restore or detection runs (removing then waits). */
  readonly isBusy: () => boolean;
}

export interface ModelsController {
  /** Creates the manager for the models store and lists the models. */
  start(installed: InstalledModels): Promise<void>;
  downloadModel(id: string): Promise<void>;
  cancelDownload(id: string): void;
  importModel(): Promise<void>;
  removeModel(id: string): Promise<void>;
  /** Refused while the role's model (or the catalog model `entryId`) is still downloading. */
  downloadingRefusal(role: ModelRole, entryId?: string): Refusal | undefined;
  /**
   * Why a restore cannot start for lack of models: the chosen model (catalog id `chosenEntryId`) or a missing role's
   * model is still downloading, or nothing is installed for a role (modelsMissing: which model, and how to get it).
   */
  missingRefusal(installed: InstalledModels, chosenEntryId?: string): Refusal | undefined;
  /** Stops every download. */
  dispose(): void;
}

const ROLE_ORDER: readonly ModelRole[] = ['restorer', 'detector', 'upsampler'];
const ROLE_WORDS: Record<ModelRole, string> = { restorer: 'restore model', detector: 'face detector', upsampler: 'upscaler' };
/** Rows for files that no install record or catalog entry names: their id is their path. */
const FILE_ID = 'file:';

const hostOf = (url: string): string => /^[a-z]+:\/\/([^/:?#]+)/i.exec(url)?.[1] ?? url;
const basename = (path: string): string => path.split(/[\\/]/).pop() ?? path;
const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

function trustWords(record: InstallRecord): string {
  if (record.trust === 'published') return `Checksum verified · ${record.source.startsWith('file:') ? `imported from ${basename(record.source.slice(5))}` : hostOf(record.source)}`;
  if (record.trust === 'first-download') return `From ${hostOf(record.source)} · no published checksum; recorded at download`;
  if (record.trust === 'converted') return `Converted here from the PyTorch checkpoint on ${hostOf(record.source)} · checksum recorded`;
  return `Imported from ${basename(record.source.replace(/^file:/, ''))}`;
}

function rowOf(s: ModelStatus, download: { progress?: PanelProgress } | undefined, canDownload: boolean): PanelModel {
  const entry = s.entry;
  const licence = entry ? ` · ${entry.licence}` : '';
  // Imported files the catalog does not know are named as the restore choices name them: the file name without .onnx.
  const name = entry ? s.name : s.name.replace(/\.onnx$/i, '');
  const base = { id: s.id, role: s.role, name, isDownloading: download !== undefined, canRemove: true };
  const progress = download?.progress ? { progress: download.progress } : {};
  if (s.file && s.size !== undefined && !download) {
    const how = s.record ? trustWords(s.record) : 'Found in the models folder (no install record)';
    return { ...base, sizeLabel: formatSize(s.size), state: 'installed', detail: `${how}${licence}`, ...progress };
  }
  const sizeLabel = entry?.size ? formatSize(entry.size) : '';
  if (!s.downloadable) {
    const pth = entry?.sources.some((x) => x.format === 'pth');
    const why = pth ? 'Published only as a PyTorch checkpoint FaceRestore cannot convert: import an ONNX export of it' : 'No download: import an ONNX export of it';
    return { ...base, sizeLabel, state: 'pth-only', detail: `${why}${licence}`, ...progress };
  }
  const source = entry?.sources.find(installable);
  const from = source ? hostOf(source.url) : '';
  if (s.partial && !download) {
    return { ...base, sizeLabel, state: 'partial', detail: `${formatSize(s.partial)} downloaded; Download resumes it · ${from}${licence}` };
  }
  const detail = canDownload ? `From ${from}${licence}` : `Downloads are unavailable here: import an .onnx file${licence}`;
  return { ...base, sizeLabel, state: 'missing', detail, ...progress };
}

/**
 * Which role a file's contract fits, trying restore model, face detector, upscaler; else why it fits none. A graph
 * whose image size is free (height and width dynamic) fits the restorer check too, but restorers are exported at
 * their fixed face size and super-resolution networks with free sizes: such a file is an upscaler when it fits one.
 */
function roleOfBytes(bytes: Uint8Array, label: string): { role: ModelRole } | { refusal: string } {
  let first: string | undefined;
  const fits: ModelRole[] = [];
  for (const role of ROLE_ORDER) {
    try {
      checkModelBytes(bytes, role, { label });
      fits.push(role);
    } catch (error) {
      const message = describeError(error);
      if (error instanceof RestoreError && error.code === 'MODEL_LOAD_FAILED') {
        return { refusal: `${sentence(message)} Choose an .onnx restore model, face detector or upscaler` };
      }
      first ??= message;
    }
  }
  if (fits.includes('restorer') && fits.includes('upsampler') && hasFreeImageSize(bytes)) return { role: 'upsampler' };
  if (fits.length > 0) return { role: fits[0] };
  return { refusal: `${sentence(first ?? label)} It fits no face detector or upscaler either` };
}

/** True when the first input's height and width (NCHW) are declared dynamic. */
function hasFreeImageSize(bytes: Uint8Array): boolean {
  const shape = readOnnxSignature(bytes)?.inputs[0]?.shape;
  return shape !== undefined && shape.length === 4 && [shape[2], shape[3]].every((d) => typeof d !== 'number' || d < 0);
}

/** The catalog model a picked file is, by its file name (the catalog's path or a publisher's name). */
function catalogIdFor(catalog: Catalog, role: ModelRole, fileName: string): string | undefined {
  const name = fileName.toLowerCase();
  const hit = catalog.models.find((m) => m.role === role && [m.file, ...m.aliases].some((p) => basename(p).toLowerCase() === name));
  return hit?.id;
}

export function createModelsController(deps: ModelsControllerDeps): ModelsController {
  const { catalog } = deps;
  const downloads = new Map<string, { abort: AbortSource; entry: CatalogEntry; progress?: PanelProgress }>();
  const warnings: Array<{ code: string; message: string }> = [];
  let manager: ModelManager | undefined;
  let host: ModelHost | undefined;
  let installed: InstalledModels | undefined;
  let statuses: ModelStatus[] = [];
  let rows: PanelModel[] = [];
  /** Installed files no install record or catalog entry names (put there by hand), with their sizes. */
  let loose: Array<{ path: string; label: string; role: ModelRole; size?: number }> = [];
  let canDownload = false;

  const status = (kind: PanelStatus['kind'], text: string): void => deps.set({ status: { kind, text } });
  /** The host's warnings since the last call, as sentences to append to a status (the codes in `except` left out). */
  const takeWarnings = (except: readonly string[] = []): string => {
    const texts = warnings.splice(0).filter((w) => !except.includes(w.code)).map((w) => sentence(w.message));
    return texts.length ? ` ${texts.join(' ')}` : '';
  };

  /** Rows from the last listing plus the live download state. */
  const publish = (): void => {
    rows = statuses.map((s) => rowOf(s, downloads.get(s.id), canDownload));
    for (const m of loose) {
      const sizeLabel = m.size === undefined ? '' : formatSize(m.size);
      rows.push({ id: `${FILE_ID}${m.path}`, role: m.role, name: m.label, sizeLabel, state: 'installed', detail: 'Put into the models folder by hand', isDownloading: false, canRemove: true });
    }
    rows.sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role));
    deps.set({ catalogModels: rows });
  };

  const relist = async (): Promise<void> => {
    if (!manager || !host) return;
    statuses = await manager.list();
    const known = new Set(statuses.flatMap((s) => (s.file ? [s.file] : [])));
    const byRole: Array<[ModelRole, readonly InstalledModel[]]> = [['restorer', installed?.restore ?? []], ['detector', installed?.detectors ?? []], ['upsampler', installed?.upscale ?? []]];
    loose = [];
    for (const [role, models] of byRole) {
      for (const m of models.filter((x) => !x.entry && !known.has(x.path))) loose.push({ path: m.path, label: m.label, role, size: await host.store.size(m.path) });
    }
    publish();
  };

  /** After a change on disk (of `changed` paths): the choices above and the rows here. */
  const refresh = async (changed: readonly string[] = []): Promise<void> => {
    installed = await deps.reload(changed);
    await relist();
  };

  function downloadingRefusal(role: ModelRole, entryId?: string): Refusal | undefined {
    for (const [id, d] of downloads) {
      if (entryId !== undefined ? id !== entryId : d.entry.role !== role) continue;
      const percent = Math.floor((d.progress?.fraction ?? 0) * 100);
      return new Refusal('MODELS_MISSING', `${d.entry.name} is still downloading (${percent}%). Restore when it has finished, or cancel the download in Models below.`);
    }
    return undefined;
  }

  const nameOf = (id: string): string => rows.find((r) => r.id === id)?.name ?? id.replace(FILE_ID, '');

  return {
    async start(found) {
      installed = found;
      host = deps.createHost((code, message) => warnings.push({ code, message }));
      canDownload = host.transport !== undefined;
      manager = createModelManager({ catalog, host });
      await relist();
    },

    async downloadModel(id) {
      const entry = catalog.models.find((m) => m.id === id);
      if (!manager || !entry || downloads.has(id)) return;
      const abort = createAbortSource(() => new AbortError('The download was cancelled'));
      const download: { abort: AbortSource; entry: CatalogEntry; progress?: PanelProgress } = { abort, entry };
      downloads.set(id, download);
      publish();
      try {
        const result = await manager.pull(id, {
          ...deps.download,
          signal: abort.signal,
          onProgress: (event) => {
            if (!downloads.has(id)) return;
            download.progress = { fraction: event.fraction, label: downloadLabel(event) };
            publish();
          },
        });
        downloads.delete(id);
        await refresh(result.status === 'downloaded' ? [result.record.file] : []);
        const how = result.record.trust === 'published' ? 'checksum verified'
          : result.record.trust === 'converted' ? 'converted here from its PyTorch checkpoint; the result’s checksum is recorded for later checks'
            : 'its publisher gives no checksum; this download’s is recorded for later checks';
        status('success', result.status === 'present'
          ? `${entry.name} is already installed.`
          : `${entry.name} is installed (${formatSize(result.record.size)}, ${how}).${takeWarnings(['NO_PUBLISHED_CHECKSUM'])}`);
      } catch (error) {
        downloads.delete(id);
        takeWarnings();
        await refresh().catch(() => undefined);
        if (isAbortError(error)) {
          const kept = statuses.find((s) => s.id === id)?.partial;
          status('info', `Download of ${entry.name} cancelled.${kept ? ` ${formatSize(kept)} are kept: Download resumes from there.` : ''}`);
        } else {
          status('error', sentence(describeError(error)));
        }
      }
    },

    cancelDownload(id) {
      downloads.get(id)?.abort.abort();
    },

    async importModel() {
      if (!manager || deps.getState().isImporting) return;
      deps.set({ isImporting: true });
      try {
        const file = await deps.pickFile();
        if (!file) {
          status('info', 'Nothing imported: no file was chosen.');
          return;
        }
        const { bytes } = file;
        const fit = roleOfBytes(bytes, file.name);
        if ('refusal' in fit) {
          status('error', `Not imported: ${sentence(fit.refusal)}`);
          return;
        }
        const as = catalogIdFor(catalog, fit.role, file.name) ?? fit.role;
        const record = await manager.importModel(bytes, { as, source: file.source || file.name });
        await refresh([record.file]);
        status('success', `Imported ${file.name} as the ${ROLE_WORDS[fit.role]} “${nameOf(record.id)}”.${takeWarnings()}`);
      } catch (error) {
        status('error', `Not imported: ${sentence(describeError(error))}`);
      } finally {
        deps.set({ isImporting: false });
      }
    },

    async removeModel(id) {
      if (!manager) return;
      const name = nameOf(id);
      if (downloads.has(id)) {
        status('error', `${name} is downloading: cancel the download first.`);
        return;
      }
      if (deps.isBusy()) {
        status('error', `${name} cannot be removed while a restore runs. Try again when it has finished.`);
        return;
      }
      try {
        let removed = [id.slice(FILE_ID.length)];
        if (id.startsWith(FILE_ID)) await host!.store.remove(removed[0]);
        else removed = await manager.remove(id);
        await refresh(removed);
        status('info', `${name} was removed from ${manager.location}.`);
      } catch (error) {
        await refresh().catch(() => undefined);
        status('error', `${name} was not removed: ${sentence(describeError(error))}`);
      }
    },

    downloadingRefusal: downloadingRefusal,

    missingRefusal(found, chosenEntryId) {
      return (chosenEntryId !== undefined ? downloadingRefusal('restorer', chosenEntryId) : undefined)
        ?? (found.restore.length === 0 ? downloadingRefusal('restorer') : undefined)
        ?? (found.detectors.length === 0 ? downloadingRefusal('detector') : undefined)
        ?? modelsMissing(found, catalog, canDownload);
    },

    dispose() {
      for (const d of downloads.values()) d.abort.abort();
    },
  };
}
