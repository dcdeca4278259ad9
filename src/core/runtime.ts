/**
 * The one small interface between the engine and an inference runtime. Hosts implement it over
 * onnxruntime-node or onnxruntime-web (or a remote server); the engine never imports a runtime itself.
 */
import { RestoreError, throwIfAborted, type AbortSignalLike } from './errors';

export type TensorType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'float16' | 'bool' | 'string';

/** One input or output as the model declares it. A string or -1 dimension is dynamic. */
export interface TensorInfo {
  readonly name: string;
  readonly type: TensorType | string;
  readonly shape: ReadonlyArray<number | string>;
}

/** A dense tensor crossing the runtime boundary. */
export interface Tensor {
  readonly type: 'float32' | 'float64';
  readonly data: Float32Array | Float64Array;
  readonly dims: readonly number[];
}

/** A loaded model (an inference session). */
export interface LoadedModel {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /**
   * Runs the graph. Output tensors are owned by the caller. In-process runtimes cannot stop a running
   * `session.run` and ignore `signal`; remote ones abort the request.
   */
  run(feeds: Readonly<Record<string, Tensor>>, signal?: AbortSignalLike): Promise<Record<string, Tensor>>;
  /** Frees the session; idempotent. */
  release(): Promise<void>;
}

/**
 * Where a model comes from, as the host understands it: a file path for onnxruntime-node, a URL for the web,
 * or the bytes themselves. `label` is what error messages call it (usually the file name).
 */
export interface ModelSource {
  readonly label: string;
  readonly location: string | Uint8Array;
  /** The catalog id, when the model is a catalog model: how an inference server names it. */
  readonly modelId?: string;
}

export interface ModelRuntime {
  /** e.g. "onnxruntime-node 1.30.0 (cpu)"; reported to the user. */
  readonly name: string;
  load(source: ModelSource, options?: { signal?: AbortSignalLike }): Promise<LoadedModel>;
}

export function float32Tensor(data: Float32Array, dims: readonly number[]): Tensor {
  return { type: 'float32', data, dims };
}

/** Formats a declared shape for messages: [1,3,512,512] or [?,3,?,?]. */
export function formatShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : '?')).join(',')}]`;
}

/** True when a declared dimension can hold `size` (dynamic dims accept anything). */
export function dimAccepts(dim: number | string | undefined, size: number): boolean {
  return typeof dim !== 'number' || dim < 0 || dim === size;
}

export function isDynamic(dim: number | string | undefined): boolean {
  return typeof dim !== 'number' || dim < 0;
}

/** Runs a model and turns runtime failures into INFERENCE_FAILED errors naming the model. */
export async function runModel(
  model: LoadedModel,
  label: string,
  feeds: Readonly<Record<string, Tensor>>,
  signal?: AbortSignalLike,
): Promise<Record<string, Tensor>> {
  throwIfAborted(signal);
  try {
    return await model.run(feeds, signal);
  } catch (error) {
    // Typed errors (a cancel, a server that went away) already say what happened.
    if (error instanceof RestoreError) throw error;
    throw new RestoreError('INFERENCE_FAILED', `Running ${label} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Fetches a named output and checks that it is float data of the expected length. */
export function requireOutput(outputs: Record<string, Tensor>, name: string, label: string, length?: number): Float32Array | Float64Array {
  const t = outputs[name];
  if (!t) {
    throw new RestoreError('MODEL_CONTRACT', `${label} returned no output named "${name}" (it returned: ${Object.keys(outputs).join(', ')})`);
  }
  if (length !== undefined && t.data.length !== length) {
    throw new RestoreError('MODEL_CONTRACT', `${label} output "${name}" has ${t.data.length} values; expected ${length} (dims ${formatShape(t.dims)})`);
  }
  return t.data;
}
