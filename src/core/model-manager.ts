/**
 * The model manager every host shares: `createModelManager({catalog, host})` → list / status / pull / verify /
 * import / remove / resolve over one models folder. Catalog models install at their catalog path; imported models
 * of a role install as `<role folder>/<name>.onnx`. Beside every installed file sits `<file>.json`, its install
 * record (checksum and where it came from), which `verify` checks against. Downloads of one model are serialised:
 * in this process by sharing the promise, across processes by the store's lock.
 */
import { findEntry, installable, type Catalog, type CatalogEntry, type ModelRole } from './catalog';
import { downloadVerified, type DownloadOptions } from './download';
import { AbortError, RestoreError, throwIfAborted, type AbortSignalLike } from './errors';
import { checkModelBytes } from './model-check';
import { checkpointPath, installFromCheckpoint, keptNotePath } from './model-convert';
import { hashStoredFile, type InstallRecord, type ModelHost } from './model-host';
import type { ProgressCallback } from './progress';

/** Where each role's files live inside a models folder. */
export const ROLE_FOLDERS: Readonly<Record<ModelRole, string>> = Object.freeze({ restorer: 'restore', detector: 'detection', upsampler: 'upscale' });

export interface ModelStatus {
  readonly id: string;
  readonly role: ModelRole;
  readonly name: string;
  /** The catalog entry; absent for imported models the catalog does not know. */
  readonly entry?: CatalogEntry;
  /** The installed file's store path (the catalog path, or a publisher's name found in the folder). */
  readonly file?: string;
  readonly size?: number;
  readonly record?: InstallRecord;
  /** Bytes of an interrupted download waiting to resume. */
  readonly partial?: number;
  /** True when `pull` can fetch it (it has an ONNX source). */
  readonly downloadable: boolean;
}

export interface VerifyResult {
  readonly id: string;
  readonly file: string;
  /** `ok`: matches; `mismatch`: differs (damaged or replaced); `unknown`: nothing to compare with (hand-placed file). */
  readonly state: 'ok' | 'mismatch' | 'unknown';
  readonly sha256: string;
  readonly expected?: string;
  /** What `expected` is: the publisher's checksum or the one recorded at install. */
  readonly basis?: 'published' | 'recorded';
}

export interface ImportOptions {
  /** A catalog id (checked against that model's contract) or a role (installed under the file's own name). */
  readonly as: string;
  /** The original file name or path, for the record and messages. */
  readonly source: string;
}

export interface ModelManager {
  readonly catalog: Catalog;
  readonly location: string;
  /** Every catalog model, plus imported models the catalog does not know, with what is installed. */
  list(): Promise<ModelStatus[]>;
  status(id: string): Promise<ModelStatus>;
  /** Downloads a catalog model unless it is installed already. */
  pull(id: string, options?: DownloadOptions): Promise<{ readonly status: 'downloaded' | 'present'; readonly record: InstallRecord }>;
  /** Re-hashes installed files: one model, or all. */
  verify(id?: string, options?: { readonly signal?: AbortSignalLike; readonly onProgress?: ProgressCallback }): Promise<VerifyResult[]>;
  /** Checks a model file's contract and installs a copy. */
  importModel(bytes: Uint8Array, options: ImportOptions): Promise<InstallRecord>;
  /** Deletes a model's file, record and any partial download; returns the paths removed. */
  remove(id: string): Promise<string[]>;
  /** The store path of the installed model `id`, or MODEL_NOT_FOUND saying how to get it. */
  resolve(id: string): Promise<string>;
}

const recordPath = (file: string): string => `${file}.json`;
const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

