/**
 * `facerestore models export-triton`: a Triton model repository for installed catalog models, so a studio serves
 * them on Triton (or KServe's Triton runtime) unchanged. FaceRestore's client (`--server`) asks for models by
 * catalog id, so every model folder is named by its id.
 *
 * Layout (Triton's model repository docs,
 * https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_repository.md):
 *   <dir>/<catalog id>/config.pbtxt
 *   <dir>/<catalog id>/1/model.onnx        (version 1; model.onnx is the onnxruntime backend's default file name)
 * config.pbtxt is a ModelConfig in protobuf text format (Triton's model configuration docs,
 * https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md, and
 * https://github.com/triton-inference-server/common/blob/main/protobuf/model_config.proto for the enums).
 *
 * Names, element types and shapes come from the ONNX file (onnx-signature.ts). With a `runtime` (the CLI passes
 * onnxruntime-node at full graph optimisation, which is what Triton's onnxruntime backend runs by default), the
 * shapes are checked against what a session reports: the backend refuses a config whose -1 meets a dimension the
 * session knows (RetinaFace's and SCRFD's outputs declare symbolic sizes that onnxruntime resolves to 4, 2, 10…),
 * and a session does not list initializers as inputs where old exports do.
 */
import { createHash, randomBytes } from 'crypto';
import { createReadStream } from 'fs';
import * as fs from 'fs/promises';
import * as path from 'path';
import type { CatalogEntry, ModelRole } from '../../core/catalog';
import { describeError, RestoreError } from '../../core/errors';
import { parseOnnxSignature, type OnnxSignature } from '../../core/onnx-signature';
import type { ModelRuntime, TensorInfo } from '../../core/runtime';

export type TritonKind = 'cpu' | 'gpu';

/** Requests Triton may stack into one run for a model whose first dimension is dynamic everywhere. */
export const TRITON_MAX_BATCH = 8;
/** How long the dynamic batcher waits for more faces before running a partial batch. */
export const TRITON_QUEUE_DELAY_US = 2000;
export const TRITON_MAX_INSTANCES = 64;
/** The first line of every config.pbtxt this module writes: how a later export knows the folder is its own. */
export const TRITON_MARKER = '# Written by facerestore models export-triton';

/** ONNX element types (onnxruntime's names) → Triton's DataType enum. */
const TRITON_TYPES: Readonly<Record<string, string>> = {
  float32: 'TYPE_FP32', float64: 'TYPE_FP64', float16: 'TYPE_FP16', bool: 'TYPE_BOOL', string: 'TYPE_STRING',
  int8: 'TYPE_INT8', int16: 'TYPE_INT16', int32: 'TYPE_INT32', int64: 'TYPE_INT64',
  uint8: 'TYPE_UINT8', uint16: 'TYPE_UINT16', uint32: 'TYPE_UINT32', uint64: 'TYPE_UINT64',
};

export interface TritonConfigOptions {
  /** Instances per device (KIND_GPU: on every GPU), default 1. */
  readonly instances?: number;
  /** Default gpu: a studio serving on Triton has GPUs. */
  readonly kind?: TritonKind;
  /** What the header comment says the model is, e.g. "GFPGAN v1.4 from gfpgan-v1.4.onnx". */
  readonly title?: string;
}

const isDynamic = (d: number | string): boolean => typeof d === 'string' || d < 0;
const dim = (d: number | string): number => (isDynamic(d) ? -1 : (d as number));

/** Protobuf text-format string literal: C escapes, UTF-8 passed through. */
function quote(text: string): string {
  const escaped = text.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;
  });
  return `"${escaped}"`;
}

/** Why Triton cannot batch this model, or undefined when the first dimension is dynamic on every tensor. */
function batchBlocker(signature: OnnxSignature): string | undefined {
  const tensors = [...signature.inputs.map((t) => ['input', t] as const), ...signature.outputs.map((t) => ['output', t] as const)];
  for (const [where, t] of tensors) {
    if (t.shape.length === 0) return `${where} ${quote(t.name)} is a scalar`;
    if (!isDynamic(t.shape[0])) return `${where} ${quote(t.name)} is [${t.shape.map(dim).join(', ')}], a fixed batch of ${String(t.shape[0])} in this file`;
  }
  return tensors.length === 0 ? 'the model declares no tensors' : undefined;
}

