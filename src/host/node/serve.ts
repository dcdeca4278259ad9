/**
 * `facerestore serve`: the catalog's installed models on onnxruntime-node behind KServe v2 REST, for the panel's
 * "local accelerator", the web page and other machines. Loopback unless told otherwise, and then only with a token.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import type { CatalogEntry } from '../../core/catalog';
import { describeError, RestoreError } from '../../core/errors';
import type { LoadedModel, ModelRuntime } from '../../core/runtime';
import { loadCatalog, packageVersion } from './catalog-file';
import type { CliIo } from './cli';
import { numberFlag, UsageError } from './cli-args';
import { createInferenceServer, type InferenceServer } from './kserve-server';
import { howToInstall, installedFile, modelsDirFor } from './model-files';
import { createNodeRuntime, nodeBackends } from './ort';

export const SERVE_HELP = `Usage: facerestore serve [options]

Serves the installed catalog models over the KServe v2 inference protocol (Triton's REST API, with its binary
tensor extension), so the panel, the web page and \`facerestore --server\` can run them here.

Options
      --host <addr>          address to listen on (default: 127.0.0.1, this machine only); any other address
                             needs --token
      --port <n>             port (default: 8000; 0 picks a free one)
      --token <secret>       require "Authorization: Bearer <secret>" (default: $FACERESTORE_TOKEN)
      --models <id,...>      catalog ids to serve (default: every installed catalog model)
      --models-dir <dir>     the models folder (default: $FACERESTORE_MODELS, else ~/.cache/facerestore/models)
      --device <name>        auto (default: a GPU provider when this onnxruntime-node has a working one), cpu,
                             cuda, webgpu
      --threads <n>          threads per inference, 0 = every core (default: 0)
      --concurrency <n>      inferences at once (default: 1: one run already uses every core)
      --queue <n>            requests that may wait; more are refused with 503 + Retry-After (default: 16)
      --max-body-mb <n>      largest request body (default: 256)
      --cors-origin <o,...>  web origins whose pages may call the server from a browser, exactly as the
                             browser sends them (e.g. http://127.0.0.1:8080); default none
  -h, --help                 show this help

Stops on Ctrl+C or SIGTERM after finishing the requests it accepted.`;

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly token?: string;
  readonly models?: readonly string[];
  readonly modelsDir?: string;
  readonly device: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  readonly threads: number;
  readonly concurrency: number;
  readonly queue: number;
  readonly maxBodyMb: number;
  readonly corsOrigins?: readonly string[];
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

export function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ServeOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, models: { type: 'string' }, 'models-dir': { type: 'string' },
        device: { type: 'string' }, threads: { type: 'string' }, 'cors-origin': { type: 'string' }, concurrency: { type: 'string' }, queue: { type: 'string' }, 'max-body-mb': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see facerestore serve --help)`);
  }
  if (values.help) return 'help';
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const host = str('host') ?? '127.0.0.1';
  const token = str('token') ?? env.FACERESTORE_TOKEN;
  if (token !== undefined && token.length < 16) throw new UsageError('--token must be at least 16 characters (e.g. `openssl rand -hex 16`)');
  if (!LOOPBACK.test(host) && !token) {
    throw new UsageError(`--host ${host} exposes the server to other machines: give it --token <secret> (or $FACERESTORE_TOKEN), or leave --host at 127.0.0.1`);
  }
  const device = str('device') ?? 'auto';
  if (!['auto', 'cpu', 'cuda', 'webgpu'].includes(device)) throw new UsageError(`--device must be auto, cpu, cuda or webgpu; received "${device}"`);
  const models = str('models')?.split(',').map((s) => s.trim()).filter(Boolean);
  const corsOrigins = str('cors-origin')?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of corsOrigins ?? []) {
    if (!/^https?:\/\/[^/\s?#@]+$/i.test(o)) throw new UsageError(`--cors-origin takes origins such as http://127.0.0.1:8080 (scheme, host, port; no path, no *); received "${o}"`);
  }
  return {
    host, token, device: device as ServeOptions['device'],
    port: numberFlag('port', str('port'), 8000, 0, 65535, true),
    ...(models && models.length > 0 ? { models } : {}),
    ...(corsOrigins && corsOrigins.length > 0 ? { corsOrigins } : {}),
    ...(str('models-dir') ? { modelsDir: str('models-dir') } : {}),
    threads: numberFlag('threads', str('threads'), 0, 0, 256, true),
    concurrency: numberFlag('concurrency', str('concurrency'), 1, 1, 64, true),
    queue: numberFlag('queue', str('queue'), 16, 0, 10000, true),
    maxBodyMb: numberFlag('max-body-mb', str('max-body-mb'), 256, 1, 4096, true),
  };
}

/** The catalog models to serve and their files; refuses ids that are unknown or not installed. */
function modelsToServe(options: ServeOptions, env: NodeJS.ProcessEnv): Array<{ entry: CatalogEntry; file: string }> {
  const catalog = loadCatalog(env);
  const { dir, from } = modelsDirFor(options.modelsDir, env);
  if (options.models) {
    return options.models.map((id) => {
      const entry = catalog.models.find((m) => m.id === id);
      if (!entry) throw new UsageError(`--models: "${id}" is not a catalog id (known: ${catalog.models.map((m) => m.id).join(', ')})`);
      const file = installedFile(dir, entry);
      if (!file) throw new RestoreError('MODEL_NOT_FOUND', `${entry.name} is not installed in ${dir} (${from}). ${howToInstall(entry)}`);
      return { entry, file };
    });
  }
  const found = catalog.models.flatMap((entry) => {
    const file = installedFile(dir, entry);
    return file ? [{ entry, file }] : [];
  });
  if (found.length === 0) throw new RestoreError('MODEL_NOT_FOUND', `No catalog model is installed in ${dir} (${from}); install some with \`facerestore models pull gfpgan-1.4 yunet-2023mar\``);
  return found;
}

