/**
 * `facerestore`: GFPGAN's inference_gfpgan.py as a thin layer over the engine. Parses flags, finds models,
 * walks the inputs, writes GFPGAN's output layout. One bad file is reported in one line and the run goes on;
 * the exit status says whether anything failed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { detectorPixels, restoreDescriptor } from '../../core/catalog';
import { describeError, isAbortError, RestoreError } from '../../core/errors';
import type { ProgressEvent } from '../../core/progress';
import { createRestorer, type Restorer } from '../../core/restorer';
import { createUpsampler, type Upsampler } from '../../core/upsampler';
import { HELP, parseCliArgs, UsageError, type CliOptions } from './cli-args';
import { runModels } from './cli-models';
import { runServe } from './serve';
import { readImage } from './image-io';
import { cliModels } from './cli-runtime';
import { restoredImageExt, writeFaceFiles, writeResultFiles, type OutputNames } from './outputs';
import { ProgressBar } from './progress-bar';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface FileReport {
  readonly input: string;
  readonly status: 'restored' | 'no-face' | 'failed';
  readonly faces: number;
  readonly outputs: string[];
  readonly error?: { readonly code: string; readonly message: string };
  readonly seconds: number;
}

/** Lists the input files: one file, or every non-hidden regular file of a folder in sorted order (as GFPGAN). */
export function listInputs(input: string): string[] {
  const resolved = path.resolve(input.replace(/[/\\]+$/, '') || input);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new RestoreError('HOST_FAILURE', `Input ${resolved} does not exist; pass an image file or a folder of images with -i`);
  }
  if (stat.isFile()) return [resolved];
  if (!stat.isDirectory()) throw new RestoreError('HOST_FAILURE', `Input ${resolved} is neither a file nor a folder`);
  const files = fs.readdirSync(resolved)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => path.join(resolved, name))
    .filter((file) => fs.statSync(file).isFile());
  if (files.length === 0) throw new RestoreError('HOST_FAILURE', `The input folder ${resolved} holds no files; put the photos to restore in it`);
  return files;
}

async function processFile(
  restorer: Restorer,
  file: string,
  options: CliOptions,
  signal: AbortSignal,
  onProgress: (e: ProgressEvent) => void,
): Promise<Omit<FileReport, 'seconds' | 'input'>> {
  const { image, iccProfile } = await readImage(file, { maxPixels: options.maxPixels });
  const names: OutputNames = { root: path.resolve(options.output), basename: path.parse(file).name, suffix: options.suffix, iccProfile };
  if (options.aligned) {
    const { crop, restored } = await restorer.restoreAligned(image, { weight: options.weight, signal, onProgress });
    return { status: 'restored', faces: 1, outputs: await writeFaceFiles(names, 0, crop, restored) };
  }
  const result = await restorer.restore(image, {
    upscale: options.upscale,
    strength: options.strength,
    weight: options.weight,
    onlyCenterFace: options.onlyCenterFace,
    onlyLargest: options.onlyLargest,
    maxFaces: options.maxFaces,
    ...(options.detScore !== undefined ? { scoreThreshold: options.detScore } : {}),
    ...(options.detSize !== undefined ? { detectSize: options.detSize } : {}),
    signal,
    onProgress,
  });
  const outputs = await writeResultFiles(names, result, restoredImageExt(file, options.ext));
  return { status: result.faces.length > 0 ? 'restored' : 'no-face', faces: result.faces.length, outputs };
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  if (argv[0] === 'models') return runModels(argv.slice(1), io);
  if (argv[0] === 'serve') return runServe(argv.slice(1), io);
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  let options: CliOptions;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      say(`facerestore: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  let files: string[];
  let restorer: Restorer;
  let upsampler: Upsampler | undefined;
  try {
    files = listInputs(options.input);
    const models = await cliModels(options, io.env, say);
    const { runtime } = models;
    if (models.upsampler) {
      upsampler = createUpsampler({
        runtime,
        source: models.upsampler,
        maxPixels: options.maxPixels,
        tile: options.bgTile,
        tilePad: options.bgTilePad,
      });
    }
    restorer = createRestorer({
      runtime,
      detector: {
        kind: options.detector, source: models.detector.source,
        ...(models.detector.entry ? { pixels: detectorPixels(models.detector.entry) } : {}),
      },
      // The catalog's contract for the model (for --model files, the -v version's).
      restorer: { source: models.restorer.source, ...(models.restorer.entry ? { descriptor: restoreDescriptor(models.restorer.entry) } : {}) },
      maxPixels: options.maxPixels,
      ...(upsampler ? { upsampler } : {}),
    });
    // Load and check the models first: a bad model file is one line, not one failure per photo.
    await restorer.warmup({ shouldLoadDetector: !options.aligned });
    await upsampler?.load();
  } catch (error) {
    say(`facerestore: ${describeError(error)}`);
    await upsampler?.dispose();
    return 1;
  }

  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted (Ctrl+C)'));
  process.once('SIGINT', onSigint);
  const bar = new ProgressBar(io.stderr);
  const reports: FileReport[] = [];
  try {
    for (const [i, file] of files.entries()) {
      if (controller.signal.aborted) break;
      const started = Date.now();
      const label = path.basename(file);
      let report: FileReport;
      try {
        const r = await processFile(restorer, file, options, controller.signal, (e) => bar.update(label, i, files.length, e));
        report = { input: file, ...r, seconds: (Date.now() - started) / 1000 };
        if (r.status === 'no-face') {
          bar.clear();
          say(`facerestore: no face found in ${file}; restored_imgs holds the resized photo only (try --det-score 0.5, --det-size 1280 or --detector retinaface)`);
        }
      } catch (error) {
        bar.clear();
        if (isAbortError(error)) break;
        const code = error instanceof RestoreError ? error.code : 'HOST_FAILURE';
        say(`facerestore: ${file}: ${describeError(error)}`);
        report = { input: file, status: 'failed', faces: 0, outputs: [], error: { code, message: describeError(error) }, seconds: (Date.now() - started) / 1000 };
      }
      reports.push(report);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar.clear();
    await restorer.dispose();
    await upsampler?.dispose();
  }
  const failed = reports.filter((r) => r.status !== 'restored').length;
  const faces = reports.reduce((n, r) => n + r.faces, 0);
  if (options.json) io.stdout.write(`${JSON.stringify({ runtime: restorer.runtimeName, files: reports, failed }, null, 2)}\n`);
  if (controller.signal.aborted) {
    say(`facerestore: cancelled after ${reports.length} of ${files.length} files`);
    return 130;
  }
  say(`facerestore: restored ${faces} face(s) in ${reports.length - failed} of ${files.length} file(s) into ${path.resolve(options.output)}${failed ? `; ${failed} file(s) failed or had no face` : ''}`);
  return failed > 0 ? 1 : 0;
}
