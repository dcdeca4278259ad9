/**
 * A cross-process lock made of a file created exclusively (`wx`): `<name>.lock` holds `{pid, host, at}`. A lock
 * whose holder died (same host, no such process) or that has not been refreshed for an hour (another host's crash)
 * is taken over; otherwise the caller waits, polling, until it is released or its signal fires. The holder
 * refreshes the file's time every minute, so a long download is never mistaken for an abandoned one.
 */
import * as fs from 'fs/promises';
import * as os from 'os';
import * as path from 'path';
import { AbortError, throwIfAborted, type AbortSignalLike } from '../../core/errors';

export const LOCK_STALE_MS = 60 * 60 * 1000;
const POLL_MS = 200;
const HEARTBEAT_MS = 60 * 1000;
/** An unreadable lock file younger than this is being written by its creator: wait for it. */
const WRITING_GRACE_MS = 10 * 1000;

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly at: string;
}

/** Lock files this process holds (two managers in one process must still exclude each other). */
const held = new Set<string>();

const errno = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errno(error) !== 'ESRCH'; // EPERM: it exists, it is someone else's
  }
}

function parse(text: string): LockContent | undefined {
  try {
    const c = JSON.parse(text) as LockContent;
    return Number.isInteger(c.pid) && typeof c.host === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

/** Why the lock at `file` may be taken over, or undefined when its holder is alive (with its description). */
async function inspect(file: string): Promise<{ stale: boolean; text: string; holder: string; isBeingWritten?: boolean } | undefined> {
  let text: string;
  let mtime: number;
  try {
    [text, mtime] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file).then((s) => s.mtimeMs)]);
  } catch (error) {
    if (errno(error) === 'ENOENT') return undefined; // released meanwhile
    throw error;
  }
  const content = parse(text);
  const age = Date.now() - mtime;
  // `wx` creates the file before its content lands: a young empty lock is its holder still writing who it is.
  if (!content) return { stale: age > WRITING_GRACE_MS, text, holder: 'another process', isBeingWritten: age <= WRITING_GRACE_MS };
  const here = content.host === os.hostname();
  const holder = here ? `process ${content.pid}` : `process ${content.pid} on ${content.host}`;
  const dead = here && (content.pid === process.pid ? !held.has(file) : !isAlive(content.pid));
  return { stale: dead || age > LOCK_STALE_MS, text, holder };
}

/** Removes a stale lock, unless it changed since it was judged stale (then it is someone's fresh lock: put it back). */
async function breakStale(file: string, judged: string): Promise<void> {
  const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.stale`;
  try {
    await fs.rename(file, aside);
  } catch (error) {
    if (errno(error) === 'ENOENT') return;
    throw error;
  }
  const text = await fs.readFile(aside, 'utf8').catch(() => judged);
  if (text !== judged) await fs.link(aside, file).catch(() => undefined);
  await fs.unlink(aside).catch(() => undefined);
}

function pause(ms: number, signal: AbortSignalLike | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError('The download was cancelled while waiting for another one', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener?.('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener?.('abort', onAbort, { once: true });
  });
}

/** Takes the lock file `file` (absolute); resolves to its release function. */
export async function acquireFileLock(
  file: string,
  options: { readonly signal?: AbortSignalLike; readonly onWait?: (holder: string) => void } = {},
): Promise<() => Promise<void>> {
  const { signal, onWait } = options;
  await fs.mkdir(path.dirname(file), { recursive: true });
  let told = false;
  for (;;) {
    throwIfAborted(signal);
    const content = JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() } satisfies LockContent);
    try {
      await fs.writeFile(file, content, { flag: 'wx' });
      return holdLock(file, content);
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error;
    }
    const state = await inspect(file);
    if (state?.stale) {
      await breakStale(file, state.text);
      continue;
    }
    // Said once, when the holder is known (a lock still being written is looked at again after the pause).
    if (state && !told && !state.isBeingWritten) {
      told = true;
      onWait?.(state.holder);
    }
    await pause(POLL_MS, signal);
  }
}

function holdLock(file: string, content: string): () => Promise<void> {
  held.add(file);
  const heartbeat = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    held.delete(file);
    // Only our own lock: after an hour without heartbeat someone may have taken it over.
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    if (text === content) await fs.unlink(file).catch(() => undefined);
  };
}
