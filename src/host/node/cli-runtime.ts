/**
 * Where the CLI runs its models: in this process (onnxruntime-node or -web, model files from the models folder or
 * flags), or on a KServe v2 server by catalog id (`--server`), optionally falling back to this process.
 */
import * as path from 'path';
import { findEntry, type CatalogEntry } from '../../core/catalog';
import { describeError, RestoreError } from '../../core/errors';
import { createRemoteRuntime, withFallback, type FetchLike } from '../../core/kserve/remote-runtime';
import type { ModelRuntime, ModelSource } from '../../core/runtime';
import { loadCatalog } from './catalog-file';
import type { CliOptions } from './cli-args';
import { installedFile, modelsDirFor, REALESRGAN_ORDER, resolveModelFiles, type DetectorEntry, type RestorerEntry } from './model-files';
import { nodeClock } from './model-host';
import { createNodeRuntime } from './ort';

export interface CliModels {
  readonly runtime: ModelRuntime;
  readonly restorer: { readonly source: ModelSource; readonly entry?: RestorerEntry };
  readonly detector: { readonly source: ModelSource; readonly entry?: DetectorEntry };
  readonly upsampler?: ModelSource;
}

/** Node's fetch as the engine's FetchLike; a caller's signal that is not Node's own is followed by one that is. */
export const nodeFetch: FetchLike = (url, init) => {
  const theirs = init.signal;
  let signal: AbortSignal | undefined;
  let release = (): void => undefined;
  if (theirs instanceof AbortSignal || !theirs) {
    signal = theirs;
  } else {
    const controller = new AbortController();
    const follow = (): void => controller.abort(theirs.reason);
    if (theirs.aborted) follow();
    else theirs.addEventListener?.('abort', follow, { once: true });
    release = () => theirs.removeEventListener?.('abort', follow);
    signal = controller.signal;
  }
  return fetch(url, { method: init.method, headers: init.headers, ...(init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {}), ...(signal ? { signal } : {}) }).finally(release);
};

function fileSource(file: string, modelId?: string): ModelSource {
  return { label: path.basename(file || 'none'), location: file, ...(modelId ? { modelId } : {}) };
}

function localRuntime(options: CliOptions): Promise<ModelRuntime> {
  if (options.runtime === 'web') {
    // Loaded on demand: the wasm runtime is only needed when asked for.
    return import('./ort-web').then((m) => m.createWebRuntimeForNode({ threads: options.threads }));
  }
  return Promise.resolve(createNodeRuntime({ intraOpThreads: options.threads }));
}

/** Models from files, run in this process. */
async function localModels(options: CliOptions, env: NodeJS.ProcessEnv): Promise<CliModels> {
  const models = resolveModelFiles(
    {
      modelsDir: options.modelsDir, version: options.version, model: options.model, detector: options.detector, detectorModel: options.detectorModel,
      ...(options.bgUpsampler && !options.aligned ? { upsampler: options.bgUpsampler } : {}),
    },
    !options.aligned,
    env,
  );
  return {
    runtime: await localRuntime(options),
    restorer: { source: fileSource(models.restorer, models.restorerEntry?.id), ...(models.restorerEntry ? { entry: models.restorerEntry } : {}) },
    detector: { source: fileSource(models.detector, models.detectorEntry?.id), ...(models.detectorEntry ? { entry: models.detectorEntry } : {}) },
    ...(models.upsampler ? { upsampler: fileSource(models.upsampler) } : {}),
  };
}

/** Catalog models by id on a server; with --fallback their local files too (each must be installed here). */
async function remoteModels(options: CliOptions, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<CliModels> {
  const catalog = loadCatalog(env);
  const restorer = findEntry(catalog, `gfpgan-${options.version}`) as RestorerEntry;
  const detector = catalog.models
    .filter((m): m is DetectorEntry => m.role === 'detector' && m.contract.decoder === options.detector)
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault))[0];
  if (!detector) throw new RestoreError('MODEL_NOT_FOUND', `The model catalog has no ${options.detector} detector`);
  const token = options.serverToken ?? env.FACERESTORE_TOKEN;
  const remote = createRemoteRuntime({ url: options.server!, fetch: nodeFetch, clock: nodeClock, ...(token ? { token } : {}) });
  // One probe up front: an unreachable server or a wrong token is one line, before any photo is read.
  const wanted = options.bgUpsampler && !options.aligned ? (options.bgUpsampler === 'realesrgan' ? REALESRGAN_ORDER : [options.bgUpsampler]) : [];
  const report = await remote.test([restorer.id, ...(options.aligned ? [] : [detector.id]), ...wanted]).catch((error: unknown) => {
    if (options.fallback && error instanceof RestoreError && error.code === 'SERVER_UNREACHABLE') return undefined;
    throw error;
  });
  let upsampler: CatalogEntry | undefined;
  if (wanted.length > 0) {
    const id = report ? wanted.find((w) => report.models[w]) : wanted[0];
    if (!id) throw new RestoreError('SERVER_REFUSED', `The server at ${remote.url} serves none of ${wanted.join(', ')}; start it with that model installed`);
    upsampler = findEntry(catalog, id);
  }
  const { dir, from } = modelsDirFor(options.modelsDir, env);
  const source = (entry: CatalogEntry): ModelSource => {
    const file = options.fallback ? installedFile(dir, entry) : undefined;
    if (options.fallback && !file) throw new RestoreError('MODEL_NOT_FOUND', `--fallback runs ${entry.name} here if the server goes away, but it is not installed in ${dir} (${from})`);
    return { label: `${entry.id} on ${remote.url}`, location: file ?? entry.id, modelId: entry.id };
  };
  let runtime: ModelRuntime = remote;
  if (options.fallback) {
    const local = await localRuntime(options);
    runtime = withFallback(remote, local, (reason) => say(`facerestore: ${describeError(reason)}; running on ${local.name} from now on`));
    if (!report) say(`facerestore: the server at ${remote.url} cannot be reached; running on ${local.name}`);
  }
  return {
    runtime,
    restorer: { source: source(restorer), entry: restorer },
    detector: { source: options.aligned ? fileSource('') : source(detector), entry: detector },
    ...(upsampler ? { upsampler: source(upsampler) } : {}),
  };
}

export function cliModels(options: CliOptions, env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<CliModels> {
  return options.server ? remoteModels(options, env, say) : localModels(options, env);
}
