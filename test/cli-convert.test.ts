/**
 * `facerestore models convert` end to end: the built CLI (bin/facerestore.js) on the shared .pth fixtures in a temp
 * folder. The written ONNX file reproduces PyTorch's output (onnxruntime-node), zip and legacy checkpoints give the
 * same bytes, --fp16 halves the file, refusals (an existing output, --noise on SRVGG, a hostile pickle, bad flags)
 * leave nothing behind; plus the summary formatter and an abort in the middle of the write, in process.
 */
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ZipFile } from 'yazl';
import { convertFile, convertRequest, defaultOutput, writeFileAtomically } from '../src/host/node/cli-convert';
import { describeNetwork, formatConverted, formatSeconds, type ConvertSummary } from '../src/host/node/cli-convert-format';
import { nodeRelativeError, type Fixture } from './helpers/convert-fixtures';
import { sharedModel } from './helpers/shared';

const BIN = path.resolve(__dirname, '..', 'bin', 'facerestore.js');
const SRVGG = sharedModel('pth/srvgg-x4-c32.pth');
const SRVGG_LEGACY = sharedModel('pth/srvgg-x4-c32-legacy.pth');
const RRDB = sharedModel('pth/rrdb-x2-b2.pth');
const GFPGAN = sharedModel('pth/gfpgan-clean-narrow0.125.pth');

