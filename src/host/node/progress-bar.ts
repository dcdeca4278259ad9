/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
import type { ProgressEvent } from '../../core/progress';

export class ProgressBar {
  private lastDraw = 0;
  private visible = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly width = 28) {}

  get isEnabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Draws `event` for file `fileIndex` of `fileCount` (throttled to 10 Hz except the final event). */
  update(label: string, fileIndex: number, fileCount: number, event: ProgressEvent): void {
    if (!this.isEnabled) return;
    const now = Date.now();
    if (event.fraction < 1 && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const overall = (fileIndex + event.fraction) / fileCount;
    const filled = Math.round(overall * this.width);
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    const unit = event.total > 1 ? ` ${event.done}/${event.total}` : '';
    const text = `${bar} ${(overall * 100).toFixed(0).padStart(3)}%  [${fileIndex + 1}/${fileCount}] ${label}: ${event.stage}${unit}`;
    const cols = this.stream.columns || 100;
    this.stream.write(`\r${text.slice(0, cols - 1).padEnd(Math.min(cols - 1, text.length + 4))}`);
    this.visible = true;
  }

  /** Clears the bar so a message line can be printed. */
  clear(): void {
    if (!this.visible) return;
    this.stream.write('\r\x1b[K');
    this.visible = false;
  }
}
