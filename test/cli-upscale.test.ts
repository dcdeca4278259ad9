/**
 * The real `facerestore` binary with a background upsampler (--bg-upsampler, --bg-tile, --bg-tile-pad) on small
 * crops of the shared photos, written to a temporary folder: GFPGAN's layout at any -s whatever the network's own
 * scale, a background that really comes from the network but stays close to the Lanczos one, faces untouched by
 * the background, model lookup by name, refusals in one line, and the input's format (16-bit, alpha) kept.
 * Uses the identity restore model so every difference between runs comes from the background. `npm test` builds first.
 */
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { sharedImage, sharedModel } from './helpers/shared';

const BIN = path.resolve(__dirname, '..', 'bin', 'facerestore.js');
const IDENTITY = sharedModel('restore/identity-512.onnx');
const DETECTOR = sharedModel('detection/yunet-2023mar-dynamic.onnx');
const X4 = sharedModel('upscale/realesr-general-x4v3.onnx');
const X2 = sharedModel('upscale/2x-nomos-uni-compact.onnx');

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A restore run with explicit restore and detector models, so only the upsampler is looked up. */
const restore = (input: string, output: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> =>
  run(['-i', input, '-o', output, '--model', IDENTITY, '--detector-model', DETECTOR, ...args], env);

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const ls = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const LAYOUT = ['cmp', 'cropped_faces', 'faces', 'restored_faces', 'restored_imgs'];

interface Raw { data: Buffer; width: number; height: number; channels: number }

async function raw(file: string): Promise<Raw> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

async function size(file: string): Promise<[number | undefined, number | undefined]> {
  const meta = await sharp(file).metadata();
  return [meta.width, meta.height];
}

interface Diff { mean: number; max: number; psnr: number }

function diff(a: ArrayLike<number>, b: ArrayLike<number>, peak = 255): Diff {
  expect(a.length).toBe(b.length);
  let sum = 0, sq = 0, max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    sq += d * d;
    max = Math.max(max, d);
  }
  const mse = sq / a.length;
  return { mean: sum / a.length, max, psnr: mse === 0 ? Infinity : 10 * Math.log10((peak * peak) / mse) };
}

type Box = [number, number, number, number];
interface FaceRecord { index: number; score: number; box: Box; landmarks: number[][] }

const readFaces = (file: string): FaceRecord[] => JSON.parse(fs.readFileSync(file, 'utf8')) as FaceRecord[];

/** Output pixel rectangle of a face box (input pixels) shrunk by `shrink` of its size on each side, at scale s. */
function innerRect(box: Box, s: number, shrink: number): { x0: number; y0: number; x1: number; y1: number } {
  const w = box[2] - box[0], h = box[3] - box[1];
  return {
    x0: Math.ceil((box[0] + shrink * w) * s), y0: Math.ceil((box[1] + shrink * h) * s),
    x1: Math.floor((box[2] - shrink * w) * s), y1: Math.floor((box[3] - shrink * h) * s),
  };
}

let tmp: string;
/** 160×176 crop of Blake Lively's left panel at half size: one face of about 75×90 px. */
let face: string;
/** 420×112 band of Blake Lively at 0.6×, both faces: wider than one default 400-px tile. */
let strip: string;
/** `face` as a 16-bit PNG. */
let deep: string;
/** 200×160 crop of codeformer_whole_06 (RGBA, 2 faces) at ⅓ size, its alpha made non-trivial (see beforeAll). */
let rgba: string;
/** A models folder holding only upscale/realesr-general-x4v3.onnx. */
let modelsDir: string;
/** `face` at -s 2 with --bg-upsampler none, and with realesr-general-x4v3 passed as a file. */
let lanczos: string, upscaled: string;
let lanczosRun: Run, upscaledRun: Run;

