/**
 * Adapts an injected onnxruntime namespace (onnxruntime-node or onnxruntime-web: both follow onnxruntime-common's
 * API) to the engine's ModelRuntime interface. The namespace is passed in by the host; nothing here imports a runtime.
 */
import { RestoreError, describeError } from './errors';
import type { LoadedModel, ModelSource, Tensor, TensorInfo } from './runtime';

/**
 * onnxruntime-node session options, chosen with `npm run bench -- --only session`
 * (bench/README.md, section 7) on the full-size GFPGAN graph: every graph optimisation (the lower levels run
 * 11–18 % slower), the CPU arena kept (without it each run allocates afresh: 5–14 % slower), and no memory pattern:
 * with it onnxruntime reserves one block sized for all of the first run's intermediates, which costs a quarter more
 * peak memory for no speed. Intra-op threads stay at onnxruntime's default, every physical core (1 thread: 1.98× as
 * long). Free-dimension overrides change nothing for these fixed-size graphs. See WASM_SESSION_OPTIONS for -web.
 */
export const NODE_SESSION_OPTIONS = { graphOptimizationLevel: 'all', enableMemPattern: false } as const;

/**
 * onnxruntime-web (wasm) keeps the memory pattern: without it one session measured the same speed and 1286 instead
 * of 1744 MiB peak, but in the engine (YuNet and GFPGAN sessions taking turns) a restore of 2 faces took 135 s
 * instead of 40 s on 1 thread. Not understood yet; speed comes first.
 */
export const WASM_SESSION_OPTIONS = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;

/** The structural slice of onnxruntime-common the engine uses. */
export interface OrtTensorLike {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
  dispose?(): void;
}

interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

export interface OrtNamespace {
  readonly InferenceSession: {
    create(model: string | Uint8Array, options?: object): Promise<OrtSessionLike>;
  };
  readonly Tensor: new (type: 'float32' | 'float64', data: Float32Array | Float64Array, dims: readonly number[]) => OrtTensorLike;
}

function toInfo(names: readonly string[], metadata: readonly OrtValueMetadata[] | undefined): TensorInfo[] {
  return names.map((name, i) => {
    const m = metadata?.find((x) => x.name === name) ?? metadata?.[i];
    return { name, type: m?.type ?? 'unknown', shape: m?.shape ?? [] };
  });
}

/** Creates a session from `source` and wraps it. Load failures become MODEL_LOAD_FAILED naming the file. */
export async function wrapOrtSession(ort: OrtNamespace, source: ModelSource, sessionOptions: object): Promise<LoadedModel> {
  let session: OrtSessionLike;
  try {
    session = await ort.InferenceSession.create(source.location, sessionOptions);
  } catch (error) {
    throw new RestoreError(
      'MODEL_LOAD_FAILED',
      `${source.label} could not be loaded as an ONNX model (${describeError(error)}); check that the file is a complete .onnx download`,
      { cause: error },
    );
  }
  const inputs = toInfo(session.inputNames, session.inputMetadata);
  const outputs = toInfo(session.outputNames, session.outputMetadata);
  let released = false;
  return {
    inputs,
    outputs,
    async run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
      const ortFeeds: Record<string, OrtTensorLike> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const result = await session.run(ortFeeds);
      const out: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(result)) {
        if (t.data instanceof Float32Array) out[name] = { type: 'float32', data: t.data, dims: t.dims };
        else if (t.data instanceof Float64Array) out[name] = { type: 'float64', data: t.data, dims: t.dims };
        else throw new RestoreError('MODEL_CONTRACT', `${source.label} output "${name}" is ${t.type}; the engine reads float32 outputs only`);
      }
      return out;
    },
    async release(): Promise<void> {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
