/**
 * The model manager's file store (src/core/model-host.ts `ModelStore`) over UXP's Node-style `fs`, rooted at the
 * plugin's data folder (`plugin-data:/models`). Every call is one documented fs call (ps-api.ts `UxpFs` cites each);
 * the policy — resume, checksums, atomic installs — stays in the engine's manager.
 *
 * The lock is in-process only: UXP runs one instance of a plugin, and `plugin-data:` belongs to this plugin alone,
 * so no other process writes these files.
 */
import { AbortError, RestoreError, type AbortSignalLike } from '../../core/errors';
import type { FileWriter, ModelStore } from '../../core/model-host';
import type { PickedFile } from '../panel/models-controller';
import type { PsModules, UxpFile, UxpFs } from './ps-api';
import { decodeUtf8, encodeUtf8 } from '../../core/utf8';

/** The models folder inside the plugin's data folder. */
export const MODELS_URL = 'plugin-data:/models';

/** Bytes read per `fs.read` call while hashing or resuming. */
const READ_CHUNK = 4 * 1024 * 1024;

function isDiskFull(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  // libuv's code (fs.md note 3); whether UXP puts it on `code` or only in the message is UNVERIFIED, so look at both.
  return e?.code === 'ENOSPC' || (typeof e?.message === 'string' && /ENOSPC|no space left/i.test(e.message));
}

function diskFull(path: string, error: unknown): RestoreError {
  return new RestoreError('DISK_FULL', `The disk is full: writing ${path} failed`, { cause: error });
}

/** The part of a path before its last slash ('' for a top-level name). */
function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

/** An ArrayBuffer view of exactly `bytes`, as fs.write takes (ArrayBuffer + offset + length). */
function bufferOf(bytes: Uint8Array): { buffer: ArrayBuffer; offset: number } {
  return { buffer: bytes.buffer as ArrayBuffer, offset: bytes.byteOffset };
}

export interface UxpModelStoreOptions {
  readonly fs: UxpFs;
  /** The folder as the user finds it on disk (the data folder's native path + "/models"), for messages. */
  readonly location: string;
  /** The store's root URL; default `plugin-data:/models`. */
  readonly root?: string;
}

/**
 * A ModelStore over `fs`. Paths are relative to `root` with forward slashes.
 * @example
 * const store = createUxpModelStore({ fs: ps.fs, location: `${dataFolder.nativePath}/models` });
 */
