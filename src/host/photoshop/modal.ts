/**
 * One document edit as one modal scope and one history step. Wraps `core.executeAsModal` +
 * `hostControl.suspendHistory/resumeHistory` (DOCS ps-reference/media/executeasmodal.md): the step commits only
 * when the work returns; any error or cancel rolls the document back to exactly where it was. Photoshop's own
 * Cancel (progress dialog, Esc) and the panel's Cancel both end in the same AbortSignal the engine checks.
 */
import type { AbortSignalLike } from '../../core/errors';
import type { PsCore, PsExecutionContext } from './ps-api';
import { createAbortSource, type AbortSource } from '../panel/abort-source';
import { Refusal } from '../panel/refusals';

export { createAbortSource, type AbortSource };

export interface ModalScope {
  /** Fires on the panel's Cancel or Photoshop's (Esc / progress dialog). */
  readonly signal: AbortSignalLike;
  /** Forwards overall progress to Photoshop's progress bar ([0, 1]). */
  reportProgress(fraction: number, label: string): void;
  /** Lets the panel repaint and Photoshop deliver Cancel; notices Photoshop's cancel even without onCancel. */
  yieldToHost(): Promise<void>;
}

export interface ModalRequest {
  readonly commandName: string;
  readonly documentID: number;
  /** The history step's name. */
  readonly historyName: string;
  /** The panel's cancel. */
  readonly signal?: AbortSignalLike;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** True for the error executeAsModal gives when another plugin (or Photoshop) holds the modal state. */
function isModalCollision(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Before PS 25.10: "host is in a modal state" with number 9; from 25.10 the text names the holder (changelog §25.10).
  return (error as Error & { number?: number }).number === 9 || /modal state|running a modal command/i.test(error.message);
}

/**
 * Runs `work` inside one modal scope with history suspended on `documentID`. Returns what `work` returns, after
 * committing one history step; rethrows what it throws, after rolling back.
 */
export async function runModal<T>(core: PsCore, request: ModalRequest, work: (scope: ModalScope) => Promise<T>): Promise<T> {
  let started = false;
  const target = async (context: PsExecutionContext): Promise<T> => {
    started = true;
    const abort = createAbortSource();
    const outer = request.signal;
    context.onCancel = (event) => abort.abort(new Error(event?.reason || 'Cancelled in Photoshop'));
    const syncCancel = (): void => {
      if (context.isCancelled) abort.abort(new Error('Cancelled in Photoshop'));
      if (outer?.aborted) abort.abort(outer.reason);
    };
    const scope: ModalScope = {
      signal: {
        get aborted() {
          syncCancel();
          return abort.signal.aborted;
        },
        get reason() {
          return abort.signal.reason;
        },
      },
      reportProgress(fraction, label) {
        context.reportProgress({ value: Math.min(1, Math.max(0, fraction)), commandName: label });
      },
      async yieldToHost() {
        await nextTurn();
        syncCancel();
      },
    };
    const suspension = await context.hostControl.suspendHistory({ documentID: request.documentID, name: request.historyName });
    let result: T;
    try {
      result = await work(scope);
    } catch (error) {
      // Roll back everything done since suspendHistory; the original error is what the user needs to see.
      await context.hostControl.resumeHistory(suspension, false).catch(() => undefined);
      throw error;
    }
    await context.hostControl.resumeHistory(suspension, true);
    return result;
  };
  try {
    return await core.executeAsModal(target, { commandName: request.commandName });
  } catch (error) {
    if (!started && isModalCollision(error)) {
      const holder = error instanceof Error ? ` (Photoshop says: “${error.message}”)` : '';
      throw new Refusal('HOST_BUSY', `Photoshop is busy with another command or plugin${holder}. Finish or cancel it, then try again.`);
    }
    throw error;
  }
}