function tensorBlock(t: TensorInfo, where: string, batched: boolean): string[] {
  const type = TRITON_TYPES[t.type];
  if (!type) {
    throw new RestoreError('MODEL_CONTRACT', `The ${where} ${quote(t.name)} has element type ${t.type}, which Triton's onnxruntime backend does not serve (it takes ${Object.keys(TRITON_TYPES).join(', ')})`);
  }
  const dims = (batched ? t.shape.slice(1) : t.shape).map(dim);
  // A scalar (or a batch-only tensor) is declared as [1] reshaped to no dimensions, as Triton's docs show.
  const shape = dims.length ? [`    dims: [ ${dims.join(', ')} ]`] : ['    dims: [ 1 ]', '    reshape: { shape: [ ] }'];
  return ['  {', `    name: ${quote(t.name)}`, `    data_type: ${type}`, ...shape, '  }'];
}

function list(field: string, blocks: string[][]): string[] {
  return [`${field} [`, ...blocks.flatMap((b, i) => (i < blocks.length - 1 ? [...b.slice(0, -1), '  },'] : b)), ']'];
}

/** The config.pbtxt of one model: platform onnxruntime_onnx, its tensors, batching, instances. Pure. */
export function tritonConfig(id: string, signature: OnnxSignature, role: ModelRole, options: TritonConfigOptions = {}): string {
  const instances = options.instances ?? 1;
  const kind = options.kind ?? 'gpu';
  if (!Number.isInteger(instances) || instances < 1 || instances > TRITON_MAX_INSTANCES) {
    throw new RestoreError('INVALID_OPTION', `Triton instances must be a whole number from 1 to ${TRITON_MAX_INSTANCES}; received ${String(instances)}`);
  }
  if (kind !== 'cpu' && kind !== 'gpu') throw new RestoreError('INVALID_OPTION', `Triton instance kind must be cpu or gpu; received ${String(kind)}`);
  if (signature.inputs.length === 0 || signature.outputs.length === 0) {
    throw new RestoreError('MODEL_CONTRACT', `${id} declares no ${signature.inputs.length === 0 ? 'inputs' : 'outputs'}; Triton needs both`);
  }
  const blocker = batchBlocker(signature);
  const batched = blocker === undefined;
  const title = (options.title ?? id).replace(/\s+/g, ' ');
  return [
    `${TRITON_MARKER}: ${title} (${id}, ${role}). Exporting again replaces it.`,
    '# Triton model configuration: https://github.com/triton-inference-server/server/blob/main/docs/user_guide/model_configuration.md',
    `name: ${quote(id)}`,
    'platform: "onnxruntime_onnx"',
    batched
      ? `# The first dimension is dynamic on every input and output: Triton batches up to ${TRITON_MAX_BATCH} requests and dims leave it out.`
      : `# ${role === 'restorer' ? 'Dynamic batching' : 'Batching'} is off (max_batch_size 0, dims are the full shape): ${blocker}; Triton batches only a dynamic first dimension.`,
    `max_batch_size: ${batched ? TRITON_MAX_BATCH : 0}`,
    ...list('input', signature.inputs.map((t) => tensorBlock(t, 'input', batched))),
    ...list('output', signature.outputs.map((t) => tensorBlock(t, 'output', batched))),
    ...(batched && role === 'restorer' ? ['dynamic_batching {', `  max_queue_delay_microseconds: ${TRITON_QUEUE_DELAY_US}`, '}'] : []),
    ...list('instance_group', [['  {', `    count: ${instances}`, `    kind: KIND_${kind.toUpperCase()}`, '  }']]),
    '',
  ].join('\n');
}

/**
 * The signature Triton's onnxruntime backend will see: the file's, with symbolic dimensions the session resolves
 * made concrete and inputs the session does not list (initializers) left out.
 */
