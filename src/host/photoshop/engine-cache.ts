/**
 * The panel's engine objects, made once and kept while their model choice stays the same: one inference runtime,
 * one restorer per (restore model, detector), one upsampler per upscale model. Changing a choice disposes the old
 * object first, so only one set of sessions holds memory at a time (UXP's memory is limited).
 */
import type { DetectorKind } from '../../core/detect/types';
import { createRestorer, type Restorer } from '../../core/restorer';
import type { ModelRuntime } from '../../core/runtime';
import { createUpsampler, type Upsampler } from '../../core/upsampler';
import { readModel } from './model-store';
import type { UxpFs } from './ps-api';
import { PLUGIN_TILE } from './write-background';

export interface EngineCacheDeps {
  readonly fs: UxpFs;
  readonly createRuntime: () => Promise<ModelRuntime>;
  /** Given to the engine objects: awaited between model runs. */
  readonly yieldToHost: () => Promise<void>;
}

export interface EngineCache {
  restorer(modelFile: string, detector: { readonly kind: DetectorKind; readonly file: string }): Promise<Restorer>;
  upsampler(modelFile: string): Promise<Upsampler>;
  dispose(): Promise<void>;
}

/** A one-slot cache: the value for `key`, replacing (and disposing) the previous one. */
function slot<T extends { dispose(): Promise<void> }>(): { get: (key: string, make: () => Promise<T>) => Promise<T>; clear: () => Promise<void> } {
  let held: { key: string; value: T } | undefined;
  return {
    async get(key, make) {
      if (held?.key === key) return held.value;
      const previous = held?.value;
      held = undefined;
      await previous?.dispose();
      const value = await make();
      held = { key, value };
      return value;
    },
    async clear() {
      const previous = held?.value;
      held = undefined;
      await previous?.dispose();
    },
  };
}

export function createEngineCache(deps: EngineCacheDeps): EngineCache {
  let runtime: Promise<ModelRuntime> | undefined;
  const getRuntime = (): Promise<ModelRuntime> => {
    runtime ??= deps.createRuntime();
    runtime.catch(() => { runtime = undefined; });
    return runtime;
  };
  const restorers = slot<Restorer>();
  const upsamplers = slot<Upsampler>();
  return {
    restorer: (modelFile, detector) => restorers.get(`${modelFile}|${detector.file}`, async () => createRestorer({
      runtime: await getRuntime(),
      detector: { kind: detector.kind, source: await readModel(deps.fs, detector.file) },
      restorer: { source: await readModel(deps.fs, `restore/${modelFile}`) },
      yieldToHost: deps.yieldToHost,
    })),
    upsampler: (modelFile) => upsamplers.get(modelFile, async () => createUpsampler({
      runtime: await getRuntime(),
      source: await readModel(deps.fs, `upscale/${modelFile}`),
      yieldToHost: deps.yieldToHost,
      tile: PLUGIN_TILE,
    })),
    async dispose() {
      await Promise.all([restorers.clear(), upsamplers.clear()]);
    },
  };
}
