/**
 * GFPGANv1Clean (GFPGAN v1.2/1.3/1.4, `gfpganv1_clean_arch.py`) as an ONNX graph built from its state dict, following
 * ../shared/docs/reference-pipeline.md §6.2: a U-Net encoder to 4×4, `final_linear` to the latent codes (used
 * directly: input_is_latent), the U-Net decoder whose levels give the CS-SFT scale/shift maps, and a StyleGAN2
 * decoder. Every channel count, the number of levels and latents come from the tensors.
 *
 * The StyleConvs' modulated convolutions keep constant weights (exact for batch 1): conv(x, W·s·d) =
 * d ⊙ conv(s ⊙ x, W), with d[o] = rsqrt(Σ_cin s[cin]²·Σ_k W[o,cin,k]² + 1e-8). The Σ_k W² table is computed here
 * once, so each call costs two small matrix products per layer instead of rebuilding a full weight tensor, and the
 * runtime can pre-pack W. StyleConv's √2 is folded into d. The ToRGB 1×1 layers (3 outputs) build W·s per call.
 * The layout is also chosen for onnxruntime-node's peak memory (its blocked NCHWc layout copies each convolution's
 * input): no Concat after CS-SFT, the largest upsampling convolution in channel groups, ToRGB in order; see
 * `npm run bench -- --only graphs`. Noise: the checkpoint's fixed buffers (deterministic, `randomize_noise=False`),
 * already multiplied by each layer's noise strength, or RandomNormal per call like the official inference.
 */
import type { GraphOptions, StateDict } from './layers';
import { contractError, NetBuilder } from './layers';
import { attr } from './onnx-writer';

export type GfpganNoise = 'checkpoint' | 'random';

export interface GfpganOptions extends GraphOptions {
  /** `checkpoint` (default): the saved noise buffers, same output every call. `random`: fresh noise per call. */
  readonly noise?: GfpganNoise;
}

export interface GfpganShape {
  /** U-Net levels (down/up ResBlocks, SFT pairs, upsampling StyleConv pairs): 7 for 512. */
  readonly levels: number;
  /** Face size in and out: 4·2^levels. */
  readonly size: number;
  readonly styleDim: number;
  readonly latents: number;
  /** CS-SFT applied to half of the StyleGAN channels (v1.2–1.4) or all of them. */
  readonly sftHalf: boolean;
}

const ARCH = 'GFPGANv1Clean';
const SD = 'stylegan_decoder';

export function gfpganShape(tensors: StateDict): GfpganShape {
  const linear = tensors.get('final_linear.weight');
  const first = tensors.get(`${SD}.style_conv1.modulated_conv.modulation.weight`);
  if (!linear || linear.shape.length !== 2 || !first || first.shape.length !== 2 || !tensors.has('conv_body_first.weight')) {
    throw contractError(ARCH, 'it needs conv_body_first, final_linear and stylegan_decoder.style_conv1 weights');
  }
  let levels = 0;
  while (tensors.has(`conv_body_down.${levels}.conv1.weight`)) levels++;
  const styleDim = first.shape[1];
  const latents = linear.shape[0] / styleDim;
  if (levels < 1 || latents !== 2 * levels + 2) {
    throw contractError(ARCH, `${levels} U-Net levels need ${2 * levels + 2} latents of ${styleDim}; final_linear makes ${linear.shape[0]} values`);
  }
  // sft_half: the condition nets make half the StyleConv's channels (v1.2–1.4); otherwise all of them.
  const condition = tensors.get('condition_scale.0.2.weight');
  const styleOut = tensors.get(`${SD}.style_convs.0.modulated_conv.weight`);
  if (!condition || !styleOut) throw contractError(ARCH, 'it has no condition_scale.0 or style_convs.0');
  const sftHalf = condition.shape[0] * 2 === styleOut.shape[1];
  if (!sftHalf && condition.shape[0] !== styleOut.shape[1]) {
    throw contractError(ARCH, `condition_scale.0 makes ${condition.shape[0]} channels for a StyleConv of ${styleOut.shape[1]}`);
  }
  return { levels, size: 4 * 2 ** levels, styleDim, latents, sftHalf };
}

function resBlock(net: NetBuilder, x: string, prefix: string, mode: 'down' | 'up'): string {
  const resize = (v: string): string => (mode === 'down' ? net.halve(v) : net.bilinear2(v));
  let out = net.lrelu(net.conv(x, `${prefix}.conv1`));
  out = net.lrelu(net.conv(resize(out), `${prefix}.conv2`));
  // The 1×1 skip commutes with the resize (linear, weights summing to 1, no bias): run it on the smaller side.
  const skip = mode === 'down' ? net.conv(net.halve(x), `${prefix}.skip`) : net.bilinear2(net.conv(x, `${prefix}.skip`));
  return net.g.op('Add', [out, skip]);
}

/**
 * A StyleGAN feature map, whole or as channel groups in order (what CS-SFT leaves: the untouched half and the
 * modulated half). A convolution over groups is the sum of one convolution per group, so no Concat copy is made.
 */
type Features = string | ReadonlyArray<{ readonly value: string; readonly channels: number }>;

