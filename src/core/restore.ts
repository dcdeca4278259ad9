/**
 * The restore stage: GFPGAN's exact pre/post-processing around one model run.
 *   pre:  crop/255 → (x − 0.5)/0.5, RGB, NCHW float32, batch 1
 *   post: clamp to [−1, 1] → (x + 1)/2 · 255 → round (8-bit inputs; deeper inputs keep the float value)
 * An optional `weight` input (CodeFormer's fidelity) is fed when the model declares one.
 */
import type { AbortSignalLike } from './errors';
import { RestoreError } from './errors';
import type { FloatImage } from './image';
import type { RestoreModelDescriptor } from './models';
import { dimAccepts, float32Tensor, formatShape, runModel, type LoadedModel, type Tensor, type TensorInfo } from './runtime';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { fround, round } = Math;

export interface RestoreContract {
  readonly imageInput: string;
  readonly output: string;
  readonly weightInput?: { readonly name: string; readonly type: 'float32' | 'float64'; readonly dims: readonly number[] };
}

const WEIGHT_INPUT = 'weight';

function acceptsImage(info: TensorInfo, size: number): boolean {
  const s = info.shape;
  return s.length === 4 && dimAccepts(s[0], 1) && dimAccepts(s[1], 3) && dimAccepts(s[2], size) && dimAccepts(s[3], size);
}

/**
 * Checks that `model` can be a restorer for `descriptor` and names its inputs. A mismatch throws
 * MODEL_CONTRACT with what was expected and what the model has.
 */
export function checkRestoreContract(model: LoadedModel, label: string, descriptor: RestoreModelDescriptor): RestoreContract {
  const size = descriptor.faceSize;
  const want = `[1,3,${size},${size}]`;
  const images = model.inputs.filter((i) => i.name !== WEIGHT_INPUT);
  const weight = model.inputs.find((i) => i.name === WEIGHT_INPUT);
  if (images.length !== 1) {
    throw new RestoreError(
      'MODEL_CONTRACT',
      `restore model must take one image input ${want} (plus an optional "weight"); ${label} takes ${model.inputs.map((i) => `${i.name} ${formatShape(i.shape)}`).join(', ') || 'no inputs'}`,
    );
  }
  const input = images[0];
  if (!acceptsImage(input, size)) {
    throw new RestoreError('MODEL_CONTRACT', `restore model must take input ${want}; this one (${label}) takes ${formatShape(input.shape)}`);
  }
  if (input.type !== 'float32' && input.type !== 'unknown') {
    throw new RestoreError('MODEL_CONTRACT', `restore model input must be float32; this one (${label}) takes ${input.type}`);
  }
  const output = model.outputs[0];
  if (!output || !acceptsImage(output, size)) {
    throw new RestoreError(
      'MODEL_CONTRACT',
      `restore model must return ${want}; this one (${label}) returns ${output ? formatShape(output.shape) : 'nothing'}`,
    );
  }
  let weightInput: RestoreContract['weightInput'];
  if (weight) {
    const type = weight.type === 'float32' ? 'float32' : 'float64';
    const dims = weight.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    weightInput = { name: weight.name, type, dims };
  }
  return { imageInput: input.name, output: output.name, ...(weightInput ? { weightInput } : {}) };
}

/** Crop (RGB, 0..255, HWC) → model input (NCHW, normalised). */
export function cropToTensor(crop: FloatImage, descriptor: RestoreModelDescriptor): Float32Array {
  const plane = crop.width * crop.height;
  const out = new Float32Array(3 * plane);
  const { mean, std } = descriptor;
  const src = crop.data;
  // Plane by plane: contiguous writes.
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    for (let i = 0, s = c; i < plane; i++, s += 3) out[base + i] = (fround(src[s] / 255) - mean) / std;
  }
  return out;
}

/**
 * Model output (NCHW) → face (RGB, 0..255, HWC): clamp, rescale, and round when `shouldRound`. `hasNaN` tells a
 * damaged model's NaN output (the clamp lets NaN through).
 */
export function tensorToFace(data: Float32Array | Float64Array, size: number, descriptor: RestoreModelDescriptor, shouldRound: boolean): FloatImage & { readonly hasNaN: boolean } {
  const plane = size * size;
  const out = new Float32Array(plane * 3);
  const [lo, hi] = descriptor.outputRange;
  const k = 255 / (hi - lo);
  let hasNaN = false;
  // Plane by plane: contiguous reads of the model's output.
  for (let c = 0; c < 3; c++) {
    const base = c * plane;
    for (let i = 0, d = c; i < plane; i++, d += 3) {
      let v = data[base + i];
      if (v !== v) hasNaN = true;
      v = v < lo ? lo : v > hi ? hi : v;
      let r = (v - lo) * k;
      if (shouldRound) r = round(r);
      out[d] = r;
    }
  }
  return { width: size, height: size, channels: 3, data: out, hasNaN };
}

export interface RestoreFaceOptions {
  /** CodeFormer-style fidelity weight in 0..1, fed only to models with a `weight` input. */
  readonly weight: number;
  readonly round: boolean;
  readonly signal?: AbortSignalLike;
}

/** Runs the restorer on one aligned crop. */
export async function restoreFace(
  model: LoadedModel,
  contract: RestoreContract,
  label: string,
  crop: FloatImage,
  descriptor: RestoreModelDescriptor,
  options: RestoreFaceOptions,
): Promise<FloatImage> {
  const size = descriptor.faceSize;
  const feeds: Record<string, Tensor> = {
    [contract.imageInput]: float32Tensor(cropToTensor(crop, descriptor), [1, 3, size, size]),
  };
  const w = contract.weightInput;
  if (w) {
    const data = w.type === 'float32' ? new Float32Array([options.weight]) : new Float64Array([options.weight]);
    feeds[w.name] = { type: w.type, data, dims: w.dims };
  }
  const outputs = await runModel(model, label, feeds, options.signal);
  const out = outputs[contract.output];
  if (!out || out.data.length !== 3 * size * size) {
    throw new RestoreError(
      'MODEL_CONTRACT',
      `restore model ${label} returned ${out ? formatShape(out.dims) : 'no output'} for output "${contract.output}"; expected [1,3,${size},${size}]`,
    );
  }
  const { hasNaN, ...face } = tensorToFace(out.data, size, descriptor, options.round);
  if (hasNaN) {
    throw new RestoreError('INFERENCE_FAILED', `restore model ${label} produced NaN values; the model file may be damaged`);
  }
  return face;
}
