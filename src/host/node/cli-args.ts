/**
 * Command-line flags: GFPGAN's `inference_gfpgan.py` flags (underscore spellings accepted too) plus ours.
 * Every value is validated here, before any file is touched; a bad flag is a usage error (exit 2).
 */
import { parseArgs } from 'util';
import { DETECTOR_KINDS, type DetectorKind } from '../../core/detect/types';
import { DEFAULT_MAX_PIXELS } from '../../core/image';
import { normaliseServerUrl } from '../../core/kserve/remote-runtime';
import { MAX_UPSCALE } from '../../core/options';
import { UPSCALE_DEFAULTS } from '../../core/upsampler';
import { GFPGAN_VERSIONS, UPSAMPLER_NAMES, type GfpganVersion } from './model-files';

export const OUTPUT_EXTS = ['auto', 'jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff'] as const;
export type OutputExt = (typeof OUTPUT_EXTS)[number];

export interface CliOptions {
  readonly input: string;
  readonly output: string;
  readonly version: GfpganVersion;
  readonly model?: string;
  readonly upscale: number;
  /** undefined = none; else a known name (UPSAMPLER_NAMES) or a model file. */
  readonly bgUpsampler?: string;
  readonly bgTile: number;
  readonly bgTilePad: number;
  readonly suffix?: string;
  readonly onlyCenterFace: boolean;
  readonly onlyLargest: boolean;
  readonly aligned: boolean;
  readonly ext: OutputExt;
  readonly weight: number;
  readonly strength: number;
  readonly detector: DetectorKind;
  readonly detectorModel?: string;
  readonly detScore?: number;
  readonly detSize?: number;
  readonly maxFaces: number;
  readonly modelsDir?: string;
  readonly runtime: 'node' | 'web';
  /** A KServe v2 server that runs the models (catalog ids) instead of this process. */
  readonly server?: string;
  readonly serverToken?: string;
  /** Run in this process when the server cannot be reached (needs the models installed here). */
  readonly fallback: boolean;
  readonly threads: number;
  readonly maxPixels: number;
  readonly json: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const HELP = `Usage: facerestore -i <file|folder> -o <folder> [options]
       facerestore models list|pull|verify|import|remove|export-triton|convert ...   (see facerestore models --help)
       facerestore serve [--host 127.0.0.1] [--port 8000] [--token …]             (see facerestore serve --help)

Restores faces in photos with GFPGAN (detect → align → restore → soft-mask paste-back).
Flags follow GFPGAN's inference_gfpgan.py; underscore spellings (--only_center_face) work too.

Input and output
  -i, --input <path>         image file or folder of images (default: inputs/whole_imgs)
  -o, --output <folder>      output root (default: results); writes cropped_faces/, restored_faces/,
                             cmp/, restored_imgs/ and faces/<name>.json as GFPGAN does
      --ext <ext>            restored image format: auto (same as input), jpg, png, webp, tif (default: auto)
      --suffix <text>        appended to restored face and image names
      --aligned              inputs are aligned faces: no detection, no paste-back (resized to 512×512)
      --json                 print a JSON summary of every file on stdout

Models
  -v, --version <1.2|1.3|1.4>  GFPGAN version, looked up in the models directory (default: 1.4);
                             install it with: facerestore models pull gfpgan-1.4
      --model <file.onnx>    restore model file (overrides --version); any model with GFPGAN's contract
      --models-dir <dir>     where models are looked up (default: $FACERESTORE_MODELS, else ~/.cache/facerestore/models)
      --detector <name>      yunet (default), retinaface or scrfd (research-use licence)
      --detector-model <f>   detector model file (overrides the lookup)
      --runtime <node|web>   onnxruntime-node (default, fastest) or onnxruntime-web (wasm)
      --threads <n>          inference threads, 0 = runtime default (default: 0)
      --server <url>         run the models on a KServe v2 server (facerestore serve, Triton, KServe) by
                             catalog id, e.g. http://127.0.0.1:8000; detection geometry and paste-back stay here
      --server-token <t>     its access token (default: $FACERESTORE_TOKEN)
      --fallback             with --server: run here when the server cannot be reached (models installed here)

Restoration
  -s, --upscale <int>        final scale of the whole image, 1..${MAX_UPSCALE} (default: 2)
      --bg-upsampler <name>  background upsampler: none (Lanczos-4 resize, default), realesr-general-x4v3,
                             realesr-animevideov3-x4, realesrgan-x2plus, realesrgan (the first of those found),
                             or an ONNX super-resolution model file; its scale is read from the model
      --bg-tile <px>         upsampler tile size in input pixels, 0 = whole image in one run (default: ${UPSCALE_DEFAULTS.tile})
      --bg-tile-pad <px>     context pixels around each tile, so tiles join without seams (default: ${UPSCALE_DEFAULTS.tilePad})
      --strength <0..1>      blend of restored faces over the original, 1 = full restore (default: 1)
  -w, --weight <0..1>        fidelity weight for models with a "weight" input (CodeFormer); GFPGAN ignores it (default: 0.5)

Detection
      --only-center-face     restore only the face nearest the image centre
      --only-largest         restore only the largest face
      --max-faces <n>        restore at most n faces, highest scores first, 0 = all (default: 0)
      --det-score <0..1>     detection score threshold (default: the detector's own)
      --det-size <px>        longest side the detector sees; larger photos are downscaled (default: 640)

Limits
      --max-pixels <n>       refuse inputs larger than n pixels (default: ${DEFAULT_MAX_PIXELS})

  -h, --help                 show this help

Exit status: 0 when every file was restored, 1 when any file failed or had no face, 2 for bad flags.`;

const ALIASES: Readonly<Record<string, string>> = {
  bg_upsampler: 'bg-upsampler', bg_tile: 'bg-tile', bg_tile_pad: 'bg-tile-pad', only_center_face: 'only-center-face', only_largest: 'only-largest',
  detector_model: 'detector-model', models_dir: 'models-dir', max_faces: 'max-faces', det_score: 'det-score',
  det_size: 'det-size', max_pixels: 'max-pixels',
};

const STRING_FLAGS = ['input', 'output', 'version', 'model', 'upscale', 'bg-upsampler', 'bg-tile', 'bg-tile-pad', 'suffix', 'ext', 'weight',
  'strength', 'detector', 'detector-model', 'det-score', 'det-size', 'max-faces', 'models-dir', 'runtime', 'threads', 'max-pixels', 'server',
  'server-token'];
const BOOL_FLAGS = ['only-center-face', 'only-largest', 'aligned', 'json', 'help', 'fallback'];
const SHORT: Readonly<Record<string, string>> = { input: 'i', output: 'o', version: 'v', upscale: 's', weight: 'w', help: 'h' };

export function numberFlag(flag: string, raw: string | undefined, fallback: number, min: number, max: number, integer: boolean): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; received "${raw}"`);
  }
  return v;
}

function choiceFlag<T extends string>(flag: string, raw: string | undefined, fallback: T, choices: readonly T[]): T {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${flag} must be one of ${choices.join(', ')}; received "${raw}"`);
  return raw as T;
}

