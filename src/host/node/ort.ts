/**
 * The CLI's default runtime, onnxruntime-node. The only file that imports onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';
import { NODE_SESSION_OPTIONS, wrapOrtSession, type OrtNamespace } from '../../core/ort-adapter';
import type { LoadedModel, ModelRuntime, ModelSource } from '../../core/runtime';

export interface NodeRuntimeOptions {
  /** Threads for one operator; 0 = onnxruntime's default (all physical cores). */
  readonly intraOpThreads?: number;
  /** onnxruntime execution providers in order of preference (default: cpu). */
  readonly executionProviders?: readonly string[];
}

/** The execution providers this onnxruntime-node build can use, as it reports them (cpu, cuda, webgpu, …). */
export function nodeBackends(): ReadonlyArray<{ readonly name: string; readonly bundled: boolean }> {
  return (ort as unknown as { listSupportedBackends?: () => Array<{ name: string; bundled: boolean }> }).listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }];
}

export function createNodeRuntime(options: NodeRuntimeOptions = {}): ModelRuntime {
  const api = ort as unknown as OrtNamespace;
  const version = ort.env.versions?.common ?? '';
  return {
    name: `onnxruntime-node ${version} (${(options.executionProviders ?? ['cpu']).join(', ')})`,
    load(source: ModelSource): Promise<LoadedModel> {
      return wrapOrtSession(api, source, {
        executionProviders: [...(options.executionProviders ?? ['cpu'])],
        ...NODE_SESSION_OPTIONS,
        ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      });
    },
  };
}
