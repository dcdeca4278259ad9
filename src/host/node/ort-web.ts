/**
 * `--runtime web`: the same onnxruntime-web (wasm) the plugin and the web page use, run inside Node, so CLI
 * results and timings can be compared with the in-panel runtime. Models are passed as bytes, as in UXP.
 */
import * as fs from 'fs';
import * as ort from 'onnxruntime-web';
import { WASM_SESSION_OPTIONS, wrapOrtSession, type OrtNamespace } from '../../core/ort-adapter';
import type { LoadedModel, ModelRuntime, ModelSource } from '../../core/runtime';

export interface WebRuntimeOptions {
  /** wasm threads; 0 = onnxruntime-web's default. Process-wide: set before the first session. */
  readonly threads?: number;
}

export function createWebRuntimeForNode(options: WebRuntimeOptions = {}): ModelRuntime {
  if (options.threads) ort.env.wasm.numThreads = options.threads;
  const version = ort.env.versions?.web ?? '';
  return {
    name: `onnxruntime-web ${version} (wasm, ${ort.env.wasm.numThreads ?? 'default'} threads)`,
    async load(source: ModelSource): Promise<LoadedModel> {
      const bytes = typeof source.location === 'string' ? new Uint8Array(await fs.promises.readFile(source.location)) : source.location;
      return wrapOrtSession(ort as unknown as OrtNamespace, { label: source.label, location: bytes }, WASM_SESSION_OPTIONS);
    },
  };
}
