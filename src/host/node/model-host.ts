/**
 * The Node host of the model manager: a ModelStore over a models folder (fs/promises), the HTTP transport, SHA-256
 * from node:crypto and the real clock. The manager (src/core/model-manager.ts) holds every policy; this only moves
 * bytes. Store paths are relative with forward slashes and can never leave the root.
 */
import { createHash } from 'crypto';
import { createReadStream } from 'fs';
import * as fs from 'fs/promises';
import * as path from 'path';
import { RestoreError } from '../../core/errors';
import type { Clock, FileWriter, ModelHost, ModelStore, Sha256 } from '../../core/model-host';
import { packageVersion } from './catalog-file';
import { acquireFileLock } from './file-lock';
import { createHttpTransport } from './http-transport';

const READ_CHUNK = 1 << 20;
const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

function diskFull(file: string, error: unknown): never {
  const code = errno(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const why = code === 'EDQUOT' ? 'the disk quota is exhausted' : 'the disk is full';
    throw new RestoreError('DISK_FULL', `Cannot write ${file}: ${why} (${code})`, { cause: error });
  }
  throw error;
}

export function createNodeModelStore(root: string): ModelStore {
  const base = path.resolve(root);
  const abs = (relative: string): string => {
    const parts = relative.split('/');
    if (relative === '' || path.isAbsolute(relative) || parts.some((p) => p === '..' || p === '' || p.includes('\\'))) {
      throw new RestoreError('HOST_FAILURE', `Model store path "${relative}" must be relative, with forward slashes and no ".."`);
    }
    return path.join(base, ...parts);
  };
  const mkdirFor = (file: string): Promise<string | undefined> => fs.mkdir(path.dirname(file), { recursive: true });

  return {
    location: base,
    async size(relative) {
      try {
        const stat = await fs.stat(abs(relative));
        return stat.isFile() ? stat.size : undefined;
      } catch (error) {
        if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    async *read(relative, start = 0) {
      for await (const chunk of createReadStream(abs(relative), { start, highWaterMark: READ_CHUNK })) yield chunk as Buffer;
    },
    async readText(relative) {
      try {
        return await fs.readFile(abs(relative), 'utf8');
      } catch (error) {
        if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    async writeText(relative, text) {
      const file = abs(relative);
      await mkdirFor(file);
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        await fs.writeFile(tmp, text, 'utf8');
        await fs.rename(tmp, file);
      } catch (error) {
        await fs.unlink(tmp).catch(() => undefined);
        diskFull(file, error);
      }
    },
    async open(relative, options): Promise<FileWriter> {
      const file = abs(relative);
      await mkdirFor(file);
      const handle = await fs.open(file, options.append ? 'a' : 'w');
      let closed: Promise<void> | undefined;
      return {
        async write(bytes) {
          let at = 0;
          while (at < bytes.length) {
            try {
              const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
              at += bytesWritten;
            } catch (error) {
              diskFull(file, error);
            }
          }
        },
        close() {
          closed ??= handle.close().catch((error) => diskFull(file, error));
          return closed;
        },
      };
    },
    async rename(from, to) {
      const target = abs(to);
      await mkdirFor(target);
      await fs.rename(abs(from), target);
    },
    async remove(relative) {
      try {
        await fs.unlink(abs(relative));
      } catch (error) {
        if (errno(error) !== 'ENOENT') throw error;
      }
    },
    async list(folder) {
      try {
        return await fs.readdir(folder === '' || folder === '.' ? base : abs(folder));
      } catch (error) {
        if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return [];
        throw error;
      }
    },
    lock(name, options) {
      return acquireFileLock(`${abs(name)}.lock`, options);
    },
  };
}

export function nodeSha256(): Sha256 {
  const hash = createHash('sha256');
  return {
    update: (bytes) => void hash.update(bytes),
    digest: () => hash.digest('hex'),
  };
}

/** Date.now and setTimeout. Not unref'd: a retry backoff must keep the CLI alive; the manager cancels every timer it sets. */
export const nodeClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export function createNodeModelHost(options: { readonly root: string; readonly warn?: (code: string, message: string) => void }): ModelHost {
  return {
    store: createNodeModelStore(options.root),
    transport: createHttpTransport({ userAgent: `facerestore/${packageVersion()}` }),
    sha256: nodeSha256,
    clock: nodeClock,
    ...(options.warn ? { warn: options.warn } : {}),
  };
}