/**
 * The upsampling StyleConv at the output size convolves the largest tensor of the network (128 channels at 512² for
 * v1.4: 128 MiB, and 128 MiB more for onnxruntime's blocked copy of it). Four channel groups upsampled and
 * convolved one after another need a quarter of that at once; onnxruntime adds each partial result inside the next
 * convolution (its Sum input), so the speed stays.
 */
const TOP_UPSAMPLE_GROUPS = 4;

const CONV_3X3_SAME = { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) };

class Decoder {
  private readonly styles: string;

  constructor(private readonly net: NetBuilder, latent: string, private readonly shape: GfpganShape, private readonly noise: GfpganNoise) {
    this.styles = net.g.op('Reshape', [latent, net.g.int64s('latent_shape', [shape.latents, shape.styleDim])]);
  }

  /** s = Linear(latent[index]) as [1, C_in]. */
  private modulation(prefix: string, index: number): string {
    const g = this.net.g;
    const row = g.op('Slice', [this.styles, this.net.ints(`index_${index}`, [index]), this.net.ints(`index_${index + 1}`, [index + 1]), this.net.ints('axis_0', [0])]);
    return g.op('Gemm', [row, this.net.weight(`${prefix}.modulation.weight`), this.net.weight(`${prefix}.modulation.bias`)], { transB: attr.int(1) });
  }

  private perChannel(v: string): string {
    return this.net.g.op('Unsqueeze', [v, this.net.ints('axes_hw', [2, 3])]);
  }

  /**
   * StyleConv's demodulated 3×3 modulated convolution in the constant-weight form, with its √2 folded into d:
   * d ⊙ Σ_groups conv(s_group ⊙ x_group, W[:, group]), each group upsampled ×2 first when `upsample`.
   */
  private modConv(x: Features, prefix: string, index: number, resolution: number, upsample: boolean): string {
    const net = this.net;
    const g = net.g;
    const name = `${prefix}.modulated_conv.weight`;
    const [, cout, cin, kh, kw] = net.shape(name, 5);
    if (kh !== 3 || kw !== 3) throw contractError(ARCH, `${name} is ${kh}×${kw}, not 3×3`);
    const s = this.modulation(`${prefix}.modulated_conv`, index);
    let groups: Exclude<Features, string>;
    if (typeof x !== 'string') groups = x;
    else if (upsample && resolution === this.shape.size && cin % TOP_UPSAMPLE_GROUPS === 0) {
      const c = cin / TOP_UPSAMPLE_GROUPS;
      groups = g.node('Split', [x, net.ints(`split_${TOP_UPSAMPLE_GROUPS}x${c}`, new Array<number>(TOP_UPSAMPLE_GROUPS).fill(c))], { axis: attr.int(1) }, TOP_UPSAMPLE_GROUPS)
        .map((value) => ({ value, channels: c }));
    } else groups = [{ value: x, channels: cin }];
    let y = '';
    let from = 0;
    for (const { value, channels } of groups) {
      const sGroup = groups.length === 1 ? s : g.op('Slice', [s, net.ints(`at_${from}`, [from]), net.ints(`at_${from + channels}`, [from + channels]), net.ints('axis_1', [1])]);
      let input = g.op('Mul', [value, this.perChannel(sGroup)]);
      if (upsample) input = net.bilinear2(input);
      const w = groups.length === 1 ? net.weight(name, [cout, cin, kh, kw]) : net.inputChannels(name, from, channels);
      const conv = g.op('Conv', [input, w], CONV_3X3_SAME);
      y = y ? g.op('Add', [y, conv]) : conv;
      from += channels;
    }
    if (from !== cin) throw contractError(ARCH, `${name} takes ${cin} channels, the layer before makes ${from}`);
    const w = net.values(name);
    const k = kh * kw;
    const energy = new Float32Array(cout * cin);
    for (let i = 0; i < energy.length; i++) {
      let sum = 0;
      for (let j = i * k; j < (i + 1) * k; j++) sum += w[j] * w[j];
      energy[i] = sum;
    }
    const variance = g.op('Gemm', [g.op('Mul', [s, s]), g.floats(`${prefix}.weight_energy`, [cout, cin], energy), net.constant('demod_eps', [1e-8])], { transB: attr.int(1) });
    const d = g.op('Div', [net.constant('sqrt2', [Math.SQRT2]), g.op('Sqrt', [variance])]);
    return g.op('Mul', [y, this.perChannel(d)]);
  }

