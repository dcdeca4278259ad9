/**
 * For the inference-server tests: a models folder of shared stand-ins under catalog names, a real face crop as
 * GFPGAN's input tensor, and `facerestore serve` as a child process (killed with SIGKILL when a test wants it gone).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { float32Tensor, type Tensor } from '../../src/core/runtime';
import { loadRgb8 } from './images';
import { sharedImage, sharedModel } from './shared';

export const BIN = path.resolve(__dirname, '..', '..', 'bin', 'facerestore.js');

/** Links shared models into `dir` at the catalog's install paths: { 'restore/gfpgan-v1.4.onnx': 'restore/unsharp-512.onnx', … }. */
export function modelsFolder(dir: string, links: Readonly<Record<string, string>>): string {
  for (const [installed, shared] of Object.entries(links)) {
    const target = path.join(dir, installed);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(sharedModel(shared), target);
  }
  return dir;
}

/** A real aligned face (512² PNG) as GFPGAN's input: RGB, CHW, (x/255 − 0.5)/0.5. */
export async function faceTensor(name = 'gfpgan_cropped_Adele_crop.png'): Promise<Tensor> {
  const img = await loadRgb8(sharedImage(name));
  const plane = img.width * img.height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[c * plane + i] = (img.data[i * 3 + c] / 255 - 0.5) / 0.5;
  return float32Tensor(data, [1, 3, img.height, img.width]);
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** Starts `facerestore serve … --port 0` and waits for the line on stdout that gives its URL. */
export function spawnServer(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, child, stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`facerestore serve exited (${code}) before listening:\n${err}`)));
  });
}

/** The resident set size of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}
