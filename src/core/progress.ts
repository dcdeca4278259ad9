/**
 * One progress shape for every long operation: `{stage, done, total, fraction}`. `fraction` is overall progress in
 * [0, 1], never decreases, and a successful run ends with exactly one event at 1.
 */

export type ProgressStage = 'download' | 'convert' | 'verify' | 'load' | 'detect' | 'align' | 'restore' | 'paste' | 'upscale' | 'write';

export interface ProgressEvent {
  readonly stage: ProgressStage;
  /** Units of this stage finished (faces, tiles, bytes). */
  readonly done: number;
  /** Units of this stage in all. */
  readonly total: number;
  /** Overall progress of the whole operation in [0, 1]. */
  readonly fraction: number;
  /** Stage units per second, when measured (downloads: bytes per second). */
  readonly rate?: number;
  /** Estimated seconds until the stage ends, when known. */
  readonly secondsLeft?: number;
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
    this.reportIn(stage, stage, done, total, total > 0 ? done / total : 1);
  }

  /**
   * Reports `done` of `total` units of `stage`, placed at `local` (0..1) inside the range planned for `range`.
   * For stages that interleave: align, restore and paste run once per face, so they share the faces' range.
   */
  reportIn(range: ProgressStage, stage: ProgressStage, done: number, total: number, local: number): void {
    if (!this.callback || this.finished) return;
    const start = this.starts.get(range) ?? this.last;
    const weight = this.weights.get(range) ?? 0;
    const at = Math.min(1, Math.max(0, local));
    // The final 1 is reserved for finish(): keep stage events just below it.
    const fraction = Math.min(Math.max(this.last, start + weight * at), 1 - 1e-9);
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
