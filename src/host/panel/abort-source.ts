/**
 * A minimal AbortController for hosts that may have none: UXP documents no AbortController, so the plugin carries
 * its own, and the web page uses the same one so both hosts' controllers behave alike.
 */
import type { AbortSignalLike } from '../../core/errors';

export interface AbortSource {
  readonly signal: AbortSignalLike & { readonly reason: unknown };
  abort(reason?: unknown): void;
}

/**
 * `defaultReason` is what `abort()` without a reason records. The signal also delivers 'abort' events, which a
 * download needs to stop a wait at once (src/core/download.ts); between model runs the flag is enough.
 */
export function createAbortSource(defaultReason: () => unknown = () => new Error('Cancelled')): AbortSource {
  const listeners = new Set<() => void>();
  const state = {
    aborted: false,
    reason: undefined as unknown,
    addEventListener(_type: 'abort', listener: () => void) {
      listeners.add(listener);
    },
    removeEventListener(_type: 'abort', listener: () => void) {
      listeners.delete(listener);
    },
  };
  return {
    signal: state,
    abort(reason = defaultReason()) {
      if (state.aborted) return;
      state.aborted = true;
      state.reason = reason;
      for (const listener of [...listeners]) {
        listeners.delete(listener);
        listener();
      }
    },
  };
}


/**
 * For `fetch`, which takes only the platform's own AbortSignal: one that follows `signal`, and `release` to stop
 * following once the request is done. Undefined where the host has no AbortController (UXP documents none).
 */
export function platformSignal(signal: AbortSignalLike | undefined): { signal: AbortSignal | undefined; release: () => void } {
  if (!signal || typeof AbortController !== 'function') return { signal: undefined, release: () => undefined };
  const controller = new AbortController();
  const follow = (): void => controller.abort(signal.reason);
  if (signal.aborted) follow();
  else signal.addEventListener?.('abort', follow, { once: true });
  return { signal: controller.signal, release: () => signal.removeEventListener?.('abort', follow) };
}