export function createUxpModelStore(options: UxpModelStoreOptions): ModelStore {
  const { fs, location } = options;
  const root = options.root ?? MODELS_URL;
  const url = (path: string): string => (path === '' ? root : `${root}/${path}`);
  const ensureFolder = async (path: string): Promise<void> => {
    await fs.mkdir(url(parentOf(path)), { recursive: true }).catch(() => undefined); // exists already: fine
  };
  const locks = new Map<string, Promise<void>>();

  const size = async (path: string): Promise<number | undefined> => {
    try {
      const stats = await fs.lstat(url(path));
      return stats.isFile() ? stats.size : undefined;
    } catch {
      return undefined; // ENOENT (or unreadable): no file
    }
  };

  const remove = async (path: string): Promise<void> => {
    try {
      await fs.unlink(url(path));
    } catch (error) {
      if ((await size(path)) !== undefined) throw error; // it is still there: a real failure
    }
  };

  /** fs.rename; where the target exists and the platform refuses to replace it (UNVERIFIED), delete it first. */
  const rename = async (from: string, to: string): Promise<void> => {
    await ensureFolder(to);
    try {
      await fs.rename(url(from), url(to));
    } catch (error) {
      if ((await size(to)) === undefined || (await size(from)) === undefined) throw error;
      await fs.unlink(url(to));
      await fs.rename(url(from), url(to));
    }
  };

  const open = async (path: string, opts: { readonly append: boolean }): Promise<FileWriter> => {
    await ensureFolder(path);
    // Flags as Node's (fs.md open): "a" appends, "w" truncates. Writes at position −1 go to the current position,
    // which for "a" is the end of the file. UNVERIFIED in Photoshop: documented per call, not tried together.
    let fd: number | undefined;
    try {
      fd = await fs.open(url(path), opts.append ? 'a' : 'w');
    } catch (error) {
      throw isDiskFull(error) ? diskFull(path, error) : error;
    }
    let closing: Promise<void> | undefined;
    return {
      async write(bytes) {
        if (fd === undefined || closing) throw new RestoreError('HOST_FAILURE', `${path} is closed`);
        const { buffer, offset } = bufferOf(bytes);
        for (let done = 0; done < bytes.length;) {
          let written: number;
          try {
            ({ bytesWritten: written } = await fs.write(fd, buffer, offset + done, bytes.length - done, -1));
          } catch (error) {
            throw isDiskFull(error) ? diskFull(path, error) : error;
          }
          if (!(written > 0)) throw diskFull(path, new Error(`fs.write wrote ${written} bytes`));
          done += written;
        }
      },
      close() {
        closing ??= (async () => {
          const open = fd;
          fd = undefined;
          if (open !== undefined) await fs.close(open);
        })();
        return closing;
      },
    };
  };

  return {
    location,
    size,
    async *read(path, start = 0) {
      const fd = await fs.open(url(path), 'r');
      try {
        for (let position = start; ;) {
          const buffer = new ArrayBuffer(READ_CHUNK);
          const { bytesRead } = await fs.read(fd, buffer, 0, READ_CHUNK, position);
          if (!(bytesRead > 0)) return;
          position += bytesRead;
          yield new Uint8Array(buffer, 0, bytesRead);
        }
      } finally {
        await fs.close(fd);
      }
    },
    async readText(path) {
      try {
        return decodeUtf8(new Uint8Array(await fs.readFile(url(path))));
      } catch {
        return undefined;
      }
    },
    async writeText(path, text) {
      await ensureFolder(path);
      const temporary = `${path}.tmp`;
      try {
        await fs.writeFile(url(temporary), encodeUtf8(text));
      } catch (error) {
        throw isDiskFull(error) ? diskFull(path, error) : error;
      }
      await rename(temporary, path);
    },
    open,
    rename,
    remove,
    async list(folder) {
      try {
        return await fs.readdir(url(folder));
      } catch {
        return [];
      }
    },
    async lock(name, opts) {
      const previous = locks.get(name);
      let release!: () => void;
      const mine = new Promise<void>((resolve) => { release = resolve; });
      const chain = (previous ?? Promise.resolve()).then(() => mine);
      locks.set(name, chain);
      const releaseOnce = async (): Promise<void> => {
        release();
        if (locks.get(name) === chain) locks.delete(name);
      };
      if (previous) {
        opts.onWait?.('another download in this panel');
        try {
          await waitFor(previous, opts.signal);
        } catch (error) {
          await releaseOnce(); // our turn is given up; whoever queued behind us goes on after `previous`
          throw error;
        }
      }
      return releaseOnce;
    },
  };
}

/** Resolves when `promise` settles, or rejects with AbortError when `signal` fires first. */
function waitFor(promise: Promise<void>, signal: AbortSignalLike | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortError('Cancelled while waiting for another download'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError('Cancelled while waiting for another download'));
    signal?.addEventListener?.('abort', onAbort, { once: true });
    promise.then(() => {
      signal?.removeEventListener?.('abort', onAbort);
      resolve();
    }, () => resolve());
  });
}

/** The models folder on disk: the data folder's native path + `models`, in the platform's separator. */
export async function modelsFolder(ps: Pick<PsModules, 'uxp'>): Promise<string> {
  const data = (await ps.uxp.storage.localFileSystem.getDataFolder()).nativePath.replace(/[\\/]+$/, '');
  return `${data}${data.includes('\\') ? '\\' : '/'}models`;
}

/** The file picker for an .onnx model, read as bytes (DOCS uxp-api/reference-js/Modules/uxp/Persistent File Storage/FileSystemProvider getFileForOpening). */
export async function pickOnnxFile(ps: Pick<PsModules, 'uxp'>): Promise<PickedFile | undefined> {
  const picked = await ps.uxp.storage.localFileSystem.getFileForOpening({ types: ['onnx'], allowMultiple: false });
  const file: UxpFile | undefined = Array.isArray(picked) ? picked[0] : (picked ?? undefined);
  if (!file) return undefined;
  const data = await file.read({ format: ps.uxp.storage.formats.binary });
  if (typeof data === 'string') throw new RestoreError('HOST_FAILURE', `${file.name} was read as text, not bytes`);
  return { name: file.name, source: file.nativePath || file.name, bytes: new Uint8Array(data) };
}
