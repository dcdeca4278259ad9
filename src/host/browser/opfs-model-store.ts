/**
 * The web page's model store (src/core/model-host.ts `ModelStore`) over the Origin Private File System: the browser's
 * private storage for this site (`navigator.storage.getDirectory()`, folder `models/`). Models downloaded or imported
 * there persist across visits, so the page works offline afterwards. The manager holds the policy (resume, checksums,
 * atomic installs); this only moves bytes. Locks use the Web Locks API, which every tab of the origin shares, so two
 * tabs never download the same model at once, and a closed tab's lock is released by the browser.
 *
 * Writes go through `createWritable`, which Chromium stages in a swap file and applies on close: bytes written by a tab
 * that is closed mid-download are lost, and the next download resumes from what the last closed writer kept.
 */
import { AbortError, RestoreError, throwIfAborted, type AbortSignalLike } from '../../core/errors';
import type { FileWriter, ModelStore } from '../../core/model-host';

/** The subfolder of the origin's private file system that holds the models. */
export const MODELS_FOLDER = 'models';
/** Web Locks names are shared by the whole origin: a prefix keeps ours apart from other code's. */
const LOCK_PREFIX = 'facerestore-model:';

export interface OpfsModelStoreOptions {
  /** The models folder; default `models/` in `navigator.storage.getDirectory()`. */
  readonly root?: FileSystemDirectoryHandle;
  /** The folder as messages name it; default "this browser's storage for <origin>". */
  readonly location?: string;
}

/** Parts of the File System API that TypeScript's DOM library lacks or keeps in DOM.AsyncIterable. */
interface MovableFileHandle extends FileSystemFileHandle {
  move?(parent: FileSystemDirectoryHandle, name: string): Promise<void>;
}
interface ListableDirectory extends FileSystemDirectoryHandle {
  keys(): AsyncIterable<string>;
}

const errorName = (error: unknown): string | undefined => (error as { name?: unknown } | undefined)?.name as string | undefined;
/** A missing entry, or a file where a folder is expected (or the reverse): "there is none". */
const isMissing = (error: unknown): boolean => errorName(error) === 'NotFoundError' || errorName(error) === 'TypeMismatchError';

function splitPath(path: string): string[] {
  const parts = path.split('/');
  if (path === '' || /^[a-z]:/i.test(path) || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) {
    throw new RestoreError('HOST_FAILURE', `Model store path "${path}" must be relative, with forward slashes and no ".."`);
  }
  return parts;
}

function originName(): string {
  return typeof location === 'object' && location?.origin ? location.origin : 'this site';
}

/** A QuotaExceededError as DISK_FULL saying how to free the site's storage; anything else as it is. */
function mapWriteError(error: unknown, path: string, where: string): unknown {
  if (errorName(error) !== 'QuotaExceededError') return error;
  return new RestoreError(
    'DISK_FULL',
    `${where[0].toUpperCase()}${where.slice(1)} is full: writing ${path} failed. Free space by removing models this page no longer needs, or by clearing other ` +
      "sites' data in the browser's settings (each site gets a share of the free disk space, so freeing disk space helps too)",
    { cause: error },
  );
}

/** A real AbortSignal that follows `signal` (Web Locks takes only a real one); `detach` stops following. */
function followSignal(signal: AbortSignalLike | undefined): { signal?: AbortSignal; detach(): void } {
  if (!signal) return { detach: () => undefined };
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener?.('abort', onAbort, { once: true });
  if (signal.aborted) onAbort();
  return { signal: controller.signal, detach: () => signal.removeEventListener?.('abort', onAbort) };
}

/**
 * A ModelStore over the origin private file system. Paths are relative with forward slashes; folders are created as
 * needed.
 * @example
 * const store = createOpfsModelStore();
 * await store.writeText('detection/notes.txt', 'hello');
 */
