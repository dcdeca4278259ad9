/**
 * RRDBNet (ESRGAN / Real-ESRGAN x4plus and x2plus, basicsr `rrdbnet_arch.py`) as an ONNX graph built from its state
 * dict: conv_first, `num_block` RRDBs of three residual dense blocks (5 convolutions, dense concatenation, residuals
 * scaled by 0.2), conv_body + the trunk skip, two nearest ×2 upsamplings each followed by conv + LeakyReLU(0.2),
 * conv_hr + LeakyReLU, conv_last. Sizes come from the tensors: num_feat, num_grow_ch, num_block, and the network's
 * scale from conv_first's input channels (3 → ×4; 12 → ×2 after pixel_unshuffle(2); 48 → ×1 after pixel_unshuffle(4)).
 *
 * PyTorch's pixel_unshuffle orders the channels c·s² + i·s + j (channel, then row and column in the block); ONNX
 * SpaceToDepth (DCR) orders them (i·s + j)·C + c. Rather than transposing a 6-D tensor of dynamic size, the graph
 * uses SpaceToDepth and conv_first's input channels are permuted once to match, which is exact. Like
 * `RealESRGANer.pre_process`, a size that is not a multiple of the unshuffle factor is reflect-padded at the bottom
 * and right, and the padding is cropped from the output.
 */
import type { GraphOptions, StateDict } from './layers';
import { contractError, NetBuilder } from './layers';
import { attr } from './onnx-writer';

export interface RrdbShape {
  readonly numFeat: number;
  readonly numGrowCh: number;
  readonly numBlock: number;
  /** The network's output scale (4, 2 or 1). */
  readonly scale: number;
}

const ARCH = 'RRDBNet';

export function rrdbShape(tensors: StateDict): RrdbShape {
  const first = tensors.get('conv_first.weight');
  const grow = tensors.get('body.0.rdb1.conv1.weight');
  if (!first || first.shape.length !== 4 || !grow || grow.shape.length !== 4) {
    throw contractError(ARCH, 'it needs conv_first.weight and body.0.rdb1.conv1.weight convolutions');
  }
  const scale = ({ 3: 4, 12: 2, 48: 1 } as Record<number, number>)[first.shape[1]];
  if (scale === undefined) throw contractError(ARCH, `conv_first takes ${first.shape[1]} channels, not 3, 12 or 48 (RGB after pixel_unshuffle)`);
  let numBlock = 0;
  while (tensors.has(`body.${numBlock}.rdb1.conv1.weight`)) numBlock++;
  return { numFeat: first.shape[0], numGrowCh: grow.shape[0], numBlock, scale };
}

/** conv_first's weight with its input channels moved from pixel_unshuffle's order to SpaceToDepth's. */
function unshuffledFirst(net: NetBuilder, factor: number): string {
  const [out, cin, kh, kw] = net.shape('conv_first.weight', 4);
  const w = net.values('conv_first.weight');
  const c = cin / (factor * factor);
  const k = kh * kw;
  const permuted = new Float32Array(w.length);
  for (let o = 0; o < out; o++) {
    for (let ch = 0; ch < c; ch++) {
      for (let b = 0; b < factor * factor; b++) {
        const from = (o * cin + ch * factor * factor + b) * k;
        permuted.set(w.subarray(from, from + k), (o * cin + b * c + ch) * k);
      }
    }
  }
  return net.g.floats('conv_first.weight.space_to_depth', [out, cin, kh, kw], permuted);
}

/** Reflect-pads x at the bottom and right to a multiple of `factor`; returns the padded value and the original [H, W]. */
function padToMultiple(net: NetBuilder, x: string, factor: number): { padded: string; size: string } {
  const g = net.g;
  const size = g.op('Slice', [g.op('Shape', [x]), g.int64s('hw_start', [2]), g.int64s('hw_end', [4])]);
  const factors = g.int64s('unshuffle_factor', [factor, factor]);
  const pad = g.op('Mod', [g.op('Sub', [factors, g.op('Mod', [size, factors])]), factors]);
  const pads = g.op('Concat', [g.int64s('pads_begin', [0, 0, 0, 0, 0, 0]), pad], { axis: attr.int(0) });
  return { padded: g.op('Pad', [x, pads], { mode: attr.string('reflect') }), size };
}

function denseBlock(net: NetBuilder, x: string, prefix: string): string {
  const features = [x];
  for (let i = 1; i <= 4; i++) {
    const input = features.length === 1 ? x : net.g.op('Concat', features, { axis: attr.int(1) });
    features.push(net.lrelu(net.conv(input, `${prefix}.conv${i}`)));
  }
  const x5 = net.conv(net.g.op('Concat', features, { axis: attr.int(1) }), `${prefix}.conv5`);
  return net.g.op('Add', [net.g.op('Mul', [x5, net.constant('residual_scale', [0.2])]), x]);
}

/** The ONNX model: input `input` [1,3,H,W] RGB in 0..1, output `output` [1,3,scale·H,scale·W]. */
export function buildRrdb(tensors: StateDict, options: GraphOptions = {}): Uint8Array {
  const shape = rrdbShape(tensors);
  const net = new NetBuilder(ARCH, tensors, options.weights);
  const g = net.g;
  const x = g.input('input', [1, 3, 'height', 'width']);
  const factor = 4 / shape.scale;
  let feat: string;
  let size = '';
  if (factor === 1) {
    feat = net.conv(x, 'conv_first');
  } else {
    const padded = padToMultiple(net, x, factor);
    size = padded.size;
    const unshuffled = g.op('SpaceToDepth', [padded.padded], { blocksize: attr.int(factor) });
    const [, , kh, kw] = net.shape('conv_first.weight', 4);
    feat = g.op('Conv', [unshuffled, unshuffledFirst(net, factor), net.weight('conv_first.bias')], { kernel_shape: attr.ints([kh, kw]), pads: attr.ints([1, 1, 1, 1]) });
  }
  let body = feat;
  for (let b = 0; b < shape.numBlock; b++) {
    let h = body;
    for (const rdb of ['rdb1', 'rdb2', 'rdb3']) h = denseBlock(net, h, `body.${b}.${rdb}`);
    body = g.op('Add', [g.op('Mul', [h, net.constant('residual_scale', [0.2])]), body]);
  }
  feat = g.op('Add', [feat, net.conv(body, 'conv_body')]);
  feat = net.lrelu(net.conv(net.nearest(feat, 2), 'conv_up1'));
  feat = net.lrelu(net.conv(net.nearest(feat, 2), 'conv_up2'));
  const out = net.conv(net.lrelu(net.conv(feat, 'conv_hr')), 'conv_last', factor === 1 ? 'output' : undefined);
  if (factor !== 1) {
    const end = g.op('Mul', [size, g.int64s('output_scale', [shape.scale, shape.scale])]);
    g.op('Slice', [out, g.int64s('crop_start', [0, 0]), end, g.int64s('crop_axes', [2, 3])], {}, 'output');
  }
  g.output('output', [1, 3, 'out_height', 'out_width']);
  return net.model(options);
}
