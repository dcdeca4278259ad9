/**
 * The real `facerestore` binary (bin/facerestore.js over the compiled build) on folders of shared photos and bad
 * files: GFPGAN's output layout, exit status, one line per problem, inputs untouched. `npm test` builds first.
 */
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { sharedImage, sharedModel, sharedModelsDir } from './helpers/shared';

const BIN = path.resolve(__dirname, '..', 'bin', 'facerestore.js');
const IDENTITY = sharedModel('restore/identity-512.onnx');
const UNSHARP = sharedModel('restore/unsharp-512.onnx');

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const ls = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(path.resolve(__dirname, '..', 'build', 'host', 'node', 'cli.js'))) {
    throw new Error('build/ is missing: run `npm run build` (npm test does it first)');
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a folder with good and bad files', () => {
  let input: string, output: string, result: Run;
  const before = new Map<string, string>();

  beforeAll(async () => {
    input = path.join(tmp, 'in');
    output = path.join(tmp, 'out');
    fs.mkdirSync(input);
    for (const name of ['codeformer_whole_00.jpg', 'scrfd-opencv_s_l.jpg', 'codeformer_whole_06.png']) fs.copyFileSync(sharedImage(name), path.join(input, name));
    fs.writeFileSync(path.join(input, 'empty.jpg'), '');
    fs.writeFileSync(path.join(input, 'notes.jpg'), 'this is not an image\n');
    const jpeg = fs.readFileSync(sharedImage('facexlib_test.jpg'));
    fs.writeFileSync(path.join(input, 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    // A photo region without a face: the jacket below the children of gfpgan_whole_00.
    await sharp(sharedImage('gfpgan_whole_00.jpg')).extract({ left: 700, top: 1100, width: 400, height: 400 }).png().toFile(path.join(input, 'jacket.png'));
    fs.writeFileSync(path.join(input, '.DS_Store'), 'finder metadata');
    for (const f of ls(input)) before.set(f, sha(path.join(input, f)));
    result = await run(['-i', input, '-o', output, '--model', UNSHARP, '--models-dir', sharedModelsDir(), '-s', '1', '--json']);
  });

  it('exits 1 because some files failed, after processing the good ones', () => {
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { files: { input: string; status: string; faces: number; error?: { code: string } }[]; failed: number };
    const status = Object.fromEntries(report.files.map((f) => [path.basename(f.input), [f.status, f.faces, f.error?.code]]));
    expect(status).toEqual({
      'codeformer_whole_00.jpg': ['restored', 4, undefined],
      'codeformer_whole_06.png': ['restored', 2, undefined],
      'empty.jpg': ['failed', 0, 'DECODE_FAILED'],
      'jacket.png': ['no-face', 0, undefined],
      'notes.jpg': ['failed', 0, 'DECODE_FAILED'],
      'scrfd-opencv_s_l.jpg': ['restored', 2, undefined],
      'truncated.jpg': ['failed', 0, 'DECODE_FAILED'],
    });
    expect(report.failed).toBe(4);
  });

  it('says what went wrong in one line per file, naming it', () => {
    const lines = result.stderr.trim().split('\n');
    for (const bad of ['empty.jpg', 'notes.jpg', 'truncated.jpg', 'jacket.png']) {
      const hits = lines.filter((l) => l.includes(bad));
      expect(hits).toHaveLength(1);
    }
    expect(lines.find((l) => l.includes('empty.jpg'))).toMatch(/empty \(0 bytes\)/);
    expect(lines.find((l) => l.includes('jacket.png'))).toMatch(/no face found/);
  });

  it('writes GFPGAN\'s layout with the reference file names', () => {
    expect(ls(path.join(output, 'cropped_faces'))).toEqual([
      ...['00', '01', '02', '03'].map((i) => `codeformer_whole_00_${i}.png`),
      'codeformer_whole_06_00.png', 'codeformer_whole_06_01.png', 'scrfd-opencv_s_l_00.png', 'scrfd-opencv_s_l_01.png',
    ]);
    expect(ls(path.join(output, 'restored_faces'))).toEqual(ls(path.join(output, 'cropped_faces')));
    expect(ls(path.join(output, 'cmp'))).toEqual(ls(path.join(output, 'cropped_faces')));
    // The no-face photo still gets its (unchanged) image, as GFPGAN writes one.
    expect(ls(path.join(output, 'restored_imgs'))).toEqual(['codeformer_whole_00.jpg', 'codeformer_whole_06.png', 'jacket.png', 'scrfd-opencv_s_l.jpg']);
    expect(ls(path.join(output, 'faces'))).toEqual(['codeformer_whole_00.json', 'codeformer_whole_06.json', 'jacket.json', 'scrfd-opencv_s_l.json']);
  });

  it('writes crops, faces and side-by-side comparisons at 512² and 1024×512', async () => {
    const crop = await sharp(path.join(output, 'cropped_faces', 'scrfd-opencv_s_l_00.png')).metadata();
    const cmp = await sharp(path.join(output, 'cmp', 'scrfd-opencv_s_l_00.png')).metadata();
    expect([crop.width, crop.height, cmp.width, cmp.height]).toEqual([512, 512, 1024, 512]);
  });

  it('records every face with score, box and 5 landmarks in input pixels', () => {
    const faces = JSON.parse(fs.readFileSync(path.join(output, 'faces', 'codeformer_whole_00.json'), 'utf8'));
    expect(faces).toHaveLength(4);
    faces.forEach((f: { index: number; score: number; box: number[]; landmarks: number[][] }, i: number) => {
      expect(f.index).toBe(i);
      expect(f.score).toBeGreaterThan(0.6);
      expect(f.box).toHaveLength(4);
      expect(f.landmarks).toHaveLength(5);
      for (const [x, y] of f.landmarks) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(491);
        expect(y).toBeGreaterThan(0);
        expect(y).toBeLessThan(310);
      }
    });
  });

  it('keeps the input format, size and alpha of restored images', async () => {
    const png = await sharp(path.join(output, 'restored_imgs', 'codeformer_whole_06.png')).metadata();
    expect([png.format, png.width, png.height, png.channels]).toEqual(['png', 726, 838, 4]);
    const jpg = await sharp(path.join(output, 'restored_imgs', 'codeformer_whole_00.jpg')).metadata();
    expect([jpg.format, jpg.width, jpg.height]).toEqual(['jpeg', 491, 310]);
  });

  it('carries the input\'s colour profile into the restored image and the face files', async () => {
    const source = (await sharp(sharedImage('codeformer_whole_06.png')).metadata()).icc;
    expect(source).toBeDefined();
    for (const file of ['restored_imgs/codeformer_whole_06.png', 'cropped_faces/codeformer_whole_06_00.png', 'restored_faces/codeformer_whole_06_01.png']) {
      const icc = (await sharp(path.join(output, file)).metadata()).icc;
      expect(icc && Buffer.compare(icc, source as Buffer)).toBe(0);
    }
  });

  it('leaves every input file exactly as it was', () => {
    for (const f of ls(input)) expect(sha(path.join(input, f))).toBe(before.get(f));
    expect(ls(input)).toEqual([...before.keys()].sort());
  });
});

