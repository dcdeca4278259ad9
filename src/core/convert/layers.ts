/**
 * What every converted network shares: reading a weight by its state-dict name (a missing or misshapen one is a
 * MODEL_CONTRACT error naming it), storing weights as float32 or float16 (Cast back to float32 in the graph, which
 * onnxruntime folds once at load), and the few layers the architectures have in common.
 */
import { RestoreError } from '../errors';
import type { CheckpointTensor } from './checkpoint';
import { halfBitsToFloats, toHalfBits } from './half';
import { attr, GraphBuilder, type BuildOptions } from './onnx-writer';

export type StateDict = ReadonlyMap<string, CheckpointTensor>;

/** How the weights are stored in the ONNX file. */
export type WeightPrecision = 'float32' | 'float16';

export interface GraphOptions extends BuildOptions {
  /** `float16` halves the file; every weight is rounded once and the graph computes in float32. Default float32. */
  readonly weights?: WeightPrecision;
}

/** Weights smaller than this stay float32 under `weights: 'float16'`: they cost nothing and keep biases exact. */
const HALF_MIN_ELEMENTS = 1024;

export function contractError(arch: string, what: string): RestoreError {
  const article = /^[AEFHILMNORSX]/.test(arch) ? 'an' : 'a'; // the architectures are read as letters: an RRDBNet, an SRVGG…
  return new RestoreError('MODEL_CONTRACT', `Not ${article} ${arch} checkpoint: ${what}`);
}

/** A GraphBuilder over one state dict. */
export class NetBuilder {
  readonly g: GraphBuilder;
  /** float16 storage: each tensor's half bits and the float32 values they stand for, computed once. */
  private readonly halves = new Map<string, { readonly bits: Uint16Array; readonly values: Float32Array }>();

  constructor(readonly arch: string, private readonly tensors: StateDict, readonly precision: WeightPrecision = 'float32') {
    this.g = new GraphBuilder(arch);
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The tensor's shape; refuses a missing tensor or one of another rank. */
  shape(name: string, rank?: number): readonly number[] {
    const t = this.tensors.get(name);
    if (!t) throw contractError(this.arch, `it has no ${name}`);
    if (rank !== undefined && t.shape.length !== rank) throw contractError(this.arch, `${name} has shape [${t.shape.join(',')}], not ${rank} dimensions`);
    return t.shape;
  }

  /** The values the graph will compute with: float16-rounded when the weights are stored as float16. */
  values(name: string): Float32Array {
    const t = this.tensors.get(name);
    if (!t) throw contractError(this.arch, `it has no ${name}`);
    return this.precision === 'float32' ? t.data : this.half(name, t.data).values;
  }

  private half(name: string, data: Float32Array): { readonly bits: Uint16Array; readonly values: Float32Array } {
    let h = this.halves.get(name);
    if (!h) {
      const bits = toHalfBits(data);
      this.halves.set(name, (h = { bits, values: halfBitsToFloats(bits) }));
    }
    return h;
  }

  /** A checkpoint tensor as an initializer (optionally reshaped), stored at the chosen precision. */
  weight(name: string, dims: readonly number[] = this.shape(name)): string {
    return this.store(name, dims, this.values(name));
  }

  /**
   * Input channels [from, from + count) of a convolution weight viewed as [out, in, kh, kw] (a 5-D modulated weight
   * [1, out, in, kh, kw] too), as an initializer of its own at the chosen precision.
   */
  inputChannels(name: string, from: number, count: number): string {
    const dims = this.shape(name).slice(-4);
    const [out, inputs, kh, kw] = dims;
    const k = kh * kw;
    const all = this.values(name);
    const part = new Float32Array(out * count * k);
    for (let o = 0; o < out; o++) part.set(all.subarray((o * inputs + from) * k, (o * inputs + from + count) * k), o * count * k);
    return this.store(`${name}.inputs_${from}_${from + count}`, [out, count, kh, kw], part);
  }

  private store(name: string, dims: readonly number[], data: Float32Array): string {
    if (this.precision === 'float32' || data.length < HALF_MIN_ELEMENTS) return this.g.floats(name, dims, data);
    const half = this.g.initializer(`${name}.fp16`, { type: 'float16', dims, data: this.halves.get(name)?.bits ?? toHalfBits(data) });
    return this.g.op('Cast', [half], { to: attr.int(1) }, name);
  }

  /** Conv2d with the checkpoint's weight (and bias, unless it has none), stride 1, padding k//2 as in the sources. */
  conv(x: string, prefix: string, output?: string): string {
    const [, , kh, kw] = this.shape(`${prefix}.weight`, 4);
    const inputs = [x, this.weight(`${prefix}.weight`)];
    if (this.has(`${prefix}.bias`)) inputs.push(this.weight(`${prefix}.bias`));
    const pads = [kh >> 1, kw >> 1, kh >> 1, kw >> 1];
    return this.g.op('Conv', inputs, { kernel_shape: attr.ints([kh, kw]), pads: attr.ints(pads) }, output);
  }

  /** A float32 vector defined once however often it is used (Resize scales, shapes). */
  constant(name: string, values: readonly number[]): string {
    return this.g.has(name) ? name : this.g.floats(name, [values.length], values);
  }

  /** An int64 vector defined once however often it is used (axes, slice bounds). */
  ints(name: string, values: readonly number[]): string {
    return this.g.has(name) ? name : this.g.int64s(name, values);
  }

  lrelu(x: string, slope = 0.2): string {
    return this.g.op('LeakyRelu', [x], { alpha: attr.float(slope) });
  }

  /** `F.interpolate(scale_factor=s, mode='nearest')` at an integer scale: source index floor(dst / s). */
  nearest(x: string, scale: number): string {
    const scales = this.constant(`scales_x${scale}`, [1, 1, scale, scale]);
    return this.g.op('Resize', [x, '', scales], {
      mode: attr.string('nearest'), coordinate_transformation_mode: attr.string('asymmetric'), nearest_mode: attr.string('floor'),
    });
  }

  /**
   * `F.interpolate(scale_factor=2, mode='bilinear', align_corners=False)`: the half-pixel rule, edges clamped.
   * `half_pixel` and `pytorch_half_pixel` differ only for an output of length 1; onnxruntime's NCHWc layout
   * (optimisation level all) has a blocked kernel for `half_pixel` only, so the upsampling stays in that layout.
   */
  bilinear2(x: string): string {
    const scales = this.constant('scales_x2', [1, 1, 2, 2]);
    return this.g.op('Resize', [x, '', scales], { mode: attr.string('linear'), coordinate_transformation_mode: attr.string('half_pixel') });
  }

  /** `F.interpolate(scale_factor=0.5, mode='bilinear', align_corners=False)` without antialias is exactly 2×2 mean pooling. */
  halve(x: string): string {
    return this.g.op('AveragePool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  }

  model(options: BuildOptions): Uint8Array {
    return this.g.toModel(options);
  }
}