beforeAll(async () => {
  if (!fs.existsSync(path.resolve(__dirname, '..', 'build', 'host', 'node', 'cli.js'))) {
    throw new Error('build/ is missing: run `npm run build` (npm test does it first)');
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-cli-upscale-'));
  face = path.join(tmp, 'face.png');
  strip = path.join(tmp, 'strip.png');
  deep = path.join(tmp, 'deep.png');
  rgba = path.join(tmp, 'rgba.png');
  const blake = sharedImage('gfpgan_whole_Blake_Lively.jpg');
  await sharp(blake).resize(350, 232, { kernel: 'lanczos3' }).extract({ left: 10, top: 20, width: 160, height: 176 }).png().toFile(face);
  await sharp(blake).resize(420, 278, { kernel: 'lanczos3' }).extract({ left: 0, top: 50, width: 420, height: 112 }).png().toFile(strip);
  // The 16-bit copy holds exactly 257× the 8-bit samples (sharp's own rgb16 conversion moves some by up to one
  // level, enough to shift YuNet's landmarks by ~2 px), so the 16-bit and 8-bit runs see the same picture.
  const eight = await sharp(face).raw().toBuffer({ resolveWithObject: true });
  const sixteen = Uint16Array.from(eight.data, (v) => v * 257);
  await sharp(sixteen, { raw: { width: eight.info.width, height: eight.info.height, channels: 3 } }).toColourspace('rgb16').png().toFile(deep);
  // The shared RGBA photo is fully opaque: give the crop a left ramp (x < 48: alpha 0 → 255) and a transparent band
  // at the bottom (y ≥ 136), so that "alpha kept" means something.
  const crop = await sharp(sharedImage('codeformer_whole_06.png')).resize(242, 279, { kernel: 'lanczos3' })
    .extract({ left: 20, top: 20, width: 200, height: 160 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(crop.info.channels).toBe(4);
  for (let y = 0; y < 160; y++) {
    for (let x = 0; x < 200; x++) {
      crop.data[(y * 200 + x) * 4 + 3] = y >= 136 ? 0 : x < 48 ? Math.round((255 * x) / 47) : 255;
    }
  }
  await sharp(crop.data, { raw: { width: 200, height: 160, channels: 4 } }).png().toFile(rgba);
  modelsDir = path.join(tmp, 'models');
  fs.mkdirSync(path.join(modelsDir, 'upscale'), { recursive: true });
  fs.copyFileSync(X4, path.join(modelsDir, 'upscale', 'realesr-general-x4v3.onnx'));
  lanczos = path.join(tmp, 'lanczos');
  upscaled = path.join(tmp, 'x4-s2');
  lanczosRun = await restore(face, lanczos, ['-s', '2', '--bg-upsampler', 'none']);
  upscaledRun = await restore(face, upscaled, ['-s', '2', '--bg-upsampler', X4]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('--bg-upsampler <file> against the Lanczos background', () => {
  it('exits 0 and writes GFPGAN\'s layout, the same files as without the upsampler', () => {
    expect([lanczosRun.code, upscaledRun.code]).toEqual([0, 0]);
    expect(upscaledRun.stderr.trim().split('\n')).toHaveLength(1);
    expect(ls(upscaled)).toEqual(LAYOUT);
    for (const dir of LAYOUT) expect(ls(path.join(upscaled, dir))).toEqual(ls(path.join(lanczos, dir)));
    expect(ls(path.join(upscaled, 'restored_imgs'))).toEqual(['face.png']);
    expect(ls(path.join(upscaled, 'restored_faces'))).toEqual(['face_00.png']);
    expect(ls(path.join(upscaled, 'faces'))).toEqual(['face.json']);
  });

  it('makes restored_imgs exactly 2× the input with -s 2 (the network is ×4)', async () => {
    expect(await size(face)).toEqual([160, 176]);
    expect(await size(path.join(upscaled, 'restored_imgs', 'face.png'))).toEqual([320, 352]);
  });

  it('detects, crops and restores the same face: the upsampler only changes the background', () => {
    const faces = readFaces(path.join(upscaled, 'faces', 'face.json'));
    expect(faces).toHaveLength(1);
    expect(faces).toEqual(readFaces(path.join(lanczos, 'faces', 'face.json')));
    for (const file of ['cropped_faces/face_00.png', 'restored_faces/face_00.png', 'cmp/face_00.png']) {
      expect(sha(path.join(upscaled, file))).toBe(sha(path.join(lanczos, file)));
    }
  });

  it('really runs the network: the background differs from Lanczos yet stays close on average', async () => {
    const [a, b] = await Promise.all([lanczos, upscaled].map((d) => raw(path.join(d, 'restored_imgs', 'face.png'))));
    const d = diff(a.data, b.data);
    // Measured: mean 2.6, PSNR 32.5 dB, max 106 (sharper edges than Lanczos).
    expect(d.mean).toBeGreaterThan(1);
    expect(d.mean).toBeLessThan(6);
    expect(d.psnr).toBeGreaterThan(28);
    expect(d.psnr).toBeLessThan(45);
    expect(d.max).toBeGreaterThan(30);
    // Away from the face (outside its box grown by a quarter on each side), nearly every pixel changed (measured 97 %).
    const box = readFaces(path.join(upscaled, 'faces', 'face.json'))[0].box;
    const grown = innerRect(box, 2, -0.25);
    let outside = 0, changed = 0;
    for (let y = 0; y < a.height; y++) {
      for (let x = 0; x < a.width; x++) {
        if (x >= grown.x0 && x < grown.x1 && y >= grown.y0 && y < grown.y1) continue;
        outside++;
        const i = (y * a.width + x) * 3;
        if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) changed++;
      }
    }
    expect(outside).toBeGreaterThan(40000);
    expect(changed / outside).toBeGreaterThan(0.8);
  });

  it('keeps the pasted face identical where the face mask is 1 (the middle of the detected box)', async () => {
    const [a, b] = await Promise.all([lanczos, upscaled].map((d) => raw(path.join(d, 'restored_imgs', 'face.png'))));
    const box = readFaces(path.join(upscaled, 'faces', 'face.json'))[0].box;
    const r = innerRect(box, 2, 0.15);
    expect((r.x1 - r.x0) * (r.y1 - r.y0)).toBeGreaterThan(5000);
    let worst = 0;
    for (let y = r.y0; y < r.y1; y++) {
      for (let i = (y * a.width + r.x0) * 3; i < (y * a.width + r.x1) * 3; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
    }
    expect(worst).toBe(0);
  });
});

describe('-s is independent of the network\'s scale', () => {
  it('the ×2 model with -s 4 gives 4× the input, a picture close to the input', async () => {
    const out = path.join(tmp, 'x2-s4');
    const r = await restore(face, out, ['-s', '4', '--bg-upsampler', X2]);
    expect(r.code).toBe(0);
    expect(ls(out)).toEqual(LAYOUT);
    const file = path.join(out, 'restored_imgs', 'face.png');
    expect(await size(file)).toEqual([640, 704]);
    const back = await sharp(file).resize(160, 176, { kernel: 'lanczos3' }).raw().toBuffer();
    expect(diff(back, (await raw(face)).data).psnr).toBeGreaterThan(28);
  });

  it('the ×4 model with -s 1 keeps the input size and stays close to the input', async () => {
    const out = path.join(tmp, 'x4-s1');
    const r = await restore(face, out, ['-s', '1', '--bg-upsampler', X4]);
    expect(r.code).toBe(0);
    expect(ls(out)).toEqual(LAYOUT);
    const result = await raw(path.join(out, 'restored_imgs', 'face.png'));
    expect([result.width, result.height]).toEqual([160, 176]);
    const d = diff(result.data, (await raw(face)).data);
    expect(d.psnr).toBeGreaterThan(28);
    expect(d.max).toBeGreaterThan(0); // the ×4 network then a ×¼ resize, not a copy of the input
  });
});

describe('upsampler lookup by name', () => {
  it('--models-dir <dir> --bg-upsampler realesr-general-x4v3 finds upscale/realesr-general-x4v3.onnx', async () => {
    const out = path.join(tmp, 'by-name');
    const r = await restore(face, out, ['-s', '2', '--models-dir', modelsDir, '--bg-upsampler', 'realesr-general-x4v3']);
    expect(r.code).toBe(0);
    expect(sha(path.join(out, 'restored_imgs', 'face.png'))).toBe(sha(path.join(upscaled, 'restored_imgs', 'face.png')));
  });

  it('--bg-upsampler realesrgan (GFPGAN\'s value) finds it too, here through FACERESTORE_MODELS', async () => {
    const out = path.join(tmp, 'by-realesrgan');
    const r = await restore(face, out, ['-s', '2', '--bg-upsampler', 'realesrgan'], { FACERESTORE_MODELS: modelsDir });
    expect(r.code).toBe(0);
    expect(sha(path.join(out, 'restored_imgs', 'face.png'))).toBe(sha(path.join(upscaled, 'restored_imgs', 'face.png')));
  });

  it('a missing one is one actionable line naming where it looked, exit 1 and no output', async () => {
    const out = path.join(tmp, 'missing-name');
    const r = await restore(face, out, ['--models-dir', modelsDir, '--bg-upsampler', 'realesr-animevideov3-x4']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Real-ESRGAN anime video v3 x4 is not installed in ${modelsDir} (--models-dir)`);
    // Published as a checkpoint FaceRestore converts: pull installs it.
    expect(lines[0]).toContain('Run `facerestore models pull realesr-animevideov3-x4`');
    expect(lines[0]).toMatch(/or pass --bg-upsampler <file>$/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('realesrgan in a folder without any Real-ESRGAN model lists every model it tried', async () => {
    const empty = path.join(tmp, 'empty-models');
    fs.mkdirSync(empty);
    const out = path.join(tmp, 'missing-realesrgan');
    const r = await restore(face, out, ['--bg-upsampler', 'realesrgan'], { FACERESTORE_MODELS: empty });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`in ${empty} (FACERESTORE_MODELS)`);
    expect(lines[0]).toContain('realesrgan takes the first installed of realesrgan-x2plus, realesr-general-x4v3, realesrgan-x4plus');
    expect(lines[0]).toContain('Run `facerestore models pull realesrgan-x2plus` (or another of them)');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('tiles and underscore spellings', () => {
  it('--bg_upsampler with --bg_tile 0 (whole image) matches the default 400-px tiles within 2/255', async () => {
    const tiled = path.join(tmp, 'strip-tiled'), whole = path.join(tmp, 'strip-whole');
    const a = await restore(strip, tiled, ['-s', '2', '--bg-upsampler', X4]);
    const b = await restore(strip, whole, ['-s', '2', '--bg_upsampler', X4, '--bg_tile', '0']);
    expect([a.code, b.code]).toEqual([0, 0]);
    const [ta, tb] = await Promise.all([tiled, whole].map((d) => raw(path.join(d, 'restored_imgs', 'strip.png'))));
    expect([ta.width, ta.height, tb.width, tb.height]).toEqual([840, 224, 840, 224]);
    // Measured: max 1, on a handful of pixels (the default pad of 24 covers nearly all of the network's reach).
    expect(diff(ta.data, tb.data).max).toBeLessThanOrEqual(2);
    // And --bg_upsampler was honoured: the result is the network's, not a Lanczos resize.
    const resized = await sharp(strip).resize(840, 224, { kernel: 'lanczos3' }).raw().toBuffer();
    expect(diff(tb.data, resized).max).toBeGreaterThan(30);
  });

  it.each([
    [['--bg-tile', '-1'], '--bg-tile'],
    [['--bg-tile=-1'], '--bg-tile must be an integer from 0 to 65536; received "-1"'],
    [['--bg_tile', '1.5'], '--bg-tile must be an integer from 0 to 65536; received "1.5"'],
    [['--bg-tile-pad', '999'], '--bg-tile-pad must be an integer from 0 to 256; received "999"'],
    [['--bg_tile_pad', '999'], '--bg-tile-pad must be an integer from 0 to 256; received "999"'],
    [['--bg-upsampler', 'foo'], '--bg-upsampler must be none, realesrgan, realesr-general-x4v3, realesr-animevideov3-x4, realesrgan-x2plus, realesrgan-x4plus or a .onnx model file; received "foo"'],
    [['--bg_upsampler', 'realesrgan.pth'], '--bg-upsampler must be none'],
  ])('%j is a usage error: exit 2, one line, nothing written', async (args, message) => {
    const out = path.join(tmp, 'usage');
    const r = await restore(face, out, args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('models that are not super-resolution models', () => {
  it('the face detector as --bg-upsampler is refused in one line, exit 1, before any output', async () => {
    const out = path.join(tmp, 'detector-as-upsampler');
    const r = await restore(face, out, ['--bg-upsampler', DETECTOR]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('yunet-2023mar-dynamic.onnx is not a super-resolution model');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('a file that is not ONNX, or does not exist, is refused the same way', async () => {
    const fake = path.join(tmp, 'fake-upscaler.onnx');
    fs.writeFileSync(fake, 'not a model');
    const out = path.join(tmp, 'fake-upsampler');
    const bad = await restore(face, out, ['--bg-upsampler', fake]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('fake-upscaler.onnx');
    const missing = await restore(face, out, ['--bg-upsampler', path.join(tmp, 'nowhere.onnx')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`facerestore: The --bg-upsampler file ${path.join(tmp, 'nowhere.onnx')} does not exist; check the path`);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('the input\'s format is kept with the upsampler', () => {
  it('a 16-bit PNG stays 16-bit, with real 16-bit values, and shows the same picture as the 8-bit run', async () => {
    const out = path.join(tmp, 'deep-out');
    const r = await restore(deep, out, ['-s', '2', '--bg-upsampler', X4]);
    expect(r.code).toBe(0);
    const file = path.join(out, 'restored_imgs', 'deep.png');
    const meta = await sharp(file).metadata();
    expect([meta.format, meta.depth, meta.width, meta.height, meta.channels]).toEqual(['png', 'ushort', 320, 352, 3]);
    const buf = await sharp(file).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
    const samples = new Uint16Array(buf.buffer, buf.byteOffset, buf.length / 2);
    // An 8-bit result widened to 16 bits would hold only multiples of 257.
    let fine = 0;
    for (const v of samples) if (v % 257 !== 0) fine++;
    expect(fine / samples.length).toBeGreaterThan(0.5);
    // Same picture as the 8-bit run, up to the 8-bit rounding (measured: mean 0.27, max 1.25 levels of 255).
    expect(readFaces(path.join(out, 'faces', 'deep.json'))).toEqual(readFaces(path.join(upscaled, 'faces', 'face.json')));
    const eight = await raw(path.join(upscaled, 'restored_imgs', 'face.png'));
    const d = diff(Array.from(samples, (v) => v / 257), eight.data);
    expect(d.mean).toBeLessThan(0.4);
    expect(d.max).toBeLessThanOrEqual(1.5);
  });

  it('an RGBA PNG keeps its alpha: opaque, transparent and a ramp, resized with the picture', async () => {
    const out = path.join(tmp, 'rgba-out');
    const r = await restore(rgba, out, ['-s', '2', '--bg-upsampler', X2, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { files: { status: string; faces: number }[] };
    expect(report.files.map((f) => [f.status, f.faces])).toEqual([['restored', 2]]);
    const result = await raw(path.join(out, 'restored_imgs', 'rgba.png'));
    expect([result.width, result.height, result.channels]).toEqual([400, 320, 4]);
    const alpha = (x: number, y: number): number => result.data[(y * 400 + x) * 4 + 3];
    let worstOpaque = 0, worstClear = 0, worstRamp = 0;
    for (let y = 0; y < 320; y++) {
      for (let x = 0; x < 400; x++) {
        if (y < 266 && x >= 100) worstOpaque = Math.max(worstOpaque, 255 - alpha(x, y));
        if (y >= 276) worstClear = Math.max(worstClear, alpha(x, y));
        // Inside the ramp, away from its ends and from the transparent band: alpha follows the input's line.
        if (y < 266 && x >= 4 && x < 90) worstRamp = Math.max(worstRamp, Math.abs(alpha(x, y) - (255 * ((x + 0.5) / 2 - 0.5)) / 47));
      }
    }
    expect([worstOpaque, worstClear]).toEqual([0, 0]);
    expect(worstRamp).toBeLessThan(3);
    // The colour did go through the network: it is not a Lanczos resize of the input.
    const resized = await sharp(rgba).resize(400, 320, { kernel: 'lanczos3' }).raw().toBuffer();
    let colourMax = 0;
    for (let i = 0; i < resized.length; i += 4) {
      if (alpha(((i / 4) % 400), Math.floor(i / 4 / 400)) !== 255) continue;
      for (let c = 0; c < 3; c++) colourMax = Math.max(colourMax, Math.abs(result.data[i + c] - resized[i + c]));
    }
    expect(colourMax).toBeGreaterThan(30);
  });
});

describe('--help', () => {
  it('documents --bg-upsampler, --bg-tile and --bg-tile-pad with their defaults', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--bg-upsampler <name>', '--bg-tile <px>', '--bg-tile-pad <px>']) expect(r.stdout).toContain(flag);
    for (const name of ['realesr-general-x4v3', 'realesr-animevideov3-x4', 'realesrgan-x2plus', 'realesrgan']) expect(r.stdout).toContain(name);
    expect(r.stdout).toMatch(/--bg-tile <px>.*0 = whole image.*\(default: 400\)/);
    expect(r.stdout).toMatch(/--bg-tile-pad <px>.*\(default: 24\)/);
  });
});
