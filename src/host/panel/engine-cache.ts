/**
 * The panel's engine objects, made once and kept while their model choice stays the same: one inference runtime,
 * one restorer per (restore model, detector), one upsampler per upscale model. Changing a choice disposes the old
 * object first, so only one set of sessions holds memory at a time (UXP's and a browser tab's memory is limited).
 */
import { detectorPixels, restoreDescriptor } from '../../core/catalog';
import { createRestorer, type Restorer } from '../../core/restorer';
import type { ModelRuntime } from '../../core/runtime';
import { createUpsampler, type Upsampler } from '../../core/upsampler';
import { RestoreError } from '../../core/errors';
import type { ModelSource } from '../../core/runtime';
import type { InstalledDetector, InstalledModel } from './installed-models';
import type { Placement } from './run-target';

export interface EngineCacheDeps {
  /** Reads a model file (its path in the models store) as bytes. */
  readonly readModel: (path: string) => Promise<ModelSource>;
  /** The upsampler's tile size (the plugin's is small, for UXP's memory); default the engine's. */
  readonly tile?: number;
  /** The in-process runtime, made on first use. */
  readonly createRuntime: () => Promise<ModelRuntime>;
  /** Where models run now (run-target.ts); undefined or none: in process. A new placement key makes new objects. */
  readonly placement?: () => Placement | undefined;
  /** Given to the engine objects: awaited between model runs. */
  readonly yieldToHost: () => Promise<void>;
}

export interface EngineCache {
  /**
   * A catalog restore model gets its catalog descriptor (normalisation, face size, template), a catalog detector its
   * input normalisation; other files the engine's defaults (GFPGAN's, the decoder's usual).
   */
  restorer(model: InstalledModel, detector: InstalledDetector): Promise<Restorer>;
  upsampler(model: InstalledModel): Promise<Upsampler>;
  /**
   * These model files (paths in the models folder) changed on disk (downloaded, imported over, removed): an object
   * made from one is made again on its next use. A run holding it keeps it until then.
   */
  invalidate(paths: readonly string[]): void;
  dispose(): Promise<void>;
}

/** A one-slot cache: the value for `key` (model paths joined by "|"), replacing (and disposing) the previous one. */
function slot<T extends { dispose(): Promise<void> }>(stale: Set<string>): { get: (key: string, make: () => Promise<T>) => Promise<T>; clear: () => Promise<void> } {
  let held: { key: string; value: T } | undefined;
  return {
    async get(key, make) {
      const paths = key.split('|');
      if (held?.key === key && !paths.some((p) => stale.has(p))) return held.value;
      for (const p of paths) stale.delete(p);
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
  // In process behind a server: reads a model file only when the server is gone and the run falls back here.
  const readingLocal: ModelRuntime = {
    name: 'in-process',
    async load(source, options) {
      if (typeof source.location !== 'string' || source.location === '') {
        throw new RestoreError('MODEL_NOT_FOUND', `${source.label} is not installed here, so it cannot run here while the server is away; install it in Models, or run again when the server is back`);
      }
      return (await getRuntime()).load({ ...await deps.readModel(source.location), ...(source.modelId ? { modelId: source.modelId } : {}) }, options);
    },
  };
  /** The runtime and model sources for objects made now: here (file bytes) or on a server (catalog ids, no reading). */
  const where = async (): Promise<{ key: string; runtime: ModelRuntime; source: (model: InstalledModel) => Promise<ModelSource> }> => {
    const placement = deps.placement?.();
    if (!placement) return { key: 'here', runtime: await getRuntime(), source: (model) => deps.readModel(model.path) };
    return {
      key: placement.key.replace(/\|/g, '/'),
      runtime: placement.runtime(readingLocal),
      source: async (model) => {
        if (!model.entry) throw new RestoreError('INVALID_OPTION', `${model.label} is not a catalog model; a server runs catalog models by id only`);
        return { label: model.label, location: model.path, modelId: model.entry.id };
      },
    };
  };
  const stale = new Set<string>();
  const restorers = slot<Restorer>(stale);
  const upsamplers = slot<Upsampler>(stale);
  return {
    async restorer(model, detector) {
      const at = await where();
      return restorers.get(`${model.path}|${detector.path}|${at.key}`, async () => createRestorer({
        runtime: at.runtime,
        detector: {
          kind: detector.kind,
          source: await at.source(detector),
          ...(detector.entry?.role === 'detector' ? { pixels: detectorPixels(detector.entry) } : {}),
        },
        restorer: {
          source: await at.source(model),
          ...(model.entry?.role === 'restorer' ? { descriptor: restoreDescriptor(model.entry) } : {}),
        },
        yieldToHost: deps.yieldToHost,
      }));
    },
    async upsampler(model) {
      const at = await where();
      return upsamplers.get(`${model.path}|${at.key}`, async () => createUpsampler({
        runtime: at.runtime,
        source: await at.source(model),
        yieldToHost: deps.yieldToHost,
        ...(deps.tile === undefined ? {} : { tile: deps.tile }),
      }));
    },
    invalidate(paths) {
      for (const p of paths) stale.add(p);
    },
    async dispose() {
      await Promise.all([restorers.clear(), upsamplers.clear()]);
    },
  };
}