export function createOpfsModelStore(options: OpfsModelStoreOptions = {}): ModelStore {
  const where = options.location ?? `this browser's storage for ${originName()}`;
  let rootPromise: Promise<FileSystemDirectoryHandle> | undefined;
  const root = (): Promise<FileSystemDirectoryHandle> => {
    rootPromise ??= options.root
      ? Promise.resolve(options.root)
      : navigator.storage.getDirectory().then((top) => top.getDirectoryHandle(MODELS_FOLDER, { create: true }));
    return rootPromise;
  };

  /** The folder `parts` (relative to the root), created when `create`; undefined when missing. */
  const folder = async (parts: readonly string[], create: boolean): Promise<FileSystemDirectoryHandle | undefined> => {
    let dir = await root();
    for (const name of parts) {
      try {
        dir = await dir.getDirectoryHandle(name, { create });
      } catch (error) {
        if (!create && isMissing(error)) return undefined;
        throw error;
      }
    }
    return dir;
  };

  /** The file's folder and name; the folder is created when `create`. */
  const locate = async (path: string, create: boolean): Promise<{ dir: FileSystemDirectoryHandle; name: string } | undefined> => {
    const parts = splitPath(path);
    const name = parts.pop() as string;
    const dir = await folder(parts, create);
    return dir ? { dir, name } : undefined;
  };

  const fileHandle = async (path: string): Promise<FileSystemFileHandle | undefined> => {
    const at = await locate(path, false);
    if (!at) return undefined;
    try {
      return await at.dir.getFileHandle(at.name);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };

  const file = async (path: string): Promise<File | undefined> => (await fileHandle(path))?.getFile();

  const remove = async (path: string): Promise<void> => {
    const at = await locate(path, false);
    if (!at) return;
    try {
      await at.dir.removeEntry(at.name);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  };

  /** Moves `from` over `to` (same store), replacing it; without `move()` (older engines), copies then deletes. */
  const rename = async (from: string, to: string): Promise<void> => {
    const source = (await fileHandle(from)) as MovableFileHandle | undefined;
    if (!source) throw new RestoreError('HOST_FAILURE', `Cannot move ${from} to ${to} in ${where}: ${from} does not exist`);
    const target = await locate(to, true);
    if (!target) throw new RestoreError('HOST_FAILURE', `Cannot create the folder of ${to} in ${where}`);
    if (typeof source.move === 'function') {
      await source.move(target.dir, target.name);
      return;
    }
    const writable = await (await target.dir.getFileHandle(target.name, { create: true })).createWritable();
    try {
      await writable.write(await source.getFile());
      await writable.close();
    } catch (error) {
      await writable.abort().catch(() => undefined);
      throw mapWriteError(error, to, where);
    }
    await remove(from);
  };

  const open = async (path: string, opts: { readonly append: boolean }): Promise<FileWriter> => {
    const at = await locate(path, true);
    if (!at) throw new RestoreError('HOST_FAILURE', `Cannot create the folder of ${path} in ${where}`);
    const handle = await at.dir.getFileHandle(at.name, { create: true });
    let writable: FileSystemWritableFileStream;
    try {
      writable = await handle.createWritable({ keepExistingData: opts.append });
      // The stream starts at 0 even when it keeps the data: appending starts at the end.
      if (opts.append) await writable.seek((await handle.getFile()).size);
    } catch (error) {
      throw mapWriteError(error, path, where);
    }
    let closing: Promise<void> | undefined;
    return {
      async write(bytes) {
        if (closing) throw new RestoreError('HOST_FAILURE', `${path} is closed`);
        try {
          await writable.write(bytes as Uint8Array<ArrayBuffer>);
        } catch (error) {
          throw mapWriteError(error, path, where);
        }
      },
      close() {
        // Closing applies the staged bytes to the file, which can itself exceed the quota.
        closing ??= writable.close().catch((error) => {
          throw mapWriteError(error, path, where);
        });
        return closing;
      },
    };
  };

  return {
    location: where,
    async size(path) {
      return (await file(path))?.size;
    },
    async *read(path, start = 0) {
      const found = await file(path);
      if (!found) throw new RestoreError('HOST_FAILURE', `Cannot read ${path} in ${where}: it does not exist`);
      const reader = found.slice(start).stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          if (value.byteLength > 0) yield value;
        }
      } finally {
        // Also when the caller stops early (a cancelled hash): frees the file.
        await reader.cancel().catch(() => undefined);
      }
    },
    async readText(path) {
      return (await file(path))?.text();
    },
    async writeText(path, text) {
      const at = await locate(path, true);
      if (!at) throw new RestoreError('HOST_FAILURE', `Cannot create the folder of ${path} in ${where}`);
      // Written beside the target, then moved over it: readers see the old or the new text, never a part.
      const temporary = `${at.name}.${Math.random().toString(36).slice(2)}.tmp`;
      const temporaryPath = [...splitPath(path).slice(0, -1), temporary].join('/');
      try {
        const writer = await open(temporaryPath, { append: false });
        try {
          await writer.write(new TextEncoder().encode(text));
        } finally {
          await writer.close();
        }
        await rename(temporaryPath, path);
      } catch (error) {
        await at.dir.removeEntry(temporary).catch(() => undefined);
        throw error;
      }
    },
    open,
    rename,
    remove,
    async list(path) {
      const dir = path === '' || path === '.' ? await root() : await folder(splitPath(path), false);
      if (!dir) return [];
      const names: string[] = [];
      for await (const name of (dir as ListableDirectory).keys()) {
        // Chromium's staging file of an open writer (`<name>.crswap`) shows in listings: it is not ours.
        if (!name.endsWith('.crswap')) names.push(name);
      }
      return names;
    },
    async lock(name, opts) {
      throwIfAborted(opts.signal);
      const key = LOCK_PREFIX + name;
      let release!: () => void;
      // The lock is held while its callback's promise is pending: until `release`, or until the tab closes.
      const held = new Promise<void>((resolve) => { release = resolve; });
      let done: Promise<unknown> = Promise.resolve();
      /** One request; true once the lock is ours, false when `ifAvailable` found it taken. */
      const attempt = (request: LockOptions): Promise<boolean> => new Promise<boolean>((resolve, reject) => {
        done = navigator.locks.request(key, request, (lock) => {
          if (!lock) return false;
          resolve(true);
          return held;
        });
        done.then((result) => result === false && resolve(false), reject);
      });
      // First without waiting, only to know whether to tell the user that someone else is downloading it.
      if (!(await attempt({ ifAvailable: true }))) {
        opts.onWait?.('another tab or window of this page');
        const follow = followSignal(opts.signal);
        try {
          await attempt(follow.signal ? { signal: follow.signal } : {});
        } catch (error) {
          if (errorName(error) === 'AbortError') throw new AbortError('Cancelled while waiting for another download', { cause: opts.signal?.reason });
          throw error;
        } finally {
          follow.detach();
        }
      }
      return async () => {
        release();
        await done.catch(() => undefined);
      };
    },
  };
}