async function sessionView(declared: OnnxSignature, file: string, runtime: ModelRuntime): Promise<OnnxSignature> {
  const loaded = await runtime.load({ label: file, location: file });
  try {
    const refine = (mine: readonly TensorInfo[], theirs: readonly TensorInfo[]): TensorInfo[] => mine.flatMap((t) => {
      const seen = theirs.find((s) => s.name === t.name);
      if (!seen) return theirs.length ? [] : [t];
      const known = seen.shape.length === t.shape.length;
      return [{ ...t, shape: t.shape.map((d, i) => (known && isDynamic(d) && !isDynamic(seen.shape[i]) ? seen.shape[i] : d)) }];
    });
    return { inputs: refine(declared.inputs, loaded.inputs), outputs: refine(declared.outputs, loaded.outputs) };
  } finally {
    await loaded.release();
  }
}

export interface TritonExportOptions {
  /** The model repository; created if missing. */
  readonly dir: string;
  readonly models: ReadonlyArray<{ readonly entry: CatalogEntry; readonly file: string }>;
  readonly instances?: number;
  readonly kind?: TritonKind;
  /** Symlink 1/model.onnx to the installed file instead of copying it. */
  readonly link?: boolean;
  /** Checks the shapes against a real session (see the file comment); the CLI passes onnxruntime-node. */
  readonly runtime?: ModelRuntime;
}

export interface TritonExported {
  readonly id: string;
  readonly role: ModelRole;
  readonly folder: string;
  /** The config.pbtxt written. */
  readonly config: string;
  readonly model: string;
  readonly maxBatchSize: number;
  /** new: the folder was absent or empty; updated: an earlier export was changed; unchanged: it was up to date. */
  readonly status: 'new' | 'updated' | 'unchanged';
  /** What an update replaced, one sentence each. */
  readonly notes: string[];
}

interface Plan {
  readonly id: string;
  readonly role: ModelRole;
  readonly file: string;
  readonly sha256: string;
  readonly folder: string;
  readonly text: string;
  readonly maxBatchSize: number;
  readonly fresh: boolean;
  readonly writeConfig: boolean;
  /** Why model.onnx is replaced, '' to write a new one, undefined to keep it. */
  readonly replace: string | undefined;
}

const TEMP = /^\.facerestore-export-.+\.tmp$/;
const tempName = (dir: string): string => path.join(dir, `.facerestore-export-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(() => true, () => false);
}

/** true: the folder is absent or empty; false: an earlier export's; throws for anything else. */
async function folderIsFresh(folder: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = (await fs.readdir(folder)).filter((e) => !TEMP.test(e));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    throw new RestoreError('HOST_FAILURE', `Cannot use ${folder} as a model folder: ${code === 'ENOTDIR' ? 'it is a file' : describeError(error)}`);
  }
  if (entries.length === 0) return true;
  const first = await fs.readFile(path.join(folder, 'config.pbtxt'), 'utf8').then((t) => t.split('\n', 1)[0], () => undefined);
  if (first?.startsWith(TRITON_MARKER)) return false;
  const why = first === undefined ? `it holds ${entries.sort().slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''} and no config.pbtxt` : `its config.pbtxt does not start with "${TRITON_MARKER}"`;
  throw new RestoreError(
    'INVALID_OPTION',
    `${folder} already exists and was not written by facerestore models export-triton (${why}); ` +
      'nothing was written. Move it away or export into another folder',
  );
}

async function plan(model: TritonExportOptions['models'][number], options: TritonExportOptions): Promise<Plan> {
  const { entry } = model;
  const file = path.resolve(model.file);
  if (!/^[a-z0-9][a-z0-9.+-]*$/.test(entry.id)) throw new RestoreError('INVALID_OPTION', `"${entry.id}" cannot name a Triton model folder`);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new RestoreError('MODEL_NOT_FOUND', `Cannot read ${entry.name}'s file ${file}: ${describeError(error)}`);
  }
  const parsed = parseOnnxSignature(bytes);
  if ('problem' in parsed) throw new RestoreError('MODEL_LOAD_FAILED', `${entry.name}'s file ${file} cannot be exported: ${parsed.detail}`);
  const hash = sha256(bytes);
  const signature = options.runtime ? await sessionView(parsed, file, options.runtime) : parsed;
  const title = `${entry.name} from ${path.basename(file)}`;
  const text = tritonConfig(entry.id, signature, entry.role, { title, instances: options.instances, kind: options.kind });
  const maxBatchSize = batchBlocker(signature) === undefined ? TRITON_MAX_BATCH : 0;
  const folder = path.join(path.resolve(options.dir), entry.id);
  const fresh = await folderIsFresh(folder);
  const target = path.join(folder, '1', 'model.onnx');
  const old = fresh ? '' : await fs.readFile(path.join(folder, 'config.pbtxt'), 'utf8');
  let replace: string | undefined = '';
  const stat = fresh ? undefined : await fs.lstat(target).catch(() => undefined);
  if (stat?.isSymbolicLink()) {
    const to = await fs.readlink(target);
    replace = options.link ? (to === file ? undefined : `replaced 1/model.onnx, a link to ${to}, with a link to ${file}`) : `replaced 1/model.onnx, a link to ${to}, with a copy of ${file}`;
  } else if (stat?.isFile()) {
    const same = stat.size === bytes.length && (await hashFile(target)) === hash;
    if (options.link) replace = `replaced the copy in 1/model.onnx${same ? '' : ' (different bytes)'} with a link to ${file}`;
    else replace = same ? undefined : `replaced 1/model.onnx (${stat.size} bytes, different from the installed file) with a copy of ${file}`;
  } else if (stat) {
    throw new RestoreError('INVALID_OPTION', `${target} is not a file; nothing was written. Move it away or export into another folder`);
  }
  return { id: entry.id, role: entry.role, file, sha256: hash, folder, text, maxBatchSize, fresh, writeConfig: old !== text, replace };
}

