/**
 * How the panel writes model sizes and download progress: "324.5 MB", "227.1 KB", "12.3 of 324.5 MB · 4.1 MB/s ·
 * 1 min left". Binary units (1 MB = 1024² bytes), as the publishers' own figures are (model-sources.md).
 */
import type { ProgressEvent } from '../../core/progress';

const KB = 1024;
const MB = 1024 * 1024;
const GB = 1024 * MB;

/** A size for lists and messages, one decimal, as the publishers write them: "227.1 KB", "4.6 MB", "324.5 MB". */
export function formatSize(bytes: number): string {
  if (!(bytes >= 0)) return '';
  if (bytes < KB) return `${bytes} B`;
  const [value, unit] = bytes >= GB ? [bytes / GB, 'GB'] : bytes >= MB ? [bytes / MB, 'MB'] : [bytes / KB, 'KB'];
  return `${value.toFixed(1)} ${unit}`;
}

/** Seconds left in words: "45 s", "3 min", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "12.3 of 324.5 MB · 4.1 MB/s · 1 min left" (parts that are unknown yet are left out). */
export function downloadLabel(event: Pick<ProgressEvent, 'done' | 'total' | 'rate' | 'secondsLeft'> & { readonly stage?: ProgressEvent['stage'] }): string {
  if (event.stage === 'convert') return event.done < event.total ? 'Converting the PyTorch checkpoint to ONNX…' : 'Converted';
  const done = (event.done / MB).toFixed(1);
  const parts = [event.total > 0 ? `${done} of ${(event.total / MB).toFixed(1)} MB` : `${done} MB`];
  if (event.rate !== undefined && event.rate > 0) parts.push(`${(event.rate / MB).toFixed(1)} MB/s`);
  if (event.secondsLeft !== undefined && event.total > 0 && event.done < event.total) parts.push(`${formatDuration(event.secondsLeft)} left`);
  return parts.join(' · ');
}