  /** StyleConv: √2·ModConv (demodulated) + strength·noise + bias → LeakyReLU(0.2). */
  styleConv(x: Features, prefix: string, index: number, noiseIndex: number, resolution: number, upsample: boolean): string {
    const net = this.net;
    const g = net.g;
    let y = this.modConv(x, prefix, index, resolution, upsample);
    const strength = net.values(`${prefix}.weight`)[0];
    if (this.noise === 'checkpoint') {
      const buffer = `${SD}.noises.noise${noiseIndex}`;
      if (!net.has(buffer)) throw contractError(ARCH, `it has no fixed noise ${buffer}; convert it with random noise instead`);
      const dims = net.shape(buffer, 4);
      if (dims[2] !== resolution || dims[3] !== resolution) throw contractError(ARCH, `${buffer} is [${dims.join(',')}], not [1,1,${resolution},${resolution}]`);
      const scaled = net.values(buffer).map((v) => v * strength);
      y = g.op('Add', [y, g.floats(`${prefix}.noise`, dims, scaled)]);
    } else {
      const noise = g.op('RandomNormal', [], { shape: attr.ints([1, 1, resolution, resolution]), dtype: attr.int(1), mean: attr.float(0), scale: attr.float(1) });
      y = g.op('Add', [y, g.op('Mul', [noise, g.floats(`${prefix}.noise_strength`, [1], [strength])])]);
    }
    return net.lrelu(g.op('Add', [y, net.weight(`${prefix}.bias`)]));
  }

  /**
   * ToRGB: the 1×1 modulated convolution (not demodulated) + bias, plus the previous image upsampled ×2. Its weight
   * W·s is built per call (3×C values): a constant weight would let onnxruntime fuse the skip addition into a
   * blocked convolution whose inputs it then computes last, keeping every level's features alive to the end.
   * Emitted before the upsampled skip, so onnxruntime's order (latest-defined input first) runs each level's
   * ToRGB right after the level.
   */
  toRgb(x: string, prefix: string, index: number, skip?: string): string {
    const net = this.net;
    const g = net.g;
    const name = `${prefix}.modulated_conv.weight`;
    const [, cout, cin, kh, kw] = net.shape(name, 5);
    const s = g.op('Reshape', [this.modulation(`${prefix}.modulated_conv`, index), net.ints('channels_in', [1, -1, 1, 1])]);
    const y = g.op('Add', [g.op('Conv', [x, g.op('Mul', [net.weight(name, [cout, cin, kh, kw]), s])]), net.weight(`${prefix}.bias`)]);
    return skip === undefined ? y : g.op('Add', [y, net.bilinear2(skip)]);
  }
}

/** The ONNX model: input `input` [1,3,S,S] RGB in [−1,1], output `output` [1,3,S,S] (S = 512 for v1.2–1.4). */
export function buildGfpgan(tensors: StateDict, options: GfpganOptions = {}): Uint8Array {
  const shape = gfpganShape(tensors);
  const net = new NetBuilder(ARCH, tensors, options.weights);
  const g = net.g;
  const x = g.input('input', [1, 3, shape.size, shape.size]);

  let feat = net.lrelu(net.conv(x, 'conv_body_first'));
  const skips: string[] = [];
  for (let i = 0; i < shape.levels; i++) {
    feat = resBlock(net, feat, `conv_body_down.${i}`, 'down');
    skips.unshift(feat);
  }
  feat = net.lrelu(net.conv(feat, 'final_conv'));
  const flat = g.op('Reshape', [feat, g.int64s('flat_shape', [1, -1])]);
  const latent = g.op('Gemm', [flat, net.weight('final_linear.weight'), net.weight('final_linear.bias')], { transB: attr.int(1) });

  const conditions: Array<{ scale: string; shift: string }> = [];
  const condition = (v: string, prefix: string): string => net.conv(net.lrelu(net.conv(v, `${prefix}.0`)), `${prefix}.2`);
  for (let i = 0; i < shape.levels; i++) {
    feat = resBlock(net, g.op('Add', [feat, skips[i]]), `conv_body_up.${i}`, 'up');
    conditions.push({ scale: condition(feat, `condition_scale.${i}`), shift: condition(feat, `condition_shift.${i}`) });
  }

  const decoder = new Decoder(net, latent, shape, options.noise ?? 'checkpoint');
  let out = decoder.styleConv(net.weight(`${SD}.constant_input.weight`), `${SD}.style_conv1`, 0, 0, 4, false);
  let skip = decoder.toRgb(out, `${SD}.to_rgb1`, 1);
  for (let k = 0; k < shape.levels; k++) {
    const resolution = 8 * 2 ** k;
    const i = 1 + 2 * k;
    out = decoder.styleConv(out, `${SD}.style_convs.${2 * k}`, i, 2 * k + 1, resolution, true);
    const { scale, shift } = conditions[k];
    let sft: Features;
    if (shape.sftHalf) {
      const half = net.shape(`${SD}.style_convs.${2 * k}.bias`)[1] / 2;
      const [same, modulated] = g.node('Split', [out, g.int64s(`sft_split_${k}`, [half, half])], { axis: attr.int(1) }, 2);
      sft = [{ value: same, channels: half }, { value: g.op('Add', [g.op('Mul', [modulated, scale]), shift]), channels: half }];
    } else {
      sft = g.op('Add', [g.op('Mul', [out, scale]), shift]);
    }
    out = decoder.styleConv(sft, `${SD}.style_convs.${2 * k + 1}`, i + 1, 2 * k + 2, resolution, false);
    skip = decoder.toRgb(out, `${SD}.to_rgbs.${k}`, i + 2, skip);
  }
  g.op('Identity', [skip], {}, 'output');
  g.output('output', [1, 3, shape.size, shape.size]);
  return net.model(options);
}
