/**
 * `facerestore models list | pull | verify | import | remove | export-triton | convert`: the model manager on the
 * command line (convert: cli-convert.ts).
 * Results go to stdout (a table, or JSON with --json), progress, warnings and errors to stderr. Exit status: 0 done,
 * 1 a model failed (download, checksum, refused import, export or conversion), 2 bad usage, 130 interrupted (the partial
 * download is kept).
 */
import * as fs from 'fs/promises';
import * as path from 'path';
import { parseArgs } from 'util';
import { findEntry, MODEL_ROLES } from '../../core/catalog';
import { describeError, isAbortError, RestoreError } from '../../core/errors';
import { createModelManager, type ModelManager } from '../../core/model-manager';
import { loadCatalog } from './catalog-file';
import type { CliIo } from './cli';
import { convertRequest, runConvert } from './cli-convert';
import { formatList, formatPulled, formatVerify, listJson } from './cli-models-format';
import { createNodeModelHost } from './model-host';
import { formatMB, howToInstall, installedFile, modelsDirFor } from './model-files';
import { createNodeRuntime } from './ort';
import { DownloadProgress } from './progress-bar';
import { exportTritonRepository, TRITON_MAX_INSTANCES, type TritonExported, type TritonKind } from './triton-export';

export const MODELS_HELP = `Usage: facerestore models <command> [options]

Downloads, checks and installs the models FaceRestore uses, into the models folder.

Commands
  list                       every catalog model and imported model, with what is installed
  pull <id>...               download models (verified; an interrupted download resumes where it stopped)
  verify [<id>]              re-hash installed models against their published or recorded SHA-256
  import <file> --as <x>     check a model file's contract and install a copy; <x> is a catalog id
                             (e.g. gfpgan-1.4) or a role: restorer, detector or upsampler
  remove <id>...             delete a model's file, its record and any partial download
  export-triton <dir>        write a Triton model repository: <dir>/<id>/config.pbtxt and <dir>/<id>/1/model.onnx
                             for every installed catalog model (names, types and shapes read from the files), so
                             Triton or KServe serves them to facerestore --server unchanged
  convert <file.pth>         convert a PyTorch checkpoint (GFPGANv1Clean, SRVGGNetCompact or RRDBNet) to an ONNX
                             file beside it (GFPGANv1.4.pth → GFPGANv1.4.onnx); nothing in the file is executed,
                             and the ONNX file appears whole or not at all

Options
      --models-dir <dir>     the models folder (default: $FACERESTORE_MODELS, else ~/.cache/facerestore/models)
      --json                 list, verify and convert: print JSON on stdout
      --models <id,...>      export-triton: only these models (default: every installed catalog model)
      --instances <n>        export-triton: model instances per device, 1..${TRITON_MAX_INSTANCES} (default: 1)
      --kind <cpu|gpu>       export-triton: where Triton runs them (default: gpu)
      --link                 export-triton: symlink 1/model.onnx to the installed file instead of copying it
                             (the link must resolve where Triton runs, e.g. not inside a container)
      --arch <name>          convert: auto (default: recognised from the tensor names), GFPGANv1Clean,
                             SRVGGNetCompact or RRDBNet
  -o, --output <file>        convert: the ONNX file to write (default: the checkpoint's name with .onnx)
      --force                convert: replace the output file if it exists
      --fp16                 convert: store the weights as float16 (half the size; computed in float32)
      --noise <mode>         convert, GFPGAN only: checkpoint (default: the checkpoint's fixed noise, deterministic)
                             or random (fresh noise on every run, as GFPGAN's randomize_noise)
  -h, --help                 show this help

The catalog is models/catalog.json of this package, or the file named by $FACERESTORE_CATALOG (mirrors, tests).
Exit status: 0 done, 1 a model failed (download, checksum mismatch, refused import or conversion), 2 bad usage,
130 interrupted.`;

class UsageError extends Error {}

