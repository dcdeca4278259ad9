/** What a running detection or restore is doing, in words, for the panel's and the page's progress bar. */
import type { ProgressEvent } from '../../core/progress';

export function stageLabel(event: ProgressEvent): string {
  switch (event.stage) {
    case 'load': return 'Loading models…';
    case 'detect': return 'Finding faces…';
    case 'align':
    // The engine reports the face it starts (align) and the face it finished (restore) by its 1-based number.
    case 'restore': return `Restoring face ${Math.min(Math.max(event.done, 1), event.total)} of ${event.total}…`;
    case 'paste': return 'Blending faces…';
    case 'upscale': return `Upscaling tile ${event.done} of ${event.total}…`;
    default: return 'Working…';
  }
}
