/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
import type { ProgressEvent } from '../../core/progress';

/** One status line redrawn in place on a terminal (at most 10 Hz, the final draw always), cleared before messages. */
class TerminalLine {
  private lastDraw = 0;
  private visible = false;

  constructor(protected readonly stream: NodeJS.WriteStream) {}

  protected static bar(fraction: number, width: number): string {
    const filled = Math.round(fraction * width);
    return '█'.repeat(filled) + '░'.repeat(width - filled);
  }

  /** Redraws the line with `text`; skipped when the last draw was under 100 ms ago, unless `isFinal`. */
  protected draw(text: string, isFinal: boolean): void {
    const now = Date.now();
    if (!isFinal && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const cols = this.stream.columns || 100;
    this.stream.write(`\r${text.slice(0, cols - 1).padEnd(Math.min(cols - 1, text.length + 4))}`);
    this.visible = true;
  }

  /** Clears the line so a message line can be printed. */
  clear(): void {
    if (!this.visible) return;
    this.stream.write('\r\x1b[K');
    this.visible = false;
  }
}

export class ProgressBar extends TerminalLine {
  constructor(stream: NodeJS.WriteStream = process.stderr, private readonly width = 28) {
    super(stream);
  }

  get isEnabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** Draws `event` for file `fileIndex` of `fileCount` (throttled to 10 Hz except the final event). */
  update(label: string, fileIndex: number, fileCount: number, event: ProgressEvent): void {
    if (!this.isEnabled) return;
    const overall = (fileIndex + event.fraction) / fileCount;
    const unit = event.total > 1 ? ` ${event.done}/${event.total}` : '';
    const text = `${TerminalLine.bar(overall, this.width)} ${(overall * 100).toFixed(0).padStart(3)}%  [${fileIndex + 1}/${fileCount}] ${label}: ${event.stage}${unit}`;
    this.draw(text, event.fraction >= 1);
  }
}

const MB = 1024 * 1024;

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  return (hms[0] ? `${hms[0]}:${String(hms[1]).padStart(2, '0')}` : String(hms[1])) + `:${String(hms[2]).padStart(2, '0')}`;
}

/**
 * A download's progress on stderr: a bar with bytes, percent, speed and time left on a terminal (10 Hz); in logs
 * and pipes one line each time another 10 % is done (each 10 MB when the size is unknown).
 */
export class DownloadProgress extends TerminalLine {
  private lastStep = -1;

  constructor(stream: NodeJS.WriteStream, private readonly label: string, private readonly width = 24) {
    super(stream);
  }

  update(event: ProgressEvent): void {
    if (event.stage === 'convert') {
      // A checkpoint being converted after its download: steps, not bytes.
      const text = event.done < event.total ? `${this.label}: converting the PyTorch checkpoint to ONNX…` : `${this.label}: converted`;
      if (this.stream.isTTY !== true) {
        if (event.done === 0 || event.done === event.total) this.stream.write(`${text}\n`);
      } else {
        this.draw(text, event.fraction >= 1);
      }
      return;
    }
    const { done, total, rate, secondsLeft } = event;
    const mb = (n: number): string => (n / MB).toFixed(1);
    const speed = rate !== undefined ? `${(rate / MB).toFixed(1)} MB/s` : '';
    if (this.stream.isTTY !== true) {
      const step = total > 0 ? Math.floor((done / total) * 10 + 1e-9) : Math.floor(done / (10 * MB));
      if (step <= this.lastStep) return;
      this.lastStep = step;
      const what = total > 0 ? `${Math.floor((done / total) * 100)} % (${mb(done)} of ${mb(total)} MB` : `${mb(done)} MB (size unknown`;
      const left = secondsLeft !== undefined && done < total ? `, ${clock(secondsLeft)} left` : '';
      this.stream.write(`${this.label}: ${what}${speed ? `, ${speed}` : ''}${left})\n`);
      return;
    }
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const bar = total > 0 ? TerminalLine.bar(fraction, this.width) : '';
    const amount = total > 0 ? `${(fraction * 100).toFixed(0).padStart(3)}%  ${mb(done)}/${mb(total)} MB` : `${mb(done)} MB`;
    const eta = secondsLeft !== undefined && done < total ? `  ETA ${clock(secondsLeft)}` : '';
    this.draw(`${this.label} ${bar} ${amount}${speed ? `  ${speed}` : ''}${eta}`, event.fraction >= 1);
  }
}