/** Writes `write(temp)` then renames it over `file`: readers see the old file or the new one, never half of one. */
async function atomically(file: string, write: (temp: string) => Promise<void>): Promise<void> {
  const temp = tempName(path.dirname(file));
  try {
    await write(temp);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function write(p: Plan, link: boolean): Promise<TritonExported> {
  const model = path.join(p.folder, '1', 'model.onnx');
  await fs.mkdir(path.dirname(model), { recursive: true });
  // The config first: a folder left by an interrupted copy is then recognised as ours and completed next time.
  if (p.writeConfig) await atomically(path.join(p.folder, 'config.pbtxt'), (temp) => fs.writeFile(temp, p.text));
  if (p.replace !== undefined) {
    await atomically(model, async (temp) => {
      if (link) return fs.symlink(p.file, temp);
      await fs.copyFile(p.file, temp);
      const copied = await hashFile(temp);
      if (copied !== p.sha256) throw new RestoreError('HOST_FAILURE', `The copy of ${p.file} has SHA-256 ${copied}, not ${p.sha256}: the file changed while it was exported; run the export again`);
    });
  }
  const notes = [...(!p.fresh && p.writeConfig ? ['rewrote config.pbtxt'] : []), ...(p.replace ? [p.replace] : [])];
  const status = p.fresh ? 'new' : notes.length ? 'updated' : 'unchanged';
  return { id: p.id, role: p.role, folder: p.folder, config: path.join(p.folder, 'config.pbtxt'), model, maxBatchSize: p.maxBatchSize, status, notes };
}

/**
 * Writes one folder per model. Every model is read and every folder checked before anything is written, so a
 * refusal (a folder FaceRestore did not write, an unreadable model) leaves the repository as it was.
 */
export async function exportTritonRepository(options: TritonExportOptions): Promise<{ models: TritonExported[] }> {
  const ids = options.models.map((m) => m.entry.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new RestoreError('INVALID_OPTION', `${twice} is listed twice; a repository holds one folder per model`);
  const root = path.resolve(options.dir);
  if ((await exists(root)) && !(await fs.stat(root)).isDirectory()) throw new RestoreError('HOST_FAILURE', `${root} is a file, not a folder for the model repository`);
  const plans: Plan[] = [];
  for (const model of options.models) plans.push(await plan(model, options));
  const models: TritonExported[] = [];
  for (const p of plans) {
    try {
      models.push(await write(p, options.link === true));
    } catch (error) {
      if (error instanceof RestoreError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      const how = code === 'ENOSPC' ? ' (the disk is full)' : code === 'EPERM' && options.link ? ' (this system does not allow symlinks here; export without --link)' : '';
      throw new RestoreError('HOST_FAILURE', `Cannot write ${p.folder}${how}: ${describeError(error)}`, { cause: error });
    }
  }
  return { models };
}
