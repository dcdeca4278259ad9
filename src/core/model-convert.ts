/**
 * Installs a catalog model from its publisher's PyTorch checkpoint: a verified, resumable download of the `.pth`
 * (download.ts), then the converter (convert/), then the same contract check as an import, and an atomic install of
 * the ONNX file. The checkpoint is deleted once the model is in place or refused; the install record keeps its URL and
 * SHA-256, the converter version and the options, which together determine the model's bytes (the converter is
 * deterministic). A cancel during the conversion keeps the verified checkpoint (with a note of where it came from) so
 * the next install converts it again instead of downloading hundreds of megabytes once more.
 */
import type { CatalogEntry, ModelSourceUrl } from './catalog';
import { readCheckpoint } from './convert/checkpoint';
import { convertStateDict, CONVERTER_VERSION } from './convert/index';
import { downloadVerified, type Downloaded, type DownloadOptions } from './download';
import { isAbortError, throwIfAborted, type AbortSignalLike } from './errors';
import { checkModelBytes } from './model-check';
import { hashStoredFile, readStoredBytes, type InstallRecord, type ModelHost } from './model-host';

/** Share of the overall progress given to the download; conversion and writing take the rest. */
const DOWNLOAD_SHARE = 0.85;

/** Store path of the downloaded checkpoint (resumable as `<path>.part` like any download). */
export const checkpointPath = (entry: CatalogEntry): string => `${entry.file}.pth`;

/** Store path of the note beside a checkpoint kept after a cancelled conversion. */
export const keptNotePath = (entry: CatalogEntry): string => `${checkpointPath(entry)}.json`;

interface KeptNote extends Downloaded {
  /** The catalog URL that was asked for (`url` is where the bytes finally came from). */
  readonly requested: string;
}

/**
 * The checkpoint a cancelled conversion kept, when it is still what `source` names and its bytes still hash to what
 * the download verified; otherwise undefined (and the next step downloads it again, replacing it).
 */
async function keptCheckpoint(host: ModelHost, entry: CatalogEntry, source: ModelSourceUrl, signal: AbortSignalLike | undefined): Promise<Downloaded | undefined> {
  const pth = checkpointPath(entry);
  let note: Partial<KeptNote> | undefined;
  try {
    note = JSON.parse((await host.store.readText(keptNotePath(entry))) ?? 'null') ?? undefined;
  } catch { /* unreadable: download again */ }
  if (!note || note.requested !== source.url || typeof note.url !== 'string' || typeof note.sha256 !== 'string' || typeof note.size !== 'number') return undefined;
  if ((source.sha256 && source.sha256.toLowerCase() !== note.sha256) || (await host.store.size(pth)) !== note.size) return undefined;
  const sha256 = await hashStoredFile(host, pth, { size: note.size, signal });
  return sha256 === note.sha256 ? { url: note.url, sha256, size: note.size } : undefined;
}

/** Downloads, converts and installs `entry` from `source` (a pth source with an arch). The caller holds the lock. */
export async function installFromCheckpoint(host: ModelHost, entry: CatalogEntry, source: ModelSourceUrl, options: DownloadOptions): Promise<InstallRecord> {
  const { store } = host;
  const { signal, onProgress } = options;
  const arch = source.arch!;
  const pth = checkpointPath(entry);
  const note = keptNotePath(entry);
  let got = await keptCheckpoint(host, entry, source, signal);
  if (got) {
    onProgress?.({ stage: 'download', done: got.size, total: got.size, fraction: DOWNLOAD_SHARE });
  } else {
    await store.remove(note); // from here on the file at `pth` is whatever this download makes
    got = await downloadVerified(
      host,
      { url: source.url, path: pth, sha256: source.sha256 ?? null, size: source.size ?? null, sizeExact: false, label: `${entry.name} (PyTorch checkpoint)` },
      { ...options, onProgress: onProgress && ((e) => onProgress({ ...e, fraction: e.fraction * DOWNLOAD_SHARE })) },
    );
  }
  let keep = false;
  try {
    throwIfAborted(signal);
    onProgress?.({ stage: 'convert', done: 0, total: 2, fraction: DOWNLOAD_SHARE });
    // The file's bytes are held by no variable, so they can be freed once read: peak ≈ 2× the checkpoint, not 3×.
    const { tensors } = readCheckpoint(await readStoredBytes(store, pth));
    throwIfAborted(signal);
    const { model } = convertStateDict(tensors, { arch });
    onProgress?.({ stage: 'convert', done: 1, total: 2, fraction: DOWNLOAD_SHARE + (1 - DOWNLOAD_SHARE) * 0.8 });
    checkModelBytes(model, entry.role, { label: `${entry.name} converted from ${got.url}`, entry });
    throwIfAborted(signal);
    const hash = host.sha256();
    hash.update(model);
    const sha256 = hash.digest();
    const writer = await store.open(`${entry.file}.part`, { append: false });
    try {
      await writer.write(model);
    } finally {
      await writer.close();
    }
    await store.remove(`${entry.file}.part.json`); // a stale resume note of an ONNX download must not describe this file
    await store.rename(`${entry.file}.part`, entry.file);
    onProgress?.({ stage: 'convert', done: 2, total: 2, fraction: 1 });
    return {
      id: entry.id, role: entry.role, file: entry.file, size: model.length, sha256, trust: 'converted', source: got.url,
      installedAt: new Date(host.clock.now()).toISOString(),
      converted: {
        checkpoint: { url: got.url, sha256: got.sha256, size: got.size, trust: source.sha256 ? 'published' : 'first-download' },
        arch, converter: CONVERTER_VERSION, weights: 'float32',
      },
    };
  } catch (error) {
    await store.remove(`${entry.file}.part`);
    keep = isAbortError(error);
    if (keep) await store.writeText(note, JSON.stringify({ requested: source.url, url: got.url, sha256: got.sha256, size: got.size } satisfies KeptNote));
    throw error;
  } finally {
    if (!keep) {
      await store.remove(pth); // converted or refused: the checkpoint is no longer needed
      await store.remove(note);
    }
  }
}