/**
 * Loads the models on the device asked for. `auto` tries each GPU provider this build lists, keeping the first that
 * loads the first model, else the CPU; the reason a provider was passed over is reported.
 */
async function loadAll(
  items: ReadonlyArray<{ entry: CatalogEntry; file: string }>,
  options: ServeOptions,
  say: (line: string) => void,
): Promise<{ runtime: ModelRuntime; loaded: Array<{ id: string; model: LoadedModel }> }> {
  const listed = nodeBackends().map((b) => b.name);
  // auto tries CUDA only when its provider library was installed: trying without it makes onnxruntime log an error.
  const cudaReady = listed.includes('cuda') && hasProviderLibrary('cuda');
  if (options.device === 'auto' && listed.includes('cuda') && !cudaReady) say('facerestore serve: CUDA is not installed with this onnxruntime-node (its GPU files are skipped at install); using the CPU');
  const gpus = options.device === 'auto' ? (cudaReady ? ['cuda'] : []) : options.device === 'cpu' ? [] : [options.device];
  const runtimeFor = (ep?: string): ModelRuntime => createNodeRuntime({ intraOpThreads: options.threads, executionProviders: ep ? [ep, 'cpu'] : ['cpu'] });
  let runtime = runtimeFor();
  const loaded: Array<{ id: string; model: LoadedModel }> = [];
  const [first, ...rest] = items;
  const source = (i: { entry: CatalogEntry; file: string }) => ({ label: path.basename(i.file), location: i.file, modelId: i.entry.id });
  let firstModel: LoadedModel | undefined;
  for (const ep of gpus) {
    try {
      firstModel = await runtimeFor(ep).load(source(first));
      runtime = runtimeFor(ep);
      break;
    } catch (error) {
      if (options.device !== 'auto') throw error;
      say(`facerestore serve: ${ep} is not usable here (${describeError(error).slice(0, 200)}); using the CPU`);
    }
  }
  firstModel ??= await runtime.load(source(first));
  loaded.push({ id: first.entry.id, model: firstModel });
  for (const item of rest) loaded.push({ id: item.entry.id, model: await runtime.load(source(item)) });
  return { runtime, loaded };
}

/** True when onnxruntime-node's folder holds the shared library of provider `name` (e.g. libonnxruntime_providers_cuda.so). */
function hasProviderLibrary(name: string): boolean {
  try {
    const dir = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
    return fs.readdirSync(dir).some((f) => f.startsWith(`libonnxruntime_providers_${name}.`) || f === `onnxruntime_providers_${name}.dll`);
  } catch {
    return false;
  }
}

export interface RunningServer {
  readonly url: string;
  readonly server: InferenceServer;
  readonly runtimeName: string;
  readonly models: readonly string[];
}

/** Loads the models and starts listening (used by the command and by tests). */
export async function startServer(options: ServeOptions, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<RunningServer> {
  const items = modelsToServe(options, env);
  const { runtime, loaded } = await loadAll(items, options, say);
  const server = createInferenceServer({
    models: loaded,
    ...(options.token ? { token: options.token } : {}),
    maxBodyBytes: options.maxBodyMb * 1024 * 1024,
    concurrency: options.concurrency,
    queueLimit: options.queue,
    name: 'facerestore',
    version: packageVersion(),
    log: say,
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
  });
  let address;
  try {
    address = await server.listen(options.port, options.host);
  } catch (error) {
    await server.close();
    throw new RestoreError('HOST_FAILURE', `Cannot listen on ${options.host}:${options.port}: ${describeError(error)}`, { cause: error });
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${host}:${address.port}`, server, runtimeName: runtime.name, models: loaded.map((m) => m.id) };
}

/** Runs `facerestore serve` until SIGINT/SIGTERM; resolves to the exit status. */
export async function runServe(argv: readonly string[], io: CliIo): Promise<number> {
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  let options: ServeOptions;
  try {
    const parsed = parseServeArgs(argv, io.env);
    if (parsed === 'help') {
      io.stdout.write(`${SERVE_HELP}\n`);
      return 0;
    }
    options = parsed;
  } catch (error) {
    if (error instanceof UsageError) {
      say(`facerestore serve: ${error.message}`);
      return 2;
    }
    throw error;
  }
  let running: RunningServer;
  try {
    running = await startServer(options, io.env, say);
  } catch (error) {
    if (error instanceof UsageError) {
      say(`facerestore serve: ${error.message}`);
      return 2;
    }
    say(`facerestore serve: ${describeError(error)}`);
    return 1;
  }
  say(`facerestore serve: ${running.models.join(', ')} on ${running.runtimeName}`);
  say(`facerestore serve: listening on ${running.url}${options.token ? ' (token required)' : ' (this machine only, no token)'}; Ctrl+C stops`);
  // The line tests and scripts wait for, on stdout.
  io.stdout.write(`${JSON.stringify({ url: running.url, models: running.models, runtime: running.runtimeName })}\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      say(`facerestore serve: ${signal}: finishing accepted requests, then stopping (again to quit now)`);
      process.once(signal as NodeJS.Signals, () => process.exit(130));
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await running.server.close();
  const s = running.server.stats();
  say(`facerestore serve: stopped after ${s.answered} answered, ${s.refusedBusy} refused busy, ${s.failed} failed`);
  return 0;
}
