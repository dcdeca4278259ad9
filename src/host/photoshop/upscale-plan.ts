/**
 * The time a ×2/×4 run will take on this computer, before it starts: the upsampler's plan (its tiles' pixels ×
 * the speed it measured here) for the target layer's size. Runs that would take long are confirmed first.
 */
import type { Upsampler } from '../../core/upsampler';
import type { RestoreTarget } from './preflight';
import { PLUGIN_TILE } from './write-background';

/** Runs estimated above this ask before starting. */
export const LONG_RUN_SECONDS = 60;

export interface RunEstimate {
  readonly seconds: number;
  /** For the confirmation: "Upscaling “Layer 1” (2.5 MP) to ×2 takes about 4 min on this computer." */
  readonly text: string;
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** `where` names what was measured: "on this computer", or the server the models run on. */
export async function estimateUpscale(upsampler: Upsampler, target: RestoreTarget, scale: number, where = 'on this computer'): Promise<RunEstimate> {
  const b = target.layer.bounds;
  const width = Math.max(1, b.right - b.left), height = Math.max(1, b.bottom - b.top);
  const plan = await upsampler.plan(width, height, { scale, tile: PLUGIN_TILE });
  const mp = ((width * height) / 1e6).toFixed(1);
  return {
    seconds: plan.seconds,
    text: `Upscaling “${target.layer.name}” (${mp} MP) to ×${scale} takes about ${formatDuration(plan.seconds)} ${where} (${plan.tiles} tiles), plus the faces.`,
  };
}
