/** What `facerestore models convert` prints: the summary of a conversion, its JSON, and the stage lines on stderr. */
import type { Converted, NetworkShape } from '../../core/convert';
import type { WeightPrecision } from '../../core/convert/layers';
import { formatMB } from './model-files';

/** Everything a finished conversion reports. */
export interface ConvertSummary {
  /** The checkpoint read (absolute path). */
  readonly input: string;
  /** The ONNX file written (absolute path). */
  readonly output: string;
  readonly network: NetworkShape;
  readonly checkpoint: Converted['checkpoint'];
  readonly weights: WeightPrecision;
  /** GFPGAN's noise as asked (undefined: the engine's default, the checkpoint's buffers; other networks have none). */
  readonly noise: 'checkpoint' | 'random' | undefined;
  /** Bytes of the ONNX file. */
  readonly size: number;
  /** SHA-256 of the ONNX file, lowercase hex. */
  readonly sha256: string;
  /** Wall-clock seconds from reading to the renamed file. */
  readonly seconds: number;
  readonly converterVersion: string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The architecture and its sizes in one line.
 * @example
 * describeNetwork({ arch: 'RRDBNet', shape: { scale: 2, numFeat: 64, numBlock: 2, numGrowCh: 32 } });
 * // 'RRDBNet: ×2, 64 features, 2 blocks, growth 32'
 */
export function describeNetwork(network: NetworkShape): string {
  switch (network.arch) {
    case 'GFPGANv1Clean': {
      const s = network.shape;
      const sft = s.sftHalf ? 'SFT on half the channels' : 'SFT on all channels';
      return `GFPGANv1Clean: ${plural(s.levels, 'level')}, ${s.size}×${s.size}, ${plural(s.latents, 'latent')} of ${s.styleDim}, ${sft}`;
    }
    case 'SRVGGNetCompact': {
      const s = network.shape;
      return `SRVGGNetCompact: ${plural(s.numFeat, 'feature')}, ${plural(s.numConv, 'convolution')}, ×${s.scale}, ${s.act}`;
    }
    case 'RRDBNet': {
      const s = network.shape;
      return `RRDBNet: ×${s.scale}, ${plural(s.numFeat, 'feature')}, ${plural(s.numBlock, 'block')}, growth ${s.numGrowCh}`;
    }
  }
}

/** "zip (torch ≥ 1.6), weights under "params_ema"" / "legacy pickle (torch < 1.6), a bare state dict". */
function describeCheckpoint(c: Converted['checkpoint']): string {
  const format = c.format === 'zip' ? 'zip (torch ≥ 1.6)' : 'legacy pickle (torch < 1.6)';
  const where = c.containerKey ? `weights under "${c.containerKey}"` : 'a bare state dict';
  return `${format}, ${where}; ${plural(c.tensors, 'tensor')}, ${count(c.parameters)} parameters`;
}

/** "0.4 s", "12 s", "2 min 05 s". */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A path as one shell word: as is when plain, else in double quotes. */
const quoted = (file: string): string => (/^[\w@%+=:,./\\-]+$/.test(file) ? file : `"${file}"`);

/** The role `facerestore models import --as` takes for a converted network. */
export const importRole = (network: NetworkShape): 'restorer' | 'upsampler' => (network.arch === 'GFPGANv1Clean' ? 'restorer' : 'upsampler');

/**
 * The summary printed on stdout after a conversion (no trailing newline).
 * @example
 * formatConverted(summary).split('\n')[0]; // 'SRVGGNetCompact: 64 features, 32 convolutions, ×4, prelu'
 */
export function formatConverted(s: ConvertSummary): string {
  const noise = s.network.arch !== 'GFPGANv1Clean' ? '' : s.noise === 'random' ? ', fresh noise on every run' : ', the checkpoint\'s fixed noise';
  return [
    describeNetwork(s.network),
    `Checkpoint: ${describeCheckpoint(s.checkpoint)}`,
    `Wrote ${s.output} (${formatMB(s.size)}, ${s.weights} weights${noise})`,
    `SHA-256 ${s.sha256} (converter version ${s.converterVersion})`,
    `Converted in ${formatSeconds(s.seconds)}`,
    `Install it with: facerestore models import ${quoted(s.output)} --as ${importRole(s.network)} (or --as <catalog id>)`,
  ].join('\n');
}

/** The object `--json` prints on success. */
export function convertJson(s: ConvertSummary): Record<string, unknown> {
  return {
    input: s.input,
    output: s.output,
    arch: s.network.arch,
    shape: s.network.shape,
    checkpoint: { ...s.checkpoint, containerKey: s.checkpoint.containerKey ?? null },
    weights: s.weights,
    noise: s.network.arch === 'GFPGANv1Clean' ? (s.noise ?? 'checkpoint') : null,
    size: s.size,
    sha256: s.sha256,
    seconds: Math.round(s.seconds * 1000) / 1000,
    converterVersion: s.converterVersion,
  };
}

/** The object `--json` prints when the conversion failed (the same `{code, message}` as the restore report's). */
export function convertErrorJson(input: string, output: string, code: string, message: string): Record<string, unknown> {
  return { input, output, error: { code, message } };
}

export type ConvertStage = 'read' | 'build' | 'write';

/** One stage line on stderr: "GFPGANv1.4.pth: reading 348 MB". */
export function formatStage(label: string, stage: ConvertStage, detail: { readonly bytes: number; readonly weights: WeightPrecision; readonly output: string }): string {
  switch (stage) {
    case 'read': return `${label}: reading ${formatMB(detail.bytes)}`;
    case 'build': return `${label}: building the ONNX model (${detail.weights} weights)`;
    case 'write': return `${label}: writing ${detail.output} (${formatMB(detail.bytes)})`;
  }
}
