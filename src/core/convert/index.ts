/**
 * The converter's entry point: a `.pth` checkpoint's bytes → an ONNX model, the architecture recognised from the
 * state dict's names (or named by the caller). Deterministic: the same checkpoint tensors and options always give
 * the same bytes, so the SHA-256 of a converted model is a function of (the checkpoint's tensors, CONVERTER_VERSION,
 * the options) and can be compared across machines.
 */
import { RestoreError } from '../errors';
import { readCheckpoint, type Checkpoint } from './checkpoint';
import { buildGfpgan, gfpganShape, type GfpganNoise, type GfpganShape } from './gfpgan';
import type { StateDict, WeightPrecision } from './layers';
import { buildRrdb, rrdbShape, type RrdbShape } from './rrdb';
import { buildSrvgg, srvggShape, type SrvggShape } from './srvgg';

/** Bumped whenever a graph's bytes change for the same checkpoint and options (it is written into every model). */
export const CONVERTER_VERSION = '1';

export const ARCHITECTURES = ['GFPGANv1Clean', 'SRVGGNetCompact', 'RRDBNet'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface ConvertOptions {
  /** Which network the checkpoint holds; `auto` (default) recognises it from the tensor names. */
  readonly arch?: Architecture | 'auto';
  /** Store weights as float16 (half the size; the graph still computes in float32). Default float32. */
  readonly weights?: WeightPrecision;
  /** GFPGAN only: the checkpoint's noise buffers (default) or fresh noise per call. */
  readonly noise?: GfpganNoise;
}

export type NetworkShape =
  | { readonly arch: 'GFPGANv1Clean'; readonly shape: GfpganShape }
  | { readonly arch: 'SRVGGNetCompact'; readonly shape: SrvggShape }
  | { readonly arch: 'RRDBNet'; readonly shape: RrdbShape };

export interface Converted {
  readonly network: NetworkShape;
  /** The ONNX model: input `input`, output `output` (see each builder for the value ranges). */
  readonly model: Uint8Array;
  readonly checkpoint: { readonly format: Checkpoint['format']; readonly containerKey: Checkpoint['containerKey']; readonly tensors: number; readonly parameters: number };
}

/** Names only one architecture has. */
const MARKERS: ReadonlyArray<readonly [Architecture, string]> = [
  ['GFPGANv1Clean', 'stylegan_decoder.style_conv1.modulated_conv.weight'],
  ['RRDBNet', 'body.0.rdb1.conv1.weight'],
  ['SRVGGNetCompact', 'body.0.weight'],
];

export function detectArchitecture(tensors: StateDict): Architecture {
  const found = MARKERS.find(([, name]) => tensors.has(name));
  if (found) return found[0];
  const names = [...tensors.keys()].slice(0, 8).join(', ');
  throw new RestoreError('MODEL_CONTRACT', `The checkpoint is not a network FaceRestore can convert (${ARCHITECTURES.join(', ')}); its first tensors are: ${names || '(none)'}`);
}

export function networkShape(tensors: StateDict, arch: Architecture): NetworkShape {
  switch (arch) {
    case 'GFPGANv1Clean': return { arch, shape: gfpganShape(tensors) };
    case 'SRVGGNetCompact': return { arch, shape: srvggShape(tensors) };
    case 'RRDBNet': return { arch, shape: rrdbShape(tensors) };
  }
}

/** Builds the ONNX model of a state dict already read (the seeded benchmark checkpoints come this way). */
export function convertStateDict(tensors: StateDict, options: ConvertOptions = {}): { network: NetworkShape; model: Uint8Array } {
  const arch = !options.arch || options.arch === 'auto' ? detectArchitecture(tensors) : options.arch;
  if (!ARCHITECTURES.includes(arch)) throw new RestoreError('INVALID_OPTION', `arch must be auto or one of ${ARCHITECTURES.join(', ')}; got ${String(arch)}`);
  if (options.weights !== undefined && options.weights !== 'float32' && options.weights !== 'float16') {
    throw new RestoreError('INVALID_OPTION', `weights must be "float32" or "float16"; got ${String(options.weights)}`);
  }
  if (options.noise !== undefined && options.noise !== 'checkpoint' && options.noise !== 'random') {
    throw new RestoreError('INVALID_OPTION', `noise must be "checkpoint" or "random"; got ${String(options.noise)}`);
  }
  if (options.noise !== undefined && arch !== 'GFPGANv1Clean') throw new RestoreError('INVALID_OPTION', `noise applies to GFPGAN only, not ${arch}`);
  const network = networkShape(tensors, arch);
  const build = { weights: options.weights, producerVersion: CONVERTER_VERSION };
  const model = arch === 'GFPGANv1Clean'
    ? buildGfpgan(tensors, { ...build, noise: options.noise })
    : arch === 'RRDBNet' ? buildRrdb(tensors, build) : buildSrvgg(tensors, build);
  return { network, model };
}

/** Reads a `.pth` (safely: see checkpoint.ts) and converts it. */
export function convertCheckpoint(bytes: Uint8Array, options: ConvertOptions = {}): Converted {
  const checkpoint = readCheckpoint(bytes);
  const { network, model } = convertStateDict(checkpoint.tensors, options);
  let parameters = 0;
  for (const t of checkpoint.tensors.values()) parameters += t.data.length;
  return {
    network,
    model,
    checkpoint: { format: checkpoint.format, containerKey: checkpoint.containerKey, tensors: checkpoint.tensors.size, parameters },
  };
}
