/**
 * `facerestore models …` end to end: main() in this process with captured stdout/stderr, against a real HTTP
 * server on 127.0.0.1 and a test catalog (FACERESTORE_CATALOG) whose YuNet and anime-upsampler entries point at it.
 * list before and after, pull with log-style progress, verify ok then MISMATCH, import and refusal, remove, unknown
 * ids, pth-only models, Ctrl+C in a real process, and a restore run that names the missing model and its command.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/host/node/cli';
import { startModelServer, type ModelServer } from './helpers/model-server';
import { sharedImage, sharedModel } from './helpers/shared';
import { sha256Of, writeTestCatalog } from './helpers/test-catalog';

const ROOT = path.resolve(__dirname, '..');
const YUNET = sharedModel('detection/yunet-2023mar-640.onnx');
const ANIME = sharedModel('upscale/realesr-animevideov3-x4.onnx');
const IDENTITY = sharedModel('restore/identity-512.onnx');
const UNSHARP = sharedModel('restore/unsharp-512.onnx');

interface Run { code: number; stdout: string; stderr: string }

function stream(isTTY = false): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 120, text: '', write(chunk: string | Uint8Array) { s.text += String(chunk); return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

let server: ModelServer;
let tmp: string;
let catalog: string;
let dir: string;
let env: NodeJS.ProcessEnv;

async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const stdout = stream();
  const stderr = stream();
  const code = await main(args, { stdout, stderr, env: { ...env, ...extraEnv } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const models = (...args: string[]): Promise<Run> => cli(['models', ...args, '--models-dir', dir]);
const lines = (text: string): string[] => text.trim().split('\n').filter(Boolean);
const row = (list: string, id: string): string => lines(list).find((l) => l.startsWith(`${id} `)) ?? '';

beforeAll(async () => {
  server = await startModelServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-cli-models-'));
  dir = path.join(tmp, 'models');
  server.serve('/yunet.onnx', YUNET);
  server.serve('/anime.onnx', ANIME, { throttle: { chunk: 32 * 1024, everyMs: 10 } });
  catalog = writeTestCatalog(tmp, {
    'yunet-2023mar': { url: server.url('/yunet.onnx'), file: YUNET },
    'realesr-animevideov3-x4': { url: server.url('/anime.onnx'), file: ANIME },
  });
  env = { FACERESTORE_CATALOG: catalog, FACERESTORE_MODELS: path.join(tmp, 'unused'), HOME: tmp, XDG_CACHE_HOME: path.join(tmp, 'cache') };
});
afterAll(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('facerestore models', () => {
  it('list: every catalog model, nothing installed yet, and where the models folder is', async () => {
    const r = await models('list');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toMatch(/^ID +ROLE +NAME +SIZE +STATUS +LICENCE$/);
    expect(row(r.stdout, 'yunet-2023mar')).toMatch(/detector +YuNet 2023mar +0\.2 MB +not installed +MIT$/);
    expect(row(r.stdout, 'gfpgan-1.4')).toMatch(/~324\.5 MB +not installed +Apache-2\.0$/);
    expect(row(r.stdout, 'codeformer')).toMatch(/pth only — import an ONNX export +S-Lab License 1\.0 \(restricted\)$/);
    expect(row(r.stdout, 'scrfd-500m-kps')).toMatch(/no download — import an ONNX export/);
    expect(lines(r.stdout).at(-1)).toBe(`Models folder: ${dir} (--models-dir)`);
    expect(r.stderr).toBe('');
  });

  it('pull: downloads, prints a progress line every 10 % when stderr is no terminal, then lists them installed', async () => {
    const r = await models('pull', 'yunet-2023mar', 'realesr-animevideov3-x4');
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out[0]).toBe(`Downloaded YuNet 2023mar (0.2 MB) to ${path.join(dir, 'detection', 'yunet-2023mar-640.onnx')}`);
    expect(out[1]).toBe(`SHA-256 ${sha256Of(fs.readFileSync(YUNET))} (matches the published checksum)`);
    expect(out[2]).toBe(`Downloaded Real-ESRGAN anime video v3 x4 (2.4 MB) to ${path.join(dir, 'upscale', 'realesr-animevideov3-x4.onnx')}`);
    const progress = lines(r.stderr).filter((l) => l.startsWith('realesr-animevideov3-x4: '));
    expect(progress.length).toBeGreaterThanOrEqual(3);
    const percents = progress.map((l) => Number(/: (\d+) % \([\d.]+ of 2\.4 MB/.exec(l)?.[1]));
    expect(percents.every((p, i) => i === 0 || p > percents[i - 1])).toBe(true);
    expect(percents.at(-1)).toBe(100);
    expect(r.stderr).not.toContain('\r');
    expect(lines(r.stderr).every((l) => /^(yunet-2023mar|realesr-animevideov3-x4): \d+ %/.test(l))).toBe(true);

    const list = await models('list');
    expect(row(list.stdout, 'yunet-2023mar')).toMatch(/installed ✓ \(published\)/);
    expect(row(list.stdout, 'realesr-animevideov3-x4')).toMatch(/2\.4 MB +installed ✓ \(published\)/);
    const json = JSON.parse((await models('list', '--json')).stdout) as { modelsDir: string; models: Array<{ id: string; status: string; trust: string | null }> };
    expect(json.modelsDir).toBe(dir);
    expect(json.models.find((m) => m.id === 'yunet-2023mar')).toMatchObject({ status: 'installed', trust: 'published' });
    expect(json.models.find((m) => m.id === 'gfpgan-1.4')).toMatchObject({ status: 'not-installed', trust: null });

    const again = await models('pull', 'yunet-2023mar');
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(`YuNet 2023mar is already installed: ${path.join(dir, 'detection', 'yunet-2023mar-640.onnx')}`);
  });

  it('verify: ok, then MISMATCH with exit 1 once a byte of the file changed', async () => {
    const ok = await models('verify');
    expect(ok.code).toBe(0);
    expect(lines(ok.stdout)).toHaveLength(2);
    expect(row(`${ok.stdout}`.replace(/^ok +/gm, ''), 'yunet-2023mar')).toMatch(/detection\/yunet-2023mar-640\.onnx +matches the published checksum$/);
    const file = path.join(dir, 'upscale', 'realesr-animevideov3-x4.onnx');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 7] ^= 0x10;
    fs.writeFileSync(file, bytes);
    const bad = await models('verify');
    expect(bad.code).toBe(1);
    const mismatch = lines(bad.stdout).find((l) => l.startsWith('MISMATCH'));
    expect(mismatch).toContain('realesr-animevideov3-x4');
    expect(mismatch).toContain(`SHA-256 ${sha256Of(bytes)}, expected ${sha256Of(fs.readFileSync(ANIME))}`);
    expect(mismatch).toContain('damaged or was replaced');
    const one = await models('verify', 'yunet-2023mar', '--json');
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual([expect.objectContaining({ id: 'yunet-2023mar', state: 'ok', basis: 'published' })]);
  });

  it('remove: deletes the file and its record, and says what it deleted', async () => {
    const r = await models('remove', 'realesr-animevideov3-x4');
    expect(r.code).toBe(0);
    const file = path.join(dir, 'upscale', 'realesr-animevideov3-x4.onnx');
    expect(lines(r.stdout)).toEqual([`Removed ${file}`, `Removed ${file}.json`]);
    expect(fs.existsSync(file)).toBe(false);
    const again = await models('remove', 'realesr-animevideov3-x4');
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`facerestore: Real-ESRGAN anime video v3 x4 is not installed in ${dir}; nothing to remove`);
  });

  it('import: installs a checked copy and prints where and its SHA-256; a refusal is one line, exit 1, nothing written', async () => {
    const r = await models('import', IDENTITY, '--as', 'gfpgan-1.4');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      `Imported identity-512.onnx as gfpgan-1.4 (restorer): ${path.join(dir, 'restore', 'gfpgan-v1.4.onnx')}`,
      `SHA-256 ${sha256Of(fs.readFileSync(IDENTITY))} (recorded at import)`,
    ]);
    expect(r.stderr).toMatch(/^facerestore: warning: identity-512\.onnx is not the published GFPGAN v1\.4 file/);
    expect(row((await models('list')).stdout, 'gfpgan-1.4')).toMatch(/installed ✓ \(imported\)/);

    const before = fs.readdirSync(dir, { recursive: true }).sort();
    const refused = await models('import', YUNET, '--as', 'restorer');
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toHaveLength(1);
    expect(refused.stderr).toContain('facerestore: Refused yunet-2023mar-640.onnx as a restorer');
    expect(refused.stderr).toContain('takes [1,3,640,640]');
    expect(refused.stdout).toBe('');
    expect(fs.readdirSync(dir, { recursive: true }).sort()).toEqual(before);

    const missing = await models('import', path.join(tmp, 'nowhere.onnx'), '--as', 'restorer');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`facerestore: Cannot read ${path.join(tmp, 'nowhere.onnx')}: it does not exist`);
    const noAs = await models('import', IDENTITY);
    expect(noAs.code).toBe(2);
    expect(noAs.stderr).toContain('models import needs --as');
  });

  it('an unknown id is a usage error listing the known ones', async () => {
    for (const command of ['pull', 'verify', 'remove']) {
      const r = await models(command, 'gfpgan-9');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^facerestore: No model "gfpgan-9" in the catalog.*; known models: gfpgan-1\.2, gfpgan-1\.3, gfpgan-1\.4, codeformer, yunet-2023mar/);
    }
  });

  it('pull of a model published only as a checkpoint FaceRestore cannot convert says how to import an ONNX export', async () => {
    const r = await models('pull', 'retinaface-mobilenet0.25');
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'facerestore: RetinaFace MobileNet-0.25 is published only as a PyTorch checkpoint FaceRestore cannot convert (https://github.com/xinntao/facexlib/releases/download/v0.1.0/detection_mobilenet0.25_Final.pth); '
        + 'import an ONNX export of it instead (as "retinaface-mobilenet0.25"): facerestore models import <file> --as retinaface-mobilenet0.25',
    ]);
  });

  it('help and usage errors', async () => {
    const help = await cli(['models', '--help']);
    expect(help.code).toBe(0);
    for (const word of ['list', 'pull <id>', 'verify [<id>]', 'import <file> --as', 'remove <id>', '--models-dir', '--json', 'FACERESTORE_CATALOG']) expect(help.stdout).toContain(word);
    expect((await cli(['--help'])).stdout).toContain('facerestore models list|pull|verify|import|remove');
    for (const args of [[], ['frobnicate'], ['list', 'extra'], ['pull'], ['list', '--colour']]) {
      const r = await cli(['models', ...args]);
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
    }
  });
});

describe('a download interrupted with Ctrl+C', () => {
  it('exits 130, keeps the partial file, and the next pull resumes it', async () => {
    const cliJs = path.join(ROOT, 'build', 'host', 'node', 'cli.js');
    if (!fs.existsSync(cliJs)) throw new Error('build/ is missing: run `npm run build` (npm test does it first)');
    server.serve('/slow-anime.onnx', ANIME, { throttle: { chunk: 16 * 1024, everyMs: 20 } });
    const slow = writeTestCatalog(path.join(tmp, 'slow'), { 'realesr-animevideov3-x4': { url: server.url('/slow-anime.onnx'), file: ANIME } });
    const sigDir = path.join(tmp, 'sigint');
    const part = path.join(sigDir, 'upscale', 'realesr-animevideov3-x4.onnx.part');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'facerestore.js'), 'models', 'pull', 'realesr-animevideov3-x4', '--models-dir', sigDir],
      { env: { ...process.env, FACERESTORE_CATALOG: slow } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Interrupt once some bytes are on disk.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if ((fs.statSync(part, { throwIfNoEntry: false })?.size ?? 0) > 100_000) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const kept = fs.statSync(part).size;
    expect(kept).toBeGreaterThan(100_000);
    expect(stderr).toMatch(/facerestore: cancelled; the partial download \([\d.]+ (MB|KB)\) is kept in .* and resumes next time/);

    server.serve('/slow-anime.onnx', ANIME);
    server.reset();
    const r = await cli(['models', 'pull', 'realesr-animevideov3-x4', '--models-dir', sigDir], { FACERESTORE_CATALOG: slow });
    expect(r.code).toBe(0);
    expect(server.requests.map((q) => q.range)).toEqual([`bytes=${kept}-`]);
    expect(sha256Of(fs.readFileSync(path.join(sigDir, 'upscale', 'realesr-animevideov3-x4.onnx')))).toBe(sha256Of(fs.readFileSync(ANIME)));
  });
});

describe('a real process', () => {
  it('waits out the retry delay after an HTTP 503 instead of exiting (the host\'s timers do not hold the process)', async () => {
    const cliJs = path.join(ROOT, 'build', 'host', 'node', 'cli.js');
    if (!fs.existsSync(cliJs)) throw new Error('build/ is missing: run `npm run build` (npm test does it first)');
    server.serve('/busy-yunet.onnx', YUNET, { status: 503, statusTimes: 1 });
    const busy = writeTestCatalog(path.join(tmp, 'busy'), { 'yunet-2023mar': { url: server.url('/busy-yunet.onnx'), file: YUNET } });
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'facerestore.js'), 'models', 'pull', 'yunet-2023mar', '--models-dir', path.join(tmp, 'busy-models')],
        { env: { ...process.env, FACERESTORE_CATALOG: busy } });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Downloaded YuNet 2023mar/);
    expect(server.requests.filter((q) => q.path === '/busy-yunet.onnx')).toHaveLength(2);
  });
});

describe('restoring without the models installed', () => {
  const photo = (): string => sharedImage('facexlib_test.jpg');

  it('names the missing GFPGAN model and the command that installs it', async () => {
    const empty = path.join(tmp, 'empty-models');
    const r = await cli(['-i', photo(), '-o', path.join(tmp, 'out-none'), '--models-dir', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`facerestore: GFPGAN v1.4 is not installed in ${empty} (--models-dir). Run \`facerestore models pull gfpgan-1.4\` (324 MB download) or pass --model <file>`);
    expect(fs.existsSync(path.join(tmp, 'out-none'))).toBe(false);
  });

  it('names the missing detector; once pulled, the run uses it', async () => {
    const own = path.join(tmp, 'restore-models');
    const missing = await cli(['-i', photo(), '-o', path.join(tmp, 'out-det'), '--models-dir', own, '--model', UNSHARP]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`facerestore: YuNet 2023mar is not installed in ${own} (--models-dir). Run \`facerestore models pull yunet-2023mar\` (0.2 MB download) or pass --detector-model <file>`);
    expect((await cli(['models', 'pull', 'yunet-2023mar', '--models-dir', own])).code).toBe(0);
    const r = await cli(['-i', photo(), '-o', path.join(tmp, 'out-det'), '--models-dir', own, '--model', UNSHARP, '-s', '1']);
    expect(r.stderr).toContain('restored 1 face(s) in 1 of 1 file(s)');
    expect(r.code).toBe(0);
  });

  it('a pth-only model says where it is published and how to import an export', async () => {
    const r = await cli(['-i', photo(), '-o', path.join(tmp, 'out-x'), '--models-dir', dir, '--model', UNSHARP, '--detector', 'retinaface']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `facerestore: RetinaFace MobileNet-0.25 is not installed in ${dir} (--models-dir). It is published only as a PyTorch checkpoint FaceRestore cannot convert `
        + '(https://github.com/xinntao/facexlib/releases/download/v0.1.0/detection_mobilenet0.25_Final.pth); '
        + 'import an ONNX export with `facerestore models import <file> --as retinaface-mobilenet0.25` or pass --detector-model <file>',
    );
  });
});
