/**
 * One progress shape for every long operation: `{stage, done, total, fraction}`. `fraction` is overall progress in
 * [0, 1], never decreases, and a successful run ends with exactly one event at 1.
 */

export type ProgressStage = 'download' | 'load' | 'detect' | 'align' | 'restore' | 'paste' | 'upscale' | 'write';

export interface ProgressEvent {
  readonly stage: ProgressStage;
  /** Units of this stage finished (faces, tiles, bytes). */
  readonly done: number;
  /** Units of this stage in all. */
  readonly total: number;
  /** Overall progress of the whole operation in [0, 1]. */
  readonly fraction: number;
}

export type ProgressCallback = (event: ProgressEvent) => void;

/**
 * Maps stage-local progress onto one monotonic overall fraction. Stages get weights up front (their share of the
 * expected time); a stage that reports nothing is skipped over when the next one starts.
 */
export class ProgressReporter {
  private readonly starts = new Map<ProgressStage, number>();
  private readonly weights = new Map<ProgressStage, number>();
  private last = 0;
  private finished = false;

  constructor(
    private readonly callback: ProgressCallback | undefined,
    plan: ReadonlyArray<readonly [ProgressStage, number]>,
  ) {
    const sum = plan.reduce((s, [, w]) => s + w, 0) || 1;
    let at = 0;
    for (const [stage, weight] of plan) {
      this.starts.set(stage, at / sum);
      this.weights.set(stage, weight / sum);
      at += weight;
    }
  }

  /** Reports `done` of `total` units of `stage`. Events that would not move the fraction forward still fire once per unit. */
  report(stage: ProgressStage, done: number, total: number): void {
    if (!this.callback || this.finished) return;
    const start = this.starts.get(stage) ?? this.last;
    const weight = this.weights.get(stage) ?? 0;
    const local = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
    // The final 1 is reserved for finish(): keep stage events just below it.
    const fraction = Math.min(Math.max(this.last, start + weight * local), 1 - 1e-9);
    this.last = fraction;
    this.callback({ stage, done, total, fraction });
  }

  /** Emits the single closing event at fraction 1. */
  finish(stage: ProgressStage, done = 1, total = 1): void {
    if (!this.callback || this.finished) return;
    this.finished = true;
    this.last = 1;
    this.callback({ stage, done, total, fraction: 1 });
  }
}