function parseRecord(text: string | undefined): InstallRecord | undefined {
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as InstallRecord;
    return typeof r.sha256 === 'string' && typeof r.file === 'string' && typeof r.id === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

export function createModelManager(config: { readonly catalog: Catalog; readonly host: ModelHost }): ModelManager {
  const { catalog, host } = config;
  const { store } = host;
  type Pulled = { status: 'downloaded' | 'present'; record: InstallRecord };
  /** Running pulls by id: later callers join the download and get its progress; their own cancel only detaches them. */
  const inflight = new Map<string, { promise: Promise<Pulled>; listeners: Set<ProgressCallback> }>();

  const installedFile = async (entry: CatalogEntry): Promise<{ file: string; size: number } | undefined> => {
    for (const file of [entry.file, ...entry.aliases]) {
      const size = await store.size(file);
      if (size !== undefined && size > 0) return { file, size };
    }
    return undefined;
  };

  const statusOf = async (entry: CatalogEntry): Promise<ModelStatus> => {
    const found = await installedFile(entry);
    const record = found ? parseRecord(await store.readText(recordPath(found.file))) : undefined;
    // A partial download, or a checkpoint kept by a cancelled conversion (the next pull converts it without downloading).
    const partial = (await store.size(`${entry.file}.part`)) ?? (await store.size(`${checkpointPath(entry)}.part`)) ?? (await store.size(checkpointPath(entry)));
    return {
      id: entry.id, role: entry.role, name: entry.name, entry,
      ...(found ? { file: found.file, size: found.size } : {}),
      ...(record ? { record } : {}),
      ...(partial ? { partial } : {}),
      downloadable: entry.sources.some(installable),
    };
  };

  /** Imported models the catalog does not know: records in the role folders with no catalog id. */
  const customModels = async (): Promise<ModelStatus[]> => {
    const out: ModelStatus[] = [];
    for (const [role, folder] of Object.entries(ROLE_FOLDERS) as Array<[ModelRole, string]>) {
      for (const name of (await store.list(folder)).filter((n) => n.endsWith('.onnx.json')).sort()) {
        const record = parseRecord(await store.readText(`${folder}/${name}`));
        if (!record || catalog.models.some((m) => m.id === record.id)) continue;
        const size = await store.size(record.file);
        if (size === undefined) continue;
        out.push({ id: record.id, role, name: basename(record.file), file: record.file, size, record, downloadable: false });
      }
    }
    return out;
  };

  const status = async (id: string): Promise<ModelStatus> => {
    const entry = catalog.models.find((m) => m.id === id);
    if (entry) return statusOf(entry);
    const custom = (await customModels()).find((m) => m.id === id);
    if (custom) return custom;
    return statusOf(findEntry(catalog, id)); // throws, listing the known ids
  };

  const writeRecord = async (record: InstallRecord): Promise<void> => {
    await store.writeText(recordPath(record.file), `${JSON.stringify(record, null, 2)}\n`);
  };

  const pullOnce = async (entry: CatalogEntry, options: DownloadOptions): Promise<{ status: 'downloaded' | 'present'; record: InstallRecord }> => {
    // The catalog lists sources preferred first: the first one the manager can install from wins.
    const source = entry.sources.find(installable);
    if (!source) {
      const pth = entry.sources.find((s) => s.format === 'pth');
      throw new RestoreError(
        'NO_DOWNLOAD',
        `${entry.name} is published ${pth ? `only as a PyTorch checkpoint FaceRestore cannot convert (${pth.url})` : 'nowhere FaceRestore can download from'}; ` +
          `import an ONNX export of it instead (as "${entry.id}")`,
      );
    }
    const release = await store.lock(entry.file, {
      signal: options.signal,
      onWait: (holder) => host.warn?.('DOWNLOAD_WAIT', `${entry.name} is being downloaded by ${holder}; waiting for it to finish`),
    });
    try {
      const current = await statusOf(entry);
      // Installed and recorded (by us or another process that held the lock): nothing to do.
      if (current.file && current.record && current.record.size === current.size) return { status: 'present', record: current.record };
      // Put there by hand (no record): adopt it when it is the published file rather than download it again.
      if (current.file && current.size !== undefined && entry.sha256 && !current.record) {
        const sha256 = await hashStoredFile(host, current.file, { size: current.size, signal: options.signal });
        if (sha256 === entry.sha256) {
          const record: InstallRecord = {
            id: entry.id, role: entry.role, file: current.file, size: current.size, sha256, trust: 'published',
            source: `file:${store.location}/${current.file}`, installedAt: new Date(host.clock.now()).toISOString(),
          };
          await writeRecord(record);
          return { status: 'present', record };
        }
      }
      if (source.format === 'pth') {
        const record = await installFromCheckpoint(host, entry, source, options);
        await writeRecord(record);
        if (!source.sha256) {
          host.warn?.('NO_PUBLISHED_CHECKSUM', `${entry.name}: its publisher gives no SHA-256 for the checkpoint; recorded ${record.converted?.checkpoint.sha256} from this first download, and the converted model's ${record.sha256} for later checks`);
        }
        return { status: 'downloaded', record };
      }
      const got = await downloadVerified(host, { url: source.url, path: entry.file, sha256: entry.sha256, size: entry.size, sizeExact: entry.sizeExact, label: entry.name }, options);
      const record: InstallRecord = {
        id: entry.id, role: entry.role, file: entry.file, size: got.size, sha256: got.sha256,
        trust: entry.sha256 ? 'published' : 'first-download', source: got.url, installedAt: new Date(host.clock.now()).toISOString(),
      };
      await writeRecord(record);
      if (!entry.sha256) {
        host.warn?.('NO_PUBLISHED_CHECKSUM', `${entry.name}: its publisher gives no SHA-256; recorded ${got.sha256} from this first download, and verify checks against it from now on`);
      }
      return { status: 'downloaded', record };
    } finally {
      await release();
    }
  };

  return {
    catalog,
    location: store.location,
    async list() {
      return [...(await Promise.all(catalog.models.map(statusOf))), ...(await customModels())];
    },
    status,
    pull(id, options = {}) {
      const entry = findEntry(catalog, id);
      const running = inflight.get(id);
      if (running) {
        const listener = options.onProgress;
        if (listener) running.listeners.add(listener);
        return detachable(running.promise, options.signal).finally(() => listener && running.listeners.delete(listener));
      }
      const listeners = new Set<ProgressCallback>(options.onProgress ? [options.onProgress] : []);
      const onProgress: ProgressCallback = (event) => listeners.forEach((l) => l(event));
      const promise = pullOnce(entry, { ...options, onProgress }).finally(() => inflight.delete(id));
      inflight.set(id, { promise, listeners });
      return promise;
    },
    async verify(id, options = {}) {
      const targets = id === undefined ? (await this.list()).filter((m) => m.file) : [await status(id)];
      const results: VerifyResult[] = [];
      for (const m of targets) {
        if (!m.file || m.size === undefined) {
          throw new RestoreError('MODEL_NOT_FOUND', `${m.name} is not installed in ${store.location}; nothing to verify`);
        }
        const sha256 = await hashStoredFile(host, m.file, { size: m.size, signal: options.signal, onProgress: options.onProgress });
        // The entry's checksum is the published ONNX file's: it says nothing of an import or of our own conversion.
        const published = m.entry?.sha256 && (!m.record || m.record.trust === 'published' || m.record.trust === 'first-download') ? m.entry.sha256 : undefined;
        const expected = published ?? m.record?.sha256;
        const basis = published ? 'published' : 'recorded';
        results.push({
          id: m.id, file: m.file, sha256, state: !expected ? 'unknown' : expected === sha256 ? 'ok' : 'mismatch',
          ...(expected ? { expected, basis } : {}),
        });
      }
      return results;
    },
    async importModel(bytes, options) {
      const { as, source } = options;
      const fileName = basename(source.replace(/\\/g, '/'));
      const byRole = (Object.keys(ROLE_FOLDERS) as ModelRole[]).includes(as as ModelRole) ? (as as ModelRole) : undefined;
      const stem = fileName.replace(/\.onnx$/i, '');
      // A role import whose file name is a catalog id (realesr-general-x4v3.onnx) or one of a catalog model's file
      // names (yunet-2023mar-640.onnx, face_detection_yunet_2023mar.onnx) becomes that catalog model.
      const named = (m: CatalogEntry): boolean =>
        m.id === stem.toLowerCase() || [m.file, ...m.aliases].some((f) => basename(f).toLowerCase() === fileName.toLowerCase());
      const entry = byRole ? catalog.models.find((m) => m.role === byRole && named(m)) : findEntry(catalog, as);
      const role = entry?.role ?? (byRole as ModelRole);
      checkModelBytes(bytes, role, { label: fileName, ...(entry ? { entry } : {}) });
      const safe = stem.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[-.]+/, '') || 'model';
      const file = entry ? entry.file : `${ROLE_FOLDERS[role]}/${safe}.onnx`;
      const id = entry ? entry.id : safe.toLowerCase();
      const clash = catalog.models.find((m) => m.id === id || m.file === file);
      if (!entry && clash) throw new RestoreError('INVALID_OPTION', `${fileName} would replace catalog model "${clash.id}"; import it as "${clash.id}" or rename it`);
      const hash = host.sha256();
      hash.update(bytes);
      const sha256 = hash.digest();
      const writer = await store.open(`${file}.part`, { append: false });
      try {
        await writer.write(bytes);
      } finally {
        await writer.close();
      }
      await store.rename(`${file}.part`, file);
      const published = entry?.sha256 === sha256;
      if (entry?.sha256 && !published) {
        host.warn?.('IMPORT_DIFFERS', `${fileName} is not the published ${entry.name} file (its SHA-256 differs); it is installed as ${entry.id} and verified against its own checksum`);
      }
      const record: InstallRecord = {
        id, role, file, size: bytes.length, sha256, trust: published ? 'published' : 'imported', source: `file:${source}`,
        installedAt: new Date(host.clock.now()).toISOString(),
      };
      await writeRecord(record);
      return record;
    },
    async remove(id) {
      const m = await status(id);
      const pth = m.entry && checkpointPath(m.entry);
      const paths = [m.file, m.file && recordPath(m.file), m.entry && `${m.entry.file}.part`, m.entry && `${m.entry.file}.part.json`, pth, m.entry && keptNotePath(m.entry), pth && `${pth}.part`, pth && `${pth}.part.json`]
        .filter((p): p is string => typeof p === 'string');
      const removed: string[] = [];
      for (const p of paths) {
        if ((await store.size(p)) !== undefined) {
          await store.remove(p);
          removed.push(p);
        }
      }
      if (removed.length === 0) throw new RestoreError('MODEL_NOT_FOUND', `${m.name} is not installed in ${store.location}; nothing to remove`);
      return removed;
    },
    async resolve(id) {
      const m = await status(id);
      if (m.file) return m.file;
      const how = m.downloadable ? 'download it' : `import an ONNX export of it as "${m.id}"`;
      throw new RestoreError('MODEL_NOT_FOUND', `${m.name} is not installed in ${store.location}; ${how}`);
    },
  };
}

/** `promise`, or an AbortError as soon as `signal` fires (the work behind `promise` goes on for its other callers). */
function detachable<T>(promise: Promise<T>, signal: AbortSignalLike | undefined): Promise<T> {
  if (!signal) return promise;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError('The download was cancelled', { cause: signal.reason }));
    signal.addEventListener?.('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener?.('abort', onAbort));
  });
}
