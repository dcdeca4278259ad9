/**
 * The CLI against `facerestore serve` (both real processes, loopback): `--server` writes the very files a local run
 * writes; a server killed mid-run fails the photo cleanly (no partial output) or, with --fallback, the run finishes
 * in this process with the same result.
 */
import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { BIN, modelsFolder, spawnServer, type ServerProcess } from './helpers/kserve';
import { sharedImage } from './helpers/shared';

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Every file under `dir` with its bytes, by relative path. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function expectSameTree(a: string, b: string): void {
  const ta = tree(a);
  const tb = tree(b);
  expect([...ta.keys()].sort()).toEqual([...tb.keys()].sort());
  for (const [k, v] of ta) expect({ file: k, same: Buffer.compare(v, tb.get(k)!) === 0 }).toEqual({ file: k, same: true });
}

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(path.resolve(__dirname, '..', 'build', 'host', 'node', 'serve.js'))) throw new Error('build/ is missing: run `npm run build`');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-kserve-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('--server with a fast model', () => {
  let server: ServerProcess;
  let models: string;
  beforeAll(async () => {
    models = modelsFolder(path.join(tmp, 'fast'), {
      'restore/gfpgan-v1.4.onnx': 'restore/unsharp-512.onnx',
      'detection/yunet-2023mar-640.onnx': 'detection/yunet-2023mar-640.onnx',
      'upscale/realesr-general-x4v3.onnx': 'upscale/realesr-general-x4v3.onnx',
    });
    server = await spawnServer(['--models-dir', models, '--device', 'cpu']);
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toMatch(/stopped after \d+ answered, 0 refused busy, 0 failed/);
  });

  it('writes byte-identical files to a local run (4 faces, background upsampler, tiles)', async () => {
    const photo = sharedImage('codeformer_whole_00.jpg');
    const common = ['-i', photo, '-s', '2', '--bg-upsampler', 'realesr-general-x4v3', '--bg-tile', '128'];
    const [remote, local] = await Promise.all([
      run([...common, '-o', path.join(tmp, 'remote'), '--server', server.url]),
      run([...common, '-o', path.join(tmp, 'local'), '--models-dir', models]),
    ]);
    expect(remote.stderr).toMatch(/restored 4 face\(s\) in 1 of 1 file/);
    expect([remote.code, local.code]).toEqual([0, 0]);
    expectSameTree(path.join(tmp, 'remote'), path.join(tmp, 'local'));
  });

  it('says in one line when the server is not there, before reading any photo', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = net.createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as net.AddressInfo).port)));
    await new Promise((resolve) => probe.close(resolve));
    const r = await run(['-i', sharedImage('facexlib_test.jpg'), '-o', path.join(tmp, 'none'), '--server', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`facerestore: The inference server at http://127.0.0.1:${port} cannot be reached or stopped answering (connect ECONNREFUSED 127.0.0.1:${port}); check that it is running`);
    expect(fs.existsSync(path.join(tmp, 'none'))).toBe(false);
  });

  it('refuses a model the server does not serve, naming it', async () => {
    const r = await run(['-i', sharedImage('facexlib_test.jpg'), '-o', path.join(tmp, 'v13'), '--server', server.url, '-v', '1.3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the model gfpgan-1\.3 \(HTTP 404: Unknown model "gfpgan-1\.3"; this server serves gfpgan-1\.4, yunet-2023mar, realesr-general-x4v3\)/);
  });
});

describe('a server killed mid-run', () => {
  let models: string;
  const photo = sharedImage('gfpgan_whole_00.jpg');
  beforeAll(() => {
    // The full-size GFPGAN stand-in: ~2.5 s per face, so the kill lands inside a request.
    models = modelsFolder(path.join(tmp, 'full'), {
      'restore/gfpgan-v1.4.onnx': 'restore/gfpgan-v1.4-arch-random.fp16w.onnx',
      'detection/yunet-2023mar-640.onnx': 'detection/yunet-2023mar-640.onnx',
    });
  });

  async function runAndKill(extra: string[], out: string): Promise<Run> {
    const server = await spawnServer(['--models-dir', models, '--device', 'cpu']);
    const cli = spawn(process.execPath, [BIN, '-i', photo, '-o', out, '-s', '1', '--server', server.url, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    cli.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The kill must land while a face is being restored on the server: wait until it is busy computing.
    const cpu = (): number => Number(fs.readFileSync(`/proc/${server.child.pid}/stat`, 'utf8').split(') ')[1].split(' ')[11]);
    const idle = cpu();
    while (cpu() - idle < 50) await new Promise((r) => setTimeout(r, 50)); // 0.5 s of CPU: inside a GFPGAN run
    server.child.kill('SIGKILL');
    const code = await new Promise<number>((resolve) => cli.on('exit', (c) => resolve(c ?? -1)));
    return { code, stdout: '', stderr };
  }

  it('fails the photo cleanly: one line saying so, no partial files', async () => {
    const out = path.join(tmp, 'killed');
    const r = await runAndKill([], out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gfpgan_whole_00\.jpg: The inference server at http:\/\/127\.0\.0\.1:\d+ cannot be reached or stopped answering/);
    expect([...tree(out).keys()]).toEqual([]);
  });

  it('with --fallback finishes in this process, with the same files as a local run', async () => {
    const out = path.join(tmp, 'fallback');
    const [r, local] = await Promise.all([
      runAndKill(['--fallback', '--models-dir', models], out),
      run(['-i', photo, '-o', path.join(tmp, 'fallback-local'), '-s', '1', '--models-dir', models]),
    ]);
    expect(r.stderr).toMatch(/cannot be reached or stopped answering .*; running on onnxruntime-node [\d.]+ \(cpu\) from now on/);
    expect([r.code, local.code]).toEqual([0, 0]);
    expectSameTree(out, path.join(tmp, 'fallback-local'));
  });
});