interface Parsed {
  readonly command: string;
  readonly args: string[];
  readonly modelsDir?: string;
  readonly json: boolean;
  readonly as?: string;
  readonly help: boolean;
  readonly models?: string;
  readonly instances?: string;
  readonly kind?: string;
  readonly link: boolean;
  readonly arch?: string;
  readonly output?: string;
  readonly fp16: boolean;
  readonly noise?: string;
  readonly force: boolean;
}

function parse(argv: readonly string[]): Parsed {
  const args = argv.map((a) => (a === '--models_dir' || a.startsWith('--models_dir=') ? a.replace('--models_dir', '--models-dir') : a));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        'models-dir': { type: 'string' }, json: { type: 'boolean' }, as: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        models: { type: 'string' }, instances: { type: 'string' }, kind: { type: 'string' }, link: { type: 'boolean' },
        arch: { type: 'string' }, output: { type: 'string', short: 'o' }, fp16: { type: 'boolean' }, noise: { type: 'string' }, force: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')} (see facerestore models --help)`);
  }
  const [command = '', ...rest] = parsed.positionals;
  const v = parsed.values;
  return {
    command, args: rest, json: v.json === true, help: v.help === true, link: v.link === true, fp16: v.fp16 === true, force: v.force === true,
    ...(v['models-dir'] !== undefined ? { modelsDir: v['models-dir'] } : {}),
    ...(v.as !== undefined ? { as: v.as } : {}),
    ...(v.models !== undefined ? { models: v.models } : {}),
    ...(v.instances !== undefined ? { instances: v.instances } : {}),
    ...(v.kind !== undefined ? { kind: v.kind } : {}),
    ...(v.arch !== undefined ? { arch: v.arch } : {}),
    ...(v.output !== undefined ? { output: v.output } : {}),
    ...(v.noise !== undefined ? { noise: v.noise } : {}),
  };
}

function arity(p: Parsed, min: number, max: number, what: string): void {
  if (p.args.length < min || p.args.length > max) throw new UsageError(`models ${p.command} takes ${what}; received ${p.args.length ? p.args.join(' ') : 'none'}`);
  if (p.as !== undefined && p.command !== 'import') throw new UsageError(`--as is only for models import`);
  const exportOnly = (['models', 'instances', 'kind', 'link'] as const).find((k) => p[k] !== undefined && p[k] !== false);
  if (exportOnly && p.command !== 'export-triton') throw new UsageError(`--${exportOnly} is only for models export-triton`);
  const convertOnly = (['arch', 'output', 'fp16', 'noise', 'force'] as const).find((k) => p[k] !== undefined && p[k] !== false);
  if (convertOnly && p.command !== 'convert') throw new UsageError(`--${convertOnly} is only for models convert`);
}

/** Runs a check whose RestoreError is a usage error (exit 2). */
function usage<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new UsageError(`${describeError(error)} (see facerestore models --help)`);
  }
}

/** Ids the user named must be catalog models or installed imports; otherwise a usage error listing them. */
async function checkIds(manager: ModelManager, ids: readonly string[], catalogOnly = false): Promise<void> {
  const custom = catalogOnly ? [] : (await manager.list()).filter((m) => !m.entry).map((m) => m.id);
  for (const id of ids) {
    if (manager.catalog.models.some((m) => m.id === id) || custom.includes(id)) continue;
    const known = [...manager.catalog.models.map((m) => m.id), ...custom].join(', ');
    throw new UsageError(`No model "${id}" in the catalog${catalogOnly ? '' : ' or the models folder'}; known models: ${known}`);
  }
}

function exportOptions(p: Parsed): { instances: number; kind: TritonKind; link: boolean } {
  const instances = p.instances === undefined ? 1 : Number(p.instances);
  if (!/^\d+$/.test(p.instances ?? '1') || instances < 1 || instances > TRITON_MAX_INSTANCES) {
    throw new UsageError(`--instances must be a whole number from 1 to ${TRITON_MAX_INSTANCES}; received "${p.instances}"`);
  }
  const kind = p.kind ?? 'gpu';
  if (kind !== 'cpu' && kind !== 'gpu') throw new UsageError(`--kind must be cpu or gpu; received "${kind}"`);
  return { instances, kind, link: p.link };
}