const fixtures = JSON.parse(fs.readFileSync(sharedModel('pth/fixtures.json'), 'utf8')) as Record<string, Fixture>;

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[], cwd = tmp): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'models', 'convert', ...args], { cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const shaOf = (file: string): string => sha(fs.readFileSync(file));
const lines = (text: string): string[] => text.trim().split('\n').filter(Boolean);
const ls = (dir: string): string[] => fs.readdirSync(dir).sort();
let seq = 0;
/** A fresh empty folder inside the temp dir. */
function folder(): string {
  const dir = path.join(tmp, `case-${++seq}`);
  fs.mkdirSync(dir);
  return dir;
}

/** max |output − expected| / max |expected| of the ONNX file on the fixture's input (onnxruntime-node). */
const relativeError = (onnxFile: string, f: Fixture): Promise<number> => nodeRelativeError(new Uint8Array(fs.readFileSync(onnxFile)), f);

async function zipOf(files: Record<string, Uint8Array | string>): Promise<Uint8Array> {
  const zip = new ZipFile();
  for (const [name, data] of Object.entries(files)) zip.addBuffer(Buffer.from(data), name, { compress: false });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Protocol 2: GLOBAL os.system, the tuple (command,), REDUCE, STOP. Python's pickle.loads would run `command`. */
function hostilePickle(command: string): Uint8Array {
  const arg = Buffer.from(command);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(arg.length);
  return new Uint8Array(Buffer.concat([Buffer.from('\x80\x02cos\nsystem\nX', 'latin1'), length, arg, Buffer.from('\x85R.', 'latin1')]));
}

let tmp: string;
let srvggOnnx: string;
beforeAll(() => {
  if (!fs.existsSync(path.resolve(__dirname, '..', 'build', 'host', 'node', 'cli-convert.js'))) {
    throw new Error('build/ is missing or stale: run `npx tsc -p tsconfig.json` (npm test builds first)');
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-convert-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('facerestore models convert', () => {
  it('converts srvgg-x4-c32.pth beside itself: PyTorch\'s output within 1e-4, the summary, the SHA-256, the stage lines', async () => {
    const dir = folder();
    const input = path.join(dir, 'srvgg-x4-c32.pth');
    fs.copyFileSync(SRVGG, input);
    const before = shaOf(input);
    const r = await run(['srvgg-x4-c32.pth'], dir);
    expect(r.code).toBe(0);
    srvggOnnx = path.join(dir, 'srvgg-x4-c32.onnx');
    expect(ls(dir)).toEqual(['srvgg-x4-c32.onnx', 'srvgg-x4-c32.pth']);
    expect(shaOf(input)).toBe(before);
    const out = lines(r.stdout);
    expect(out[0]).toBe('SRVGGNetCompact: 64 features, 32 convolutions, ×4, prelu');
    expect(out[1]).toBe('Checkpoint: zip (torch ≥ 1.6), weights under "params"; 101 tensors, 1,213,296 parameters');
    const size = fs.statSync(srvggOnnx).size;
    expect(out[2]).toBe(`Wrote ${srvggOnnx} (${(size / 1024 / 1024).toFixed(1)} MB, float32 weights)`);
    expect(out[3]).toBe(`SHA-256 ${shaOf(srvggOnnx)} (converter version 1)`);
    expect(out[4]).toMatch(/^Converted in \d+\.\d s$/);
    expect(out[5]).toBe(`Install it with: facerestore models import ${srvggOnnx} --as upsampler (or --as <catalog id>)`);
    expect(lines(r.stderr)).toEqual([
      'srvgg-x4-c32.pth: reading 4.7 MB',
      'srvgg-x4-c32.pth: building the ONNX model (float32 weights)',
      `srvgg-x4-c32.pth: writing srvgg-x4-c32.onnx (${(size / 1024 / 1024).toFixed(1)} MB)`,
    ]);
    expect(await relativeError(srvggOnnx, fixtures['srvgg-x4-c32'])).toBeLessThanOrEqual(1e-4);
  });

  it('the legacy (torch < 1.6) checkpoint of the same weights gives a byte-identical ONNX file', async () => {
    const dir = folder();
    const r = await run([SRVGG_LEGACY, '-o', 'legacy.onnx'], dir);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[1]).toBe('Checkpoint: legacy pickle (torch < 1.6), weights under "params"; 101 tensors, 1,213,296 parameters');
    expect(fs.readFileSync(path.join(dir, 'legacy.onnx')).equals(fs.readFileSync(srvggOnnx))).toBe(true);
  });

  it('--fp16: under 0.6× the float32 file and still within 5e-3; --json prints one object', async () => {
    const dir = folder();
    const r = await run([SRVGG, '--fp16', '--output', path.join(dir, 'half.onnx'), '--json'], dir);
    expect(r.code).toBe(0);
    const half = path.join(dir, 'half.onnx');
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toEqual({
      input: SRVGG, output: half, arch: 'SRVGGNetCompact', shape: { numFeat: 64, numConv: 32, scale: 4, act: 'prelu' },
      checkpoint: { format: 'zip', containerKey: 'params', tensors: 101, parameters: 1213296 },
      weights: 'float16', noise: null, size: fs.statSync(half).size, sha256: shaOf(half), seconds: expect.any(Number), converterVersion: '1',
    });
    expect(fs.statSync(half).size).toBeLessThan(0.6 * fs.statSync(srvggOnnx).size);
    expect(await relativeError(half, fixtures['srvgg-x4-c32'])).toBeLessThanOrEqual(5e-3);
  });

  it('rrdb-x2-b2 with the architecture recognised: RRDBNet ×2, and its output matches PyTorch', async () => {
    const dir = folder();
    const r = await run([RRDB, '--arch', 'auto', '-o', 'rrdb.onnx'], dir);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toBe('RRDBNet: ×2, 64 features, 2 blocks, growth 32');
    expect(lines(r.stdout)[1]).toBe('Checkpoint: zip (torch ≥ 1.6), weights under "params_ema"; 72 tensors, 1,595,267 parameters');
    expect(await relativeError(path.join(dir, 'rrdb.onnx'), fixtures['rrdb-x2-b2'])).toBeLessThanOrEqual(1e-4);
  });

  it('GFPGAN: the summary names its shape and the checkpoint\'s noise', async () => {
    const dir = folder();
    const r = await run([GFPGAN, '-o', 'gfpgan.onnx'], dir);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe('GFPGANv1Clean: 7 levels, 512×512, 16 latents of 512, SFT on half the channels');
    expect(out[1]).toBe('Checkpoint: zip (torch ≥ 1.6), weights under "params_ema"; 285 tensors, 8,303,088 parameters');
    expect(out[2]).toMatch(/\(\d+ MB, float32 weights, the checkpoint's fixed noise\)$/);
    expect(out[5]).toContain('--as restorer');
  });

  it('--noise random on an SRVGG checkpoint: the engine\'s INVALID_OPTION message, exit 1, no file', async () => {
    const dir = folder();
    const r = await run([SRVGG, '--noise', 'random', '-o', 'noisy.onnx', '--json'], dir);
    expect(r.code).toBe(1);
    expect(lines(r.stderr).at(-1)).toBe('facerestore: noise applies to GFPGAN only, not SRVGGNetCompact');
    expect(JSON.parse(r.stdout)).toEqual({
      input: SRVGG, output: path.join(dir, 'noisy.onnx'), error: { code: 'INVALID_OPTION', message: 'noise applies to GFPGAN only, not SRVGGNetCompact' },
    });
    expect(ls(dir)).toEqual([]);
  });

  it('an existing output is refused without --force and left byte-identical; --force replaces it', async () => {
    const dir = folder();
    const target = path.join(dir, 'out.onnx');
    fs.writeFileSync(target, 'precious');
    const refused = await run([SRVGG, '-o', 'out.onnx'], dir);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([`facerestore: ${target} already exists; nothing was written. Pass --force to replace it, or name another file with -o`]);
    expect(fs.readFileSync(target, 'utf8')).toBe('precious');
    expect(ls(dir)).toEqual(['out.onnx']);
    const forced = await run([SRVGG, '-o', 'out.onnx', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(shaOf(target)).toBe(shaOf(srvggOnnx));
    expect(ls(dir)).toEqual(['out.onnx']);
    const itself = await run([target, '-o', target, '--force'], dir);
    expect(itself.code).toBe(1);
    expect(itself.stderr).toContain('is the checkpoint itself');
    expect(shaOf(target)).toBe(shaOf(srvggOnnx));
  });

  it('a hostile pickle (GLOBAL os.system + REDUCE), zipped or raw: CHECKPOINT_REFUSED, exit 1, nothing written or run', async () => {
    const dir = folder();
    const marker = path.join(dir, 'pwned');
    const pickle = hostilePickle(`touch ${marker}`);
    fs.writeFileSync(path.join(dir, 'zipped.pth'), await zipOf({ 'archive/data.pkl': pickle, 'archive/version': '3\n' }));
    fs.writeFileSync(path.join(dir, 'raw.pth'), pickle);
    for (const [file, where] of [['zipped.pth', 'offset 2 of archive/data.pkl'], ['raw.pth', 'offset 2']]) {
      const r = await run([file, '--json'], dir);
      expect(r.code).toBe(1);
      const message = `Refused the checkpoint: its pickle asks for os.system (${where}), which is not a tensor or a container; it may be malicious`;
      expect(lines(r.stderr).at(-1)).toBe(`facerestore: ${message}`);
      expect((JSON.parse(r.stdout) as { error: unknown }).error).toEqual({ code: 'CHECKPOINT_REFUSED', message });
    }
    expect(ls(dir)).toEqual(['raw.pth', 'zipped.pth']);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('usage errors (exit 2, one line): a bad --arch lists the architectures; bad --noise, arity, misplaced flags', async () => {
    const dir = folder();
    const arch = await run([SRVGG, '--arch', 'ESRGAN'], dir);
    expect(arch.code).toBe(2);
    expect(lines(arch.stderr)).toEqual(['facerestore: --arch must be auto, GFPGANv1Clean, SRVGGNetCompact or RRDBNet; received "ESRGAN" (see facerestore models --help)']);
    const noise = await run([SRVGG, '--noise', 'loud'], dir);
    expect(lines(noise.stderr)).toEqual(['facerestore: --noise must be checkpoint or random; received "loud" (see facerestore models --help)']);
    for (const args of [[], [SRVGG, RRDB], [SRVGG, '--as', 'restorer'], [SRVGG, '--models-dir', dir], [SRVGG, '--link'], [SRVGG, '--arch']]) {
      const r = await run(args, dir);
      expect([args, r.code]).toEqual([args, 2]);
      expect(lines(r.stderr)).toHaveLength(1);
    }
    const elsewhere = await new Promise<Run>((resolve) => {
      execFile(process.execPath, [BIN, 'models', 'list', '--fp16'], (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
    });
    expect([elsewhere.code, elsewhere.stderr.trim()]).toEqual([2, 'facerestore: --fp16 is only for models convert']);
    expect(ls(dir)).toEqual([]);
  });

  it('a forced wrong architecture is MODEL_CONTRACT; a missing input names the file; nothing is written', async () => {
    const dir = folder();
    const wrong = await run([SRVGG, '--arch', 'RRDBNet', '-o', 'x.onnx', '--json'], dir);
    expect(wrong.code).toBe(1);
    expect((JSON.parse(wrong.stdout) as { error: { code: string } }).error.code).toBe('MODEL_CONTRACT');
    const missing = await run(['nope.pth'], dir);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, `facerestore: Cannot read ${path.join(dir, 'nope.pth')}: it does not exist`]);
    expect(ls(dir)).toEqual([]);
  });

  it('help documents the command and its flags', async () => {
    const help = await new Promise<string>((resolve) => execFile(process.execPath, [BIN, 'models', '--help'], (_e, stdout) => resolve(stdout)));
    for (const word of ['convert <file.pth>', '--arch <name>', '-o, --output <file>', '--force', '--fp16', '--noise <mode>', 'list, verify and convert']) expect(help).toContain(word);
  });
});

describe('cancelling (what Ctrl+C does) and the pieces, in process', () => {
  it('an abort during the write or before it leaves neither the output nor a temp file', async () => {
    const dir = folder();
    const output = path.join(dir, 'out.onnx');
    for (const at of ['build', 'write'] as const) {
      const controller = new AbortController();
      const request = convertRequest(SRVGG, { output, fp16: false, force: false });
      const seen: string[] = [];
      await expect(convertFile(request, {
        signal: controller.signal,
        onProgress: (e) => {
          seen.push(`${e.stage} ${e.done}`);
          if (e.stage === at && e.done > 0) controller.abort(new Error('interrupted (Ctrl+C)'));
        },
      })).rejects.toMatchObject({ name: 'AbortError' });
      expect(seen.at(-1)).toMatch(at === 'build' ? /^build 1$/ : /^write [1-9]/);
      expect(ls(dir)).toEqual([]);
    }
    // 20 MB: three chunks, the abort after the first.
    const controller = new AbortController();
    const written: number[] = [];
    const big = new Uint8Array(20 * 1024 * 1024);
    await expect(writeFileAtomically(output, big, { replace: false, signal: controller.signal, onWritten: (n) => { written.push(n); controller.abort(); } }))
      .rejects.toMatchObject({ name: 'AbortError', code: 'ABORTED' });
    expect(written).toEqual([8 * 1024 * 1024]);
    expect(ls(dir)).toEqual([]);
  });

  it('default output names, and option checks with exact messages', () => {
    expect(defaultOutput('/m/GFPGANv1.4.pth')).toBe('/m/GFPGANv1.4.onnx');
    expect(defaultOutput('/m/net.PT')).toBe('/m/net.onnx');
    expect(defaultOutput('/m/GFPGANv1.4')).toBe('/m/GFPGANv1.4.onnx');
    expect(convertRequest('/m/a.pth', { fp16: true, force: true, noise: 'random', arch: 'GFPGANv1Clean' }))
      .toEqual({ input: '/m/a.pth', output: '/m/a.onnx', arch: 'GFPGANv1Clean', weights: 'float16', noise: 'random', force: true });
    expect(() => convertRequest('a.pth', { fp16: false, force: false, arch: 'rrdbnet' })).toThrow('--arch must be auto, GFPGANv1Clean, SRVGGNetCompact or RRDBNet; received "rrdbnet"');
    expect(() => convertRequest('a.pth', { fp16: false, force: false, output: '' })).toThrow('--output needs a file name, e.g. -o GFPGANv1.4.onnx');
  });

  it('formats the networks, plurals, times and a path that needs quoting', () => {
    expect(describeNetwork({ arch: 'GFPGANv1Clean', shape: { levels: 6, size: 256, styleDim: 512, latents: 14, sftHalf: false } }))
      .toBe('GFPGANv1Clean: 6 levels, 256×256, 14 latents of 512, SFT on all channels');
    expect(describeNetwork({ arch: 'SRVGGNetCompact', shape: { numFeat: 64, numConv: 1, scale: 2, act: 'leakyrelu' } }))
      .toBe('SRVGGNetCompact: 64 features, 1 convolution, ×2, leakyrelu');
    expect(describeNetwork({ arch: 'RRDBNet', shape: { numFeat: 64, numGrowCh: 32, numBlock: 23, scale: 4 } })).toBe('RRDBNet: ×4, 64 features, 23 blocks, growth 32');
    expect([0.04, 9.96, 12.4, 125].map(formatSeconds)).toEqual(['0.0 s', '10.0 s', '12 s', '2 min 05 s']);
    const summary: ConvertSummary = {
      input: '/m/GFPGANv1.4.pth', output: '/my models/GFPGANv1.4.onnx', network: { arch: 'GFPGANv1Clean', shape: { levels: 7, size: 512, styleDim: 512, latents: 16, sftHalf: true } },
      checkpoint: { format: 'legacy', containerKey: undefined, tensors: 1, parameters: 1234567 }, weights: 'float16', noise: 'random',
      size: 170 * 1024 * 1024, sha256: 'ab'.repeat(32), seconds: 3.21, converterVersion: '1',
    };
    expect(formatConverted(summary).split('\n')).toEqual([
      'GFPGANv1Clean: 7 levels, 512×512, 16 latents of 512, SFT on half the channels',
      'Checkpoint: legacy pickle (torch < 1.6), a bare state dict; 1 tensor, 1,234,567 parameters',
      'Wrote /my models/GFPGANv1.4.onnx (170 MB, float16 weights, fresh noise on every run)',
      `SHA-256 ${'ab'.repeat(32)} (converter version 1)`,
      'Converted in 3.2 s',
      'Install it with: facerestore models import "/my models/GFPGANv1.4.onnx" --as restorer (or --as <catalog id>)',
    ]);
  });
});
