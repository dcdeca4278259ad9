/**
 * `facerestore models list | pull | verify | import | remove`: the model manager on the command line. Results go to
 * stdout (a table, or JSON with --json), progress, warnings and errors to stderr. Exit status: 0 done, 1 a model
 * failed (download, checksum, refused import), 2 bad usage, 130 interrupted (the partial download is kept).
 */
import * as fs from 'fs/promises';
import * as path from 'path';
import { parseArgs } from 'util';
import { findEntry, MODEL_ROLES } from '../../core/catalog';
import { describeError, isAbortError, RestoreError } from '../../core/errors';
import { createModelManager, type ModelManager } from '../../core/model-manager';
import { loadCatalog } from './catalog-file';
import type { CliIo } from './cli';
import { formatList, formatPulled, formatVerify, listJson } from './cli-models-format';
import { createNodeModelHost } from './model-host';
import { formatMB, modelsDirFor } from './model-files';
import { DownloadProgress } from './progress-bar';

export const MODELS_HELP = `Usage: facerestore models <command> [options]

Downloads, checks and installs the models FaceRestore uses, into the models folder.

Commands
  list                       every catalog model and imported model, with what is installed
  pull <id>...               download models (verified; an interrupted download resumes where it stopped)
  verify [<id>]              re-hash installed models against their published or recorded SHA-256
  import <file> --as <x>     check a model file's contract and install a copy; <x> is a catalog id
                             (e.g. gfpgan-1.4) or a role: restorer, detector or upsampler
  remove <id>...             delete a model's file, its record and any partial download

Options
      --models-dir <dir>     the models folder (default: $FACERESTORE_MODELS, else ~/.cache/facerestore/models)
      --json                 list and verify: print JSON on stdout
  -h, --help                 show this help

The catalog is models/catalog.json of this package, or the file named by $FACERESTORE_CATALOG (mirrors, tests).
Exit status: 0 done, 1 a model failed (download, checksum mismatch, refused import), 2 bad usage, 130 interrupted.`;

class UsageError extends Error {}

interface Parsed {
  readonly command: string;
  readonly args: string[];
  readonly modelsDir?: string;
  readonly json: boolean;
  readonly as?: string;
  readonly help: boolean;
}

function parse(argv: readonly string[]): Parsed {
  const args = argv.map((a) => (a === '--models_dir' || a.startsWith('--models_dir=') ? a.replace('--models_dir', '--models-dir') : a));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { 'models-dir': { type: 'string' }, json: { type: 'boolean' }, as: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')} (see facerestore models --help)`);
  }
  const [command = '', ...rest] = parsed.positionals;
  const v = parsed.values;
  return {
    command, args: rest, json: v.json === true, help: v.help === true,
    ...(v['models-dir'] !== undefined ? { modelsDir: v['models-dir'] } : {}),
    ...(v.as !== undefined ? { as: v.as } : {}),
  };
}

function arity(p: Parsed, min: number, max: number, what: string): void {
  if (p.args.length < min || p.args.length > max) throw new UsageError(`models ${p.command} takes ${what}; received ${p.args.length ? p.args.join(' ') : 'none'}`);
  if (p.as !== undefined && p.command !== 'import') throw new UsageError(`--as is only for models import`);
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
    if (!['list', 'pull', 'verify', 'import', 'remove'].includes(p.command)) {
      throw new UsageError(p.command ? `unknown models command "${p.command}"; use list, pull, verify, import or remove` : 'models needs a command: list, pull, verify, import or remove (see facerestore models --help)');
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