/** "gfpgan-1.4 (restorer): /repo/gfpgan-1.4 (new; no batching: the file's batch is fixed; model.onnx copied)". */
function formatExported(m: TritonExported, link: boolean): string {
  const batching = m.maxBatchSize > 0 ? `batches of up to ${m.maxBatchSize}` : 'no batching: the file\'s batch is fixed';
  const status = m.status === 'updated' ? `updated: ${m.notes.join('; ')}` : m.status;
  const file = m.status === 'unchanged' ? 'model.onnx kept' : `model.onnx ${link ? 'linked' : 'copied'}`;
  return `${m.id} (${m.role}): ${m.folder} (${status}; ${batching}; ${file})`;
}

/** Runs `body` with Ctrl+C wired to an AbortController. */
async function interruptible<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted (Ctrl+C)'));
  process.once('SIGINT', onSigint);
  try {
    return await body(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** Runs `facerestore models …` (argv after "models"); resolves to the exit status. */
export async function runModels(argv: readonly string[], io: CliIo): Promise<number> {
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  const out = (line: string): void => void io.stdout.write(`${line}\n`);
  let progress: DownloadProgress | undefined;
  try {
    const p = parse(argv);
    if (p.help) {
      out(MODELS_HELP);
      return 0;
    }
    if (!['list', 'pull', 'verify', 'import', 'remove', 'export-triton', 'convert'].includes(p.command)) {
      const commands = 'list, pull, verify, import, remove, export-triton or convert';
      throw new UsageError(p.command ? `unknown models command "${p.command}"; use ${commands}` : `models needs a command: ${commands} (see facerestore models --help)`);
    }
    if (p.command === 'convert') {
      arity(p, 1, 1, 'one .pth checkpoint file');
      if (p.modelsDir !== undefined) throw new UsageError('--models-dir is not for models convert: it writes beside the checkpoint, or to -o');
      const request = usage(() => convertRequest(p.args[0], p));
      return await interruptible((signal) => runConvert(request, { json: p.json, signal, out, say }));
    }
    const { dir, from } = modelsDirFor(p.modelsDir, io.env);
    const host = createNodeModelHost({
      root: dir,
      warn: (code, message) => {
        progress?.clear();
        say(`facerestore: ${code === 'DOWNLOAD_WAIT' ? '' : 'warning: '}${message}`);
      },
    });
    const manager = createModelManager({ catalog: loadCatalog(io.env), host });
    const where = (file: string): string => path.join(dir, ...file.split('/'));

    switch (p.command) {
      case 'list': {
        arity(p, 0, 0, 'no arguments');
        const models = await manager.list();
        out(p.json ? JSON.stringify(listJson(models, dir), null, 2) : formatList(models, `Models folder: ${dir} (${from})`));
        return 0;
      }
      case 'pull': {
        arity(p, 1, Infinity, 'one or more model ids');
        await checkIds(manager, p.args, true);
        let failed = 0;
        return await interruptible(async (signal) => {
          for (const id of p.args) {
            progress = new DownloadProgress(io.stderr, id);
            try {
              const r = await manager.pull(id, { signal, onProgress: (e) => progress?.update(e) });
              progress.clear();
              out(formatPulled(findEntry(manager.catalog, id).name, r.status, r.record, where(r.record.file)));
            } catch (error) {
              progress.clear();
              if (!isAbortError(error)) {
                failed++;
                const how = error instanceof RestoreError && error.code === 'NO_DOWNLOAD' ? `: facerestore models import <file> --as ${id}` : '';
                say(`facerestore: ${describeError(error)}${how}`);
                continue;
              }
              const partial = (await manager.status(id)).partial;
              say(`facerestore: cancelled; ${partial ? `the partial download (${formatMB(partial)}) is kept in ${dir} and` : 'the download'} resumes next time: run the same command again`);
              return 130;
            }
          }
          return failed > 0 ? 1 : 0;
        });
      }
      case 'verify': {
        arity(p, 0, 1, 'at most one model id');
        await checkIds(manager, p.args);
        const results = await interruptible((signal) => manager.verify(p.args[0], { signal }));
        if (p.json) out(JSON.stringify(results, null, 2));
        else out(results.length ? formatVerify(results) : `No models installed in ${dir} (${from}); nothing to verify`);
        return results.some((r) => r.state === 'mismatch') ? 1 : 0;
      }
      case 'import': {
        arity(p, 1, 1, 'one model file');
        const as = p.as;
        if (as === undefined) throw new UsageError('models import needs --as <catalog id or role>, e.g. --as gfpgan-1.4 or --as restorer');
        if (!(MODEL_ROLES as readonly string[]).includes(as) && !manager.catalog.models.some((m) => m.id === as)) {
          throw new UsageError(`--as must be a role (${MODEL_ROLES.join(', ')}) or a catalog id (${manager.catalog.models.map((m) => m.id).join(', ')}); received "${as}"`);
        }
        const file = path.resolve(p.args[0]);
        let bytes: Buffer;
        try {
          bytes = await fs.readFile(file);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          throw new RestoreError('MODEL_NOT_FOUND', `Cannot read ${file}: ${code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder; pass the .onnx file' : describeError(error)}`);
        }
        const record = await manager.importModel(bytes, { as, source: file });
        out(`Imported ${path.basename(file)} as ${record.id} (${record.role}): ${where(record.file)}`);
        out(`SHA-256 ${record.sha256} (${record.trust === 'published' ? 'the published file' : 'recorded at import'})`);
        return 0;
      }
      case 'export-triton': {
        arity(p, 1, 1, 'one folder: the Triton model repository to write');
        const options = exportOptions(p);
        const ids = p.models === undefined ? undefined : [...new Set(p.models.split(',').map((id) => id.trim()).filter(Boolean))];
        if (ids?.length === 0) throw new UsageError('--models needs catalog ids, e.g. --models gfpgan-1.4,yunet-2023mar');
        if (ids) await checkIds(manager, ids, true);
        const entries = ids ? ids.map((id) => findEntry(manager.catalog, id)) : manager.catalog.models;
        const models = entries.flatMap((entry) => {
          const file = installedFile(dir, entry);
          return file ? [{ entry, file }] : [];
        });
        const missing = entries.filter((e) => !models.some((m) => m.entry === e));
        if (ids && missing.length) {
          throw new RestoreError('MODEL_NOT_FOUND', missing.map((e) => `${e.name} (${e.id}) is not installed in ${dir} (${from}), so it cannot be exported. ${howToInstall(e)}, then export again.`).join(' '));
        }
        if (models.length === 0) {
          throw new RestoreError('MODEL_NOT_FOUND', `No catalog model is installed in ${dir} (${from}); nothing to export. Install them first, e.g. facerestore models pull gfpgan-1.4 yunet-2023mar`);
        }
        const repo = path.resolve(p.args[0]);
        const result = await exportTritonRepository({ dir: repo, models, ...options, runtime: createNodeRuntime() });
        for (const m of result.models) out(formatExported(m, options.link));
        out(`Serve it with: tritonserver --model-repository ${repo}`);
        out('Then run FaceRestore on it: facerestore -i <photos> -o <results> --server http://<triton-host>:8000');
        return 0;
      }
      default: {
        arity(p, 1, Infinity, 'one or more model ids');
        await checkIds(manager, p.args);
        let failed = 0;
        for (const id of p.args) {
          try {
            for (const removed of await manager.remove(id)) out(`Removed ${where(removed)}`);
          } catch (error) {
            failed++;
            say(`facerestore: ${describeError(error)}`);
          }
        }
        return failed > 0 ? 1 : 0;
      }
    }
  } catch (error) {
    progress?.clear();
    if (error instanceof UsageError) {
      say(`facerestore: ${error.message}`);
      return 2;
    }
    if (isAbortError(error)) {
      say('facerestore: cancelled');
      return 130;
    }
    say(`facerestore: ${describeError(error)}`);
    return 1;
  }
}