/** Parses and validates argv (without node and script). Throws UsageError with one actionable line. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const normalised = argv.map((a) => {
    const m = /^--([a-z_]+)(=.*)?$/.exec(a);
    return m && ALIASES[m[1]] ? `--${ALIASES[m[1]]}${m[2] ?? ''}` : a;
  });
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const f of STRING_FLAGS) options[f] = { type: 'string', ...(SHORT[f] ? { short: SHORT[f] } : {}) };
  for (const f of BOOL_FLAGS) options[f] = { type: 'boolean', ...(SHORT[f] ? { short: SHORT[f] } : {}) };
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({ args: [...normalised], options, strict: true, allowPositionals: false });
    values = parsed.values as Record<string, string | boolean | undefined>;
  } catch (error) {
    // Node's message can span lines ("… is ambiguous. … use '--bg-tile=-XYZ'"): keep all of it, on one line.
    throw new UsageError(`${(error as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')} (see --help)`);
  }
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const bgUpsampler = str('bg-upsampler') ?? 'none';
  const isKnown = bgUpsampler === 'none' || (UPSAMPLER_NAMES as readonly string[]).includes(bgUpsampler);
  if (!isKnown && !/\.onnx$/i.test(bgUpsampler)) {
    throw new UsageError(`--bg-upsampler must be none, ${UPSAMPLER_NAMES.join(', ')} or a .onnx model file; received "${bgUpsampler}"`);
  }
  const server = str('server');
  if (server !== undefined) {
    try {
      normaliseServerUrl(server);
    } catch (error) {
      throw new UsageError(`--server: ${(error as Error).message}`);
    }
    const local = ['model', 'detector-model'].find((f) => str(f) !== undefined) ?? (/\.onnx$/i.test(bgUpsampler) ? 'bg-upsampler' : undefined);
    if (local) throw new UsageError(`--${local} names a file here, but --server runs catalog models by id: use -v, --detector and --bg-upsampler <name>`);
  }
  if (values.fallback === true && server === undefined) throw new UsageError('--fallback only applies with --server <url>');
  const suffix = str('suffix');
  if (suffix !== undefined && /[/\\]/.test(suffix)) throw new UsageError(`--suffix must not contain path separators; received "${suffix}"`);
  return {
    input: str('input') ?? 'inputs/whole_imgs',
    output: str('output') ?? 'results',
    version: choiceFlag('version', str('version'), '1.4', GFPGAN_VERSIONS),
    model: str('model'),
    upscale: numberFlag('upscale', str('upscale'), 2, 1, MAX_UPSCALE, true),
    ...(bgUpsampler === 'none' ? {} : { bgUpsampler }),
    bgTile: numberFlag('bg-tile', str('bg-tile'), UPSCALE_DEFAULTS.tile, 0, 1 << 16, true),
    bgTilePad: numberFlag('bg-tile-pad', str('bg-tile-pad'), UPSCALE_DEFAULTS.tilePad, 0, 256, true),
    suffix,
    onlyCenterFace: values['only-center-face'] === true,
    onlyLargest: values['only-largest'] === true,
    aligned: values.aligned === true,
    ext: choiceFlag('ext', str('ext'), 'auto', OUTPUT_EXTS),
    weight: numberFlag('weight', str('weight'), 0.5, 0, 1, false),
    strength: numberFlag('strength', str('strength'), 1, 0, 1, false),
    detector: choiceFlag('detector', str('detector'), 'yunet', DETECTOR_KINDS),
    detectorModel: str('detector-model'),
    detScore: str('det-score') === undefined ? undefined : numberFlag('det-score', str('det-score'), 0, 0, 1, false),
    detSize: str('det-size') === undefined ? undefined : numberFlag('det-size', str('det-size'), 640, 32, 8192, true),
    maxFaces: numberFlag('max-faces', str('max-faces'), 0, 0, 10000, true),
    modelsDir: str('models-dir'),
    runtime: choiceFlag('runtime', str('runtime'), 'node', ['node', 'web'] as const),
    threads: numberFlag('threads', str('threads'), 0, 0, 256, true),
    ...(server !== undefined ? { server: server.trim() } : {}),
    ...(str('server-token') !== undefined ? { serverToken: str('server-token') } : {}),
    fallback: values.fallback === true,
    maxPixels: numberFlag('max-pixels', str('max-pixels'), DEFAULT_MAX_PIXELS, 1, 1e10, true),
    json: values.json === true,
    help: values.help === true,
  };
}