describe('flags', () => {
  it('-s 2 doubles the image; --suffix and --ext name the outputs; underscore flags work', async () => {
    const out = path.join(tmp, 'scaled');
    const r = await run(['-i', sharedImage('scrfd-opencv_s_l.jpg'), '-o', out, '--model', IDENTITY, '--models-dir', sharedModelsDir(),
      '-s', '2', '--suffix', 'v2', '--ext', 'png', '--only_center_face']);
    expect(r.code).toBe(0);
    expect(ls(path.join(out, 'restored_imgs'))).toEqual(['scrfd-opencv_s_l_v2.png']);
    expect(ls(path.join(out, 'restored_faces'))).toEqual(['scrfd-opencv_s_l_00_v2.png']);
    expect(ls(path.join(out, 'cropped_faces'))).toEqual(['scrfd-opencv_s_l_00.png']);
    const meta = await sharp(path.join(out, 'restored_imgs', 'scrfd-opencv_s_l_v2.png')).metadata();
    expect([meta.width, meta.height]).toEqual([800, 656]);
  });

  it('--aligned restores aligned crops without detection or paste-back', async () => {
    const input = path.join(tmp, 'aligned-in');
    fs.mkdirSync(input);
    for (const f of ['gfpgan_cropped_Adele_crop.png', 'codeformer_gray_Hepburn01.png']) fs.copyFileSync(sharedImage(f), path.join(input, f));
    const out = path.join(tmp, 'aligned-out');
    const r = await run(['-i', input, '-o', out, '--model', IDENTITY, '--aligned'], { FACERESTORE_MODELS: path.join(tmp, 'nowhere') });
    expect(r.code).toBe(0);
    expect(ls(path.join(out, 'restored_faces'))).toEqual(['codeformer_gray_Hepburn01_00.png', 'gfpgan_cropped_Adele_crop_00.png']);
    expect(ls(path.join(out, 'restored_imgs'))).toEqual([]);
    // Identity model on a 512² aligned crop: the restored face is the input, to the bit.
    const a = await sharp(path.join(out, 'restored_faces', 'gfpgan_cropped_Adele_crop_00.png')).raw().toBuffer();
    const b = await sharp(sharedImage('gfpgan_cropped_Adele_crop.png')).removeAlpha().raw().toBuffer();
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('keeps a 16-bit PNG 16-bit', async () => {
    const file = path.join(tmp, 'deep.png');
    await sharp(sharedImage('scrfd-opencv_s_l.jpg')).toColourspace('rgb16').png().toFile(file);
    const out = path.join(tmp, 'deep-out');
    const r = await run(['-i', file, '-o', out, '--model', UNSHARP, '--models-dir', sharedModelsDir(), '-s', '1']);
    expect(r.code).toBe(0);
    const meta = await sharp(path.join(out, 'restored_imgs', 'deep.png')).metadata();
    expect(meta.depth).toBe('ushort');
  });

  it('--runtime web (onnxruntime-web wasm) gives the same faces as the default runtime', async () => {
    const outs = ['node', 'web'].map((rt) => path.join(tmp, `rt-${rt}`));
    for (const [i, rt] of ['node', 'web'].entries()) {
      const r = await run(['-i', sharedImage('codeformer_whole_04.jpg'), '-o', outs[i], '--model', UNSHARP, '--models-dir', sharedModelsDir(), '-s', '1', '--runtime', rt, '--ext', 'png']);
      expect(r.code).toBe(0);
    }
    const [a, b] = await Promise.all(outs.map((o) => sharp(path.join(o, 'restored_imgs', 'codeformer_whole_04.png')).raw().toBuffer()));
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('--help documents every flag', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--input', '--output', '--version', '--model', '--upscale', '--bg-upsampler', '--bg-tile', '--suffix', '--only-center-face',
      '--aligned', '--ext', '--weight', '--detector', '--detector-model', '--strength', '--models-dir', '--runtime', '--json']) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe('refusals', () => {
  it.each([
    [['-s', '1.5'], '--upscale must be an integer from 1 to 8; received "1.5"'],
    [['--strength', '2'], '--strength must be a number from 0 to 1; received "2"'],
    [['--detector', 'mtcnn'], '--detector must be one of yunet, retinaface, scrfd; received "mtcnn"'],
    [['--frobnicate'], "Unknown option '--frobnicate'"],
  ])('bad flags %j exit 2 with one line', async (args, message) => {
    const r = await run(['-i', sharedImage('facexlib_test.jpg'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });

  it('a missing models directory says where it looked and what to do', async () => {
    const r = await run(['-i', sharedImage('facexlib_test.jpg'), '-o', path.join(tmp, 'x')], { FACERESTORE_MODELS: path.join(tmp, 'no-models'), XDG_CACHE_HOME: tmp });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`GFPGAN v1.4 is not installed in ${path.join(tmp, 'no-models')} (FACERESTORE_MODELS)`);
    expect(r.stderr).toContain('Run `facerestore models pull gfpgan-1.4`');
  });

  it('a model that is not ONNX, or has the wrong contract, is one line and no output', async () => {
    const fake = path.join(tmp, 'fake.onnx');
    fs.writeFileSync(fake, 'garbage');
    const out = path.join(tmp, 'never');
    const bad = await run(['-i', sharedImage('facexlib_test.jpg'), '-o', out, '--model', fake, '--models-dir', sharedModelsDir()]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('fake.onnx could not be loaded as an ONNX model');
    const wrong = await run(['-i', sharedImage('facexlib_test.jpg'), '-o', out, '--model', sharedModel('detection/yunet-2023mar-640.onnx'), '--models-dir', sharedModelsDir()]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('restore model must take input [1,3,512,512]; this one (yunet-2023mar-640.onnx) takes [1,3,640,640]');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('an empty folder and a missing input are refused', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const r = await run(['-i', empty, '--model', IDENTITY, '--models-dir', sharedModelsDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('holds no files');
    const missing = await run(['-i', path.join(tmp, 'nope.jpg'), '--model', IDENTITY, '--models-dir', sharedModelsDir()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
  });

  it('refuses photos above --max-pixels, naming the size and the limit, and goes on', async () => {
    const r = await run(['-i', sharedImage('gfpgan_whole_00.jpg'), '-o', path.join(tmp, 'big'), '--model', IDENTITY, '--models-dir', sharedModelsDir(), '--max-pixels', '1000000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1297×1920.*above the limit of 1,000,000 pixels/);
  });
});
