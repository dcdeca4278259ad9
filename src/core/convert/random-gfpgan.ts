/**
 * A GFPGANv1Clean state dict with seeded random weights in the official layout (names, shapes, order of
 * `GFPGANv1Clean(out_size=512, num_style_feat=512, channel_multiplier=2, narrow, sft_half=True, different_w=True)`),
 * so speed and memory can be measured honestly on the real architecture without the real weights. Values follow
 * the networks' own initialisations in scale (N(0,1)/√fan_in weights, modulation bias 1, unit noise buffers), which
 * keeps activations in range: a benchmark on weights that overflow or go subnormal would measure something else.
 */
import type { CheckpointTensor } from './checkpoint';
import type { StateDict } from './layers';

export interface GfpganLayoutOptions {
  /** Channel width factor: 1 for v1.2–1.4; the shared test fixture uses 0.125. */
  readonly narrow?: number;
  readonly outSize?: number;
  readonly styleDim?: number;
  readonly channelMultiplier?: number;
}

/** Every tensor's name and shape, in the order PyTorch saves them. */
export function gfpganLayout(options: GfpganLayoutOptions = {}): Array<[string, number[]]> {
  const { narrow = 1, outSize = 512, styleDim = 512, channelMultiplier: cm = 2 } = options;
  const logSize = Math.round(Math.log2(outSize));
  const widths = (n: number): (r: number) => number => (r: number) => Math.trunc((r <= 32 ? 512 : (256 * cm * 64) / r) * n);
  const unet = widths(narrow * 0.5);
  const style = widths(narrow);
  const out: Array<[string, number[]]> = [];
  const conv = (name: string, cout: number, cin: number, k: number, bias = true): void => {
    out.push([`${name}.weight`, [cout, cin, k, k]]);
    if (bias) out.push([`${name}.bias`, [cout]]);
  };
  const resBlock = (name: string, cin: number, cout: number): void => {
    conv(`${name}.conv1`, cin, cin, 3);
    conv(`${name}.conv2`, cout, cin, 3);
    conv(`${name}.skip`, cout, cin, 1, false);
  };
  conv('conv_body_first', unet(outSize), 3, 1);
  for (let i = logSize; i > 2; i--) resBlock(`conv_body_down.${logSize - i}`, unet(2 ** i), unet(2 ** (i - 1)));
  conv('final_conv', unet(4), unet(4), 3);
  for (let i = 3; i <= logSize; i++) resBlock(`conv_body_up.${i - 3}`, unet(2 ** (i - 1)), unet(2 ** i));
  for (let i = 3; i <= logSize; i++) conv(`toRGB.${i - 3}`, 3, unet(2 ** i), 1);
  const modulated = (name: string, cout: number, cin: number, k: number): void => {
    out.push([`${name}.modulated_conv.weight`, [1, cout, cin, k, k]], [`${name}.modulated_conv.modulation.weight`, [cin, styleDim]], [`${name}.modulated_conv.modulation.bias`, [cin]]);
  };
  const styleConv = (name: string, cout: number, cin: number): void => {
    out.push([`${name}.weight`, [1]], [`${name}.bias`, [1, cout, 1, 1]]);
    modulated(name, cout, cin, 3);
  };
  const toRgb = (name: string, cin: number): void => {
    out.push([`${name}.bias`, [1, 3, 1, 1]]);
    modulated(name, 3, cin, 1);
  };
  for (let i = 3; i <= logSize; i++) {
    const c = unet(2 ** i);
    conv(`condition_scale.${i - 3}.0`, c, c, 3);
    conv(`condition_scale.${i - 3}.2`, c, c, 3);
  }
  for (let i = 3; i <= logSize; i++) {
    const c = unet(2 ** i);
    conv(`condition_shift.${i - 3}.0`, c, c, 3);
    conv(`condition_shift.${i - 3}.2`, c, c, 3);
  }
  out.push(['final_linear.weight', [(2 * logSize - 2) * styleDim, unet(4) * 16]], ['final_linear.bias', [(2 * logSize - 2) * styleDim]]);
  const sd = 'stylegan_decoder';
  for (let i = 0; i < 8; i++) out.push([`${sd}.style_mlp.${2 * i + 1}.weight`, [styleDim, styleDim]], [`${sd}.style_mlp.${2 * i + 1}.bias`, [styleDim]]);
  out.push([`${sd}.constant_input.weight`, [1, style(4), 4, 4]]);
  styleConv(`${sd}.style_conv1`, style(4), style(4));
  toRgb(`${sd}.to_rgb1`, style(4));
  for (let i = 3, cin = style(4); i <= logSize; cin = style(2 ** i), i++) {
    styleConv(`${sd}.style_convs.${2 * (i - 3)}`, style(2 ** i), cin);
    styleConv(`${sd}.style_convs.${2 * (i - 3) + 1}`, style(2 ** i), style(2 ** i));
  }
  for (let i = 3; i <= logSize; i++) toRgb(`${sd}.to_rgbs.${i - 3}`, style(2 ** i));
  for (let l = 0; l < 2 * (logSize - 2) + 1; l++) {
    const r = 2 ** ((l + 5) >> 1);
    out.push([`${sd}.noises.noise${l}`, [1, 1, r, r]]);
  }
  return out;
}

// Module-level bindings: a global lookup per value is slow inside VM contexts (jest, some plugin hosts).
const { cos, imul, log, sin, sqrt, PI } = Math;

/** mulberry32: a small, fast, well-mixed 32-bit generator; the seed makes every benchmark build identical. */
function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal values (Box–Muller) times `scale`, plus `offset`. */
function normals(next: () => number, count: number, scale: number, offset = 0): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = sqrt(-2 * log(1 - next()));
    const t = 2 * PI * next();
    out[i] = r * cos(t) * scale + offset;
    if (i + 1 < count) out[i + 1] = r * sin(t) * scale + offset;
  }
  return out;
}

/** The seeded random state dict of `gfpganLayout(options)`. */
export function randomGfpganStateDict(seed: number, options: GfpganLayoutOptions = {}): StateDict {
  const next = uniform(seed);
  const tensors = new Map<string, CheckpointTensor>();
  for (const [name, shape] of gfpganLayout(options)) {
    const count = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (name.includes('.noises.')) data = normals(next, count, 1);
    else if (name.endsWith('modulation.bias')) data = normals(next, count, 0.1, 1);
    else if (/\.(weight)$/.test(name) && shape.length === 1) data = normals(next, count, 0.1); // noise strengths
    else if (name.endsWith('.bias')) data = normals(next, count, 0.01);
    else if (name.endsWith('constant_input.weight')) data = normals(next, count, 1);
    else data = normals(next, count, 1 / Math.sqrt(count / shape[shape.length === 5 ? 1 : 0]));
    tensors.set(name, { dtype: 'float32', shape, data });
  }
  return tensors;
}
