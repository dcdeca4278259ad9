/**
 * `facerestore models export-triton` end to end: the real binary (bin/facerestore.js over build/) writes a Triton
 * model repository from a models folder of real shared models, and every config.pbtxt is read back with a strict
 * protobuf text-format parser written here and checked against
 *  - the model as onnxruntime-node reports it at full graph optimisation (what Triton's onnxruntime backend loads
 *    by default), read here independently of the exporter's own ONNX reader;
 *  - Triton's rules: name = folder, platform onnxruntime_onnx, max_batch_size 0 ⇒ full dims, > 0 ⇒ a dynamic first
 *    dimension left out of dims, dynamic_batching only with max_batch_size > 0, valid DataType and Kind enums, and
 *    the onnxruntime backend's own dims check (CompareDimsSupported, compare_exact false);
 *  - 1/model.onnx: the installed file's bytes (SHA-256), or a link to it with --link.
 * Then the refusals: an id that is not installed, an unknown id, a folder FaceRestore did not write, bad flags.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { TRITON_MARKER, tritonConfig } from '../src/host/node/triton-export';
import { sharedModel } from './helpers/shared';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'facerestore.js');
const CATALOG = JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'catalog.json'), 'utf8')) as { models: Array<{ id: string; role: string; file: string }> };

/** Catalog id → the shared model installed under the catalog's own install path. */
const SHARED: Readonly<Record<string, string>> = {
  'gfpgan-1.4': 'restore/gfpgan-v1.4-arch-random.fp16w.onnx',
  'yunet-2023mar': 'detection/yunet-2023mar-640.onnx',
  'realesr-general-x4v3': 'upscale/realesr-general-x4v3.onnx',
  // Dynamic first dimension: the batched path, and outputs whose symbolic sizes onnxruntime resolves (4, 2, 10).
  'retinaface-mobilenet0.25': 'detection/retinaface-mobilenet0.25.onnx',
};

// ---------------------------------------------------------------------------------------------------------------
// A strict protobuf text-format parser: fields, nested messages, [ ] lists, strings, numbers, enums, # comments.
// Anything else (a missing colon before a scalar, a trailing comma, an unterminated string, < > delimiters,
// separators between fields) is an error.

type Value =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'enum'; readonly value: string }
  | { readonly kind: 'message'; readonly fields: Fields };
type Fields = Map<string, Value[]>;

interface Token { readonly type: 'punct' | 'string' | 'number' | 'ident'; readonly text: string; readonly at: number }

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|#[^\n]*|([{}[\]:,])|("(?:[^"\\\n]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![A-Za-z_\d.])|([A-Za-z_][A-Za-z0-9_]*)/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new SyntaxError(`pbtxt: unexpected ${JSON.stringify(text.slice(at, at + 12))} at ${at}`);
    if (m[1]) tokens.push({ type: 'punct', text: m[1], at });
    else if (m[2]) tokens.push({ type: 'string', text: m[2], at });
    else if (m[3]) tokens.push({ type: 'number', text: m[3], at });
    else if (m[4]) tokens.push({ type: 'ident', text: m[4], at });
    at = re.lastIndex;
  }
  return tokens;
}

function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\([0-7]{3}|.)/g, (_, e: string) => {
    if (/^[0-7]{3}$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    const named: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"', "'": "'" };
    if (named[e] === undefined) throw new SyntaxError(`pbtxt: unknown escape \\${e}`);
    return named[e];
  });
}

function parsePbtxt(text: string): Fields {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const take = (what?: string): Token => {
    const t = tokens[i++];
    if (!t) throw new SyntaxError(`pbtxt: unexpected end${what ? `, expected ${what}` : ''}`);
    if (what !== undefined && t.text !== what) throw new SyntaxError(`pbtxt: expected ${what} at ${t.at}, found ${t.text}`);
    return t;
  };
  const scalar = (): Value => {
    const t = take();
    if (t.type === 'string') return { kind: 'string', value: unquote(t.text) };
    if (t.type === 'number') return { kind: 'number', value: Number(t.text) };
    if (t.type === 'ident') return { kind: 'enum', value: t.text };
    throw new SyntaxError(`pbtxt: expected a value at ${t.at}, found ${t.text}`);
  };
  const message = (end: string | undefined): Fields => {
    const fields: Fields = new Map();
    while (end === undefined ? peek() !== undefined : peek()?.text !== end) {
      const name = take();
      if (name.type !== 'ident') throw new SyntaxError(`pbtxt: expected a field name at ${name.at}, found ${name.text}`);
      const colon = peek()?.text === ':';
      if (colon) take(':');
      const values: Value[] = [];
      const next = peek();
      if (next?.text === '{') {
        take('{');
        values.push({ kind: 'message', fields: message('}') });
        take('}');
      } else if (next?.text === '[') {
        take('[');
        while (peek()?.text !== ']') {
          if (values.length) take(',');
          if (peek()?.text === '{') {
            take('{');
            values.push({ kind: 'message', fields: message('}') });
            take('}');
          } else {
            if (!colon) throw new SyntaxError(`pbtxt: a list of scalars needs "${name.text}:" (at ${name.at})`);
            values.push(scalar());
          }
        }
        take(']');
      } else {
        if (!colon) throw new SyntaxError(`pbtxt: a scalar field needs "${name.text}:" (at ${name.at})`);
        values.push(scalar());
      }
      fields.set(name.text, [...(fields.get(name.text) ?? []), ...values]);
    }
    return fields;
  };
  return message(undefined);
}

// Schema: the ModelConfig fields the exporter may write, each with its kind; anything else fails the test.
const DATA_TYPES = ['TYPE_BOOL', 'TYPE_UINT8', 'TYPE_UINT16', 'TYPE_UINT32', 'TYPE_UINT64', 'TYPE_INT8', 'TYPE_INT16', 'TYPE_INT32', 'TYPE_INT64', 'TYPE_FP16', 'TYPE_FP32', 'TYPE_FP64', 'TYPE_STRING', 'TYPE_BF16'];
const ORT_TO_TRITON: Record<string, string> = { float32: 'TYPE_FP32', float64: 'TYPE_FP64', float16: 'TYPE_FP16', int64: 'TYPE_INT64', int32: 'TYPE_INT32', uint8: 'TYPE_UINT8', bool: 'TYPE_BOOL' };
type Schema = { [field: string]: { kind: Value['kind']; repeated?: boolean; schema?: Schema } };
const TENSOR: Schema = {
  name: { kind: 'string' }, data_type: { kind: 'enum' }, dims: { kind: 'number', repeated: true },
  reshape: { kind: 'message', schema: { shape: { kind: 'number', repeated: true } } },
};
const MODEL_CONFIG: Schema = {
  name: { kind: 'string' }, platform: { kind: 'string' }, max_batch_size: { kind: 'number' },
  input: { kind: 'message', repeated: true, schema: TENSOR }, output: { kind: 'message', repeated: true, schema: TENSOR },
  instance_group: { kind: 'message', repeated: true, schema: { count: { kind: 'number' }, kind: { kind: 'enum' } } },
  dynamic_batching: { kind: 'message', schema: { max_queue_delay_microseconds: { kind: 'number' } } },
};

function checkSchema(fields: Fields, schema: Schema, where: string): void {
  for (const [name, values] of fields) {
    const rule = schema[name];
    if (!rule) throw new Error(`${where}: unknown field ${name}`);
    if (!rule.repeated && values.length !== 1) throw new Error(`${where}: ${name} given ${values.length} times`);
    for (const v of values) {
      if (v.kind !== rule.kind) throw new Error(`${where}: ${name} is a ${v.kind}, expected a ${rule.kind}`);
      if (v.kind === 'message') checkSchema(v.fields, rule.schema ?? {}, `${where}.${name}`);
    }
  }
}

const one = (f: Fields, name: string): Value | undefined => f.get(name)?.[0];
const str = (f: Fields, name: string): string | undefined => { const v = one(f, name); return v?.kind === 'string' || v?.kind === 'enum' ? v.value : undefined; };
const num = (f: Fields, name: string): number | undefined => { const v = one(f, name); return v?.kind === 'number' ? v.value : undefined; };
const nums = (f: Fields, name: string): number[] => (f.get(name) ?? []).map((v) => (v.kind === 'number' ? v.value : NaN));
const messages = (f: Fields, name: string): Fields[] => (f.get(name) ?? []).flatMap((v) => (v.kind === 'message' ? [v.fields] : []));

// ---------------------------------------------------------------------------------------------------------------

interface OrtView { inputs: Array<{ name: string; type: string; shape: Array<number | string> }>; outputs: OrtView['inputs'] }

/** The model as Triton's onnxruntime backend sees it: a session at full graph optimisation (its default). */
async function ortView(file: string): Promise<OrtView> {
  const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all' });
  const list = (names: readonly string[], meta: ReadonlyArray<{ name: string; isTensor: boolean; type?: string; shape?: ReadonlyArray<number | string> }>): OrtView['inputs'] =>
    names.map((name) => {
      const m = meta.find((x) => x.name === name);
      if (!m || !m.isTensor) throw new Error(`${file}: no tensor metadata for ${name}`);
      return { name, type: String(m.type), shape: [...(m.shape ?? [])] };
    });
  const view = { inputs: list(session.inputNames, session.inputMetadata), outputs: list(session.outputNames, session.outputMetadata) };
  await session.release();
  return view;
}

/** Triton onnxruntime backend's CompareDimsSupported (compare_exact false), -1 standing for ORT's symbolic dims. */
function tritonAcceptsDims(modelShape: ReadonlyArray<number | string>, dims: readonly number[], maxBatch: number): boolean {
  const model = modelShape.map((d) => (typeof d === 'number' ? d : -1));
  const full = maxBatch > 0 ? [-1, ...dims] : [...dims];
  if (maxBatch > 0 && (model.length === 0 || model[0] !== -1)) return false;
  return model.length === full.length && model.every((d, i) => d === -1 || d === full[i]);
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

let tmp: string;
let modelsDir: string;
const installed: Record<string, string> = {};
const views: Record<string, OrtView> = {};

interface Run { code: number | null; stdout: string; stderr: string }
function cli(...args: string[]): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: tmp, XDG_CACHE_HOME: path.join(tmp, 'cache'), FACERESTORE_MODELS: path.join(tmp, 'unused') };
  delete env.FACERESTORE_CATALOG;
  const r = spawnSync(process.execPath, [BIN, 'models', ...args], { env, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const exportTo = (repo: string, ...args: string[]): Run => cli('export-triton', repo, '--models-dir', modelsDir, ...args);

/** Every file under `dir` with its SHA-256 (or link target), to prove a refusal wrote nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, rel);
    const st = fs.lstatSync(full);
    out[rel] = st.isSymbolicLink() ? `-> ${fs.readlinkSync(full)}` : st.isFile() ? sha256(full) : 'dir';
  }
  return out;
}

/** Parses and checks one model folder; returns the parsed config. */
interface Want { readonly kind: 'KIND_GPU' | 'KIND_CPU'; readonly count: number; readonly link: boolean }
const DEFAULTS: Want = { kind: 'KIND_GPU', count: 1, link: false };

function validateFolder(repo: string, id: string, want: Want): Fields {
  const folder = path.join(repo, id);
  const text = fs.readFileSync(path.join(folder, 'config.pbtxt'), 'utf8');
  expect(text.split('\n')[0].startsWith(TRITON_MARKER)).toBe(true);
  const config = parsePbtxt(text);
  checkSchema(config, MODEL_CONFIG, id);
  const entry = CATALOG.models.find((m) => m.id === id)!;
  const view = views[id];

  expect(str(config, 'name')).toBe(path.basename(folder));
  expect(str(config, 'platform')).toBe('onnxruntime_onnx');
  const maxBatch = num(config, 'max_batch_size');
  expect(Number.isInteger(maxBatch) && maxBatch! >= 0).toBe(true);
  const batchable = [...view.inputs, ...view.outputs].every((t) => t.shape.length > 0 && typeof t.shape[0] === 'string');
  expect(maxBatch).toBe(batchable ? 8 : 0);
  if (maxBatch === 0) expect(text).toMatch(/^# .*fixed batch of 1 in this file/m);

  for (const [field, tensors] of [['input', view.inputs], ['output', view.outputs]] as const) {
    const declared = messages(config, field);
    expect(declared.map((t) => str(t, 'name'))).toEqual(tensors.map((t) => t.name));
    for (const [k, t] of declared.entries()) {
      const model = tensors[k];
      const dataType = str(t, 'data_type')!;
      expect(DATA_TYPES).toContain(dataType);
      expect(dataType).toBe(ORT_TO_TRITON[model.type]);
      const dims = nums(t, 'dims');
      expect(dims.length).toBeGreaterThan(0);
      expect(dims.every((d) => Number.isInteger(d) && (d === -1 || d > 0))).toBe(true);
      const expected = (maxBatch! > 0 ? model.shape.slice(1) : model.shape).map((d) => (typeof d === 'number' ? d : -1));
      expect(one(t, 'reshape')).toBeUndefined();
      expect(dims).toEqual(expected);
      expect(tritonAcceptsDims(model.shape, dims, maxBatch!)).toBe(true);
    }
  }
  const batching = one(config, 'dynamic_batching');
  if (maxBatch! > 0 && entry.role === 'restorer') {
    expect(batching?.kind === 'message' && num(batching.fields, 'max_queue_delay_microseconds')).toBe(2000);
  } else {
    expect(batching).toBeUndefined();
  }
  const groups = messages(config, 'instance_group');
  expect(groups.map((g) => [num(g, 'count'), str(g, 'kind')])).toEqual([[want.count, want.kind]]);

  const model = path.join(folder, '1', 'model.onnx');
  expect(fs.lstatSync(model).isSymbolicLink()).toBe(want.link);
  if (want.link) expect(fs.realpathSync(model)).toBe(fs.realpathSync(installed[id]));
  expect(sha256(model)).toBe(sha256(installed[id]));
  expect(fs.statSync(model).size).toBe(fs.statSync(installed[id]).size);
  expect(fs.readdirSync(folder).sort()).toEqual(['1', 'config.pbtxt']);
  expect(fs.readdirSync(path.join(folder, '1'))).toEqual(['model.onnx']);
  return config;
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'build', 'host', 'node', 'triton-export.js'))) {
    throw new Error('build/ is missing or stale: run `npx tsc -p tsconfig.json` (npm test builds first)');
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-triton-'));
  modelsDir = path.join(tmp, 'models');
  for (const [id, shared] of Object.entries(SHARED)) {
    const entry = CATALOG.models.find((m) => m.id === id);
    if (!entry) throw new Error(`catalog has no ${id}`);
    const file = path.join(modelsDir, ...entry.file.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.symlinkSync(sharedModel(shared), file);
    installed[id] = file;
    views[id] = await ortView(file);
  }
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the strict pbtxt parser (the test instrument itself)', () => {
  it('reads fields, nested messages, lists, strings with escapes, numbers and enums', () => {
    const f = parsePbtxt('# c\nname: "a\\"b\\\\c\\n"\nmax_batch_size: 8\ninput [ { name: "x" data_type: TYPE_FP32 dims: [ -1, 3 ] reshape: { shape: [ ] } }, { name: "y" } ]\n');
    expect(str(f, 'name')).toBe('a"b\\c\n');
    expect(num(f, 'max_batch_size')).toBe(8);
    expect(messages(f, 'input').map((t) => str(t, 'name'))).toEqual(['x', 'y']);
    expect(nums(messages(f, 'input')[0], 'dims')).toEqual([-1, 3]);
    expect(str(messages(f, 'input')[0], 'data_type')).toBe('TYPE_FP32');
  });
  it.each([
    ['unterminated string', 'name: "abc'],
    ['scalar without colon', 'max_batch_size 8'],
    ['trailing comma', 'input [ { dims: [ 1, ] } ]'],
    ['unbalanced braces', 'input [ { name: "a" ]'],
    ['angle delimiters', 'input < name: "a" >'],
    ['separator between fields', 'name: "a"; platform: "b"'],
    ['a bare value', '"just a string"'],
    ['unknown escape', 'name: "\\q"'],
  ])('rejects %s', (_, text) => {
    expect(() => parsePbtxt(text)).toThrow(SyntaxError);
  });
  it('the schema check rejects unknown and doubled fields', () => {
    expect(() => checkSchema(parsePbtxt('name: "a" backend: "onnxruntime"'), MODEL_CONFIG, 'x')).toThrow(/unknown field backend/);
    expect(() => checkSchema(parsePbtxt('name: "a" name: "b"'), MODEL_CONFIG, 'x')).toThrow(/given 2 times/);
  });
});

describe('facerestore models export-triton', () => {
  let repo: string;

  it('writes one folder per installed catalog model with a config Triton accepts and the installed bytes', () => {
    repo = path.join(tmp, 'repo');
    const r = exportTo(repo);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const ids = Object.keys(SHARED);
    expect(fs.readdirSync(repo).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(lines.filter((l) => l.startsWith(`${id} (`))).toHaveLength(1);
      expect(lines.find((l) => l.startsWith(`${id} (`))).toContain(`${path.join(repo, id)} (new;`);
      validateFolder(repo, id, DEFAULTS);
    }
    expect(lines.at(-2)).toBe(`Serve it with: tritonserver --model-repository ${repo}`);
    expect(lines.at(-1)).toMatch(/--server http:\/\/<triton-host>:8000$/);
  });

  it('GFPGAN (fixed batch 1): max_batch_size 0, full dims, no dynamic batching, and a comment saying why', () => {
    const text = fs.readFileSync(path.join(repo, 'gfpgan-1.4', 'config.pbtxt'), 'utf8');
    const c = parsePbtxt(text);
    expect(num(c, 'max_batch_size')).toBe(0);
    expect(nums(messages(c, 'input')[0], 'dims')).toEqual([1, 3, 512, 512]);
    expect(nums(messages(c, 'output')[0], 'dims')).toEqual([1, 3, 512, 512]);
    expect(one(c, 'dynamic_batching')).toBeUndefined();
    expect(text).toMatch(/^# Dynamic batching is off .*input "input" is \[1, 3, 512, 512\], a fixed batch of 1 in this file/m);
  });

  it('Real-ESRGAN general x4v3: fixed batch, dynamic height and width as -1', () => {
    const c = parsePbtxt(fs.readFileSync(path.join(repo, 'realesr-general-x4v3', 'config.pbtxt'), 'utf8'));
    expect(num(c, 'max_batch_size')).toBe(0);
    expect(nums(messages(c, 'input')[0], 'dims')).toEqual([1, 3, -1, -1]);
    expect(nums(messages(c, 'output')[0], 'dims')).toEqual([1, 3, -1, -1]);
  });

  it('RetinaFace (dynamic batch): max_batch_size 8, the batch dim left out, output sizes as onnxruntime resolves them', () => {
    const c = parsePbtxt(fs.readFileSync(path.join(repo, 'retinaface-mobilenet0.25', 'config.pbtxt'), 'utf8'));
    expect(num(c, 'max_batch_size')).toBe(8);
    expect(nums(messages(c, 'input')[0], 'dims')).toEqual([3, -1, -1]);
    // The file declares these as symbolic ("Concatloc_dim_2"); Triton's backend would refuse -1 against its 4.
    expect(messages(c, 'output').map((o) => [str(o, 'name'), nums(o, 'dims')])).toEqual([['loc', [-1, 4]], ['conf', [-1, 2]], ['iou', [-1, 10]]]);
    expect(one(c, 'dynamic_batching')).toBeUndefined(); // a detector: batching allowed, no batcher configured
  });

  it('exporting again changes nothing; a tampered model.onnx is replaced and the output says so', () => {
    const before = snapshot(repo);
    const again = exportTo(repo);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l.includes('(unchanged;'))).toHaveLength(Object.keys(SHARED).length);
    expect(snapshot(repo)).toEqual(before);

    const target = path.join(repo, 'yunet-2023mar', '1', 'model.onnx');
    fs.rmSync(target, { force: true });
    fs.writeFileSync(target, 'not the model');
    const fixed = exportTo(repo, '--models', 'yunet-2023mar');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/^yunet-2023mar \(detector\): .*\(updated: replaced 1\/model\.onnx \(13 bytes, different from the installed file\)/m);
    validateFolder(repo, 'yunet-2023mar', DEFAULTS);
    expect(snapshot(repo)).toEqual(before);
  });

  it('--link --kind cpu --instances 2: symlinks to the installed files and CPU instance groups', () => {
    const linked = path.join(tmp, 'linked');
    const r = exportTo(linked, '--link', '--kind', 'cpu', '--instances', '2', '--models', 'gfpgan-1.4,realesr-general-x4v3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(linked).sort()).toEqual(['gfpgan-1.4', 'realesr-general-x4v3']);
    for (const id of ['gfpgan-1.4', 'realesr-general-x4v3']) validateFolder(linked, id, { kind: 'KIND_CPU', count: 2, link: true });
  });

  it('refuses an id that is not installed, naming the pull command, and writes nothing', () => {
    const fresh = path.join(tmp, 'not-installed');
    const r = exportTo(fresh, '--models', 'gfpgan-1.4,gfpgan-1.3');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GFPGAN v1\.3 \(gfpgan-1\.3\) is not installed in .*Run `facerestore models pull gfpgan-1\.3`/);
    expect(fs.existsSync(fresh)).toBe(false);
  });

  it('refuses an id the catalog does not have (usage error, exit 2)', () => {
    const r = exportTo(path.join(tmp, 'unknown'), '--models', 'gfpgan-9');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No model "gfpgan-9" in the catalog/);
  });

  it('refuses to overwrite a model folder it did not write, and leaves the whole repository untouched', () => {
    const foreign = path.join(tmp, 'foreign');
    fs.mkdirSync(path.join(foreign, 'realesr-general-x4v3', '1'), { recursive: true });
    fs.writeFileSync(path.join(foreign, 'realesr-general-x4v3', 'config.pbtxt'), 'name: "realesr-general-x4v3"\nplatform: "onnxruntime_onnx"\n');
    fs.writeFileSync(path.join(foreign, 'realesr-general-x4v3', '1', 'model.onnx'), 'someone else\'s model');
    fs.mkdirSync(path.join(foreign, 'yunet-2023mar'));
    fs.writeFileSync(path.join(foreign, 'yunet-2023mar', 'notes.txt'), 'mine');
    const before = snapshot(foreign);
    for (const models of ['realesr-general-x4v3', 'yunet-2023mar']) {
      const r = exportTo(foreign, '--models', `gfpgan-1.4,${models}`);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${path.join(foreign, models)} already exists and was not written by facerestore models export-triton`);
      expect(r.stderr).toMatch(/nothing was written/);
      expect(snapshot(foreign)).toEqual(before); // not even gfpgan-1.4's folder
    }
  });

  it.each([
    [['--instances', '0'], /--instances must be a whole number from 1 to 64/],
    [['--instances', '1.5'], /--instances must be a whole number/],
    [['--kind', 'tpu'], /--kind must be cpu or gpu/],
    [['--models', ','], /--models needs catalog ids/],
  ])('usage errors exit 2: %j', (args, message) => {
    const r = exportTo(path.join(tmp, 'usage'), ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(fs.existsSync(path.join(tmp, 'usage'))).toBe(false);
  });

  it('its flags belong to export-triton only, and the help lists the command', () => {
    const r = cli('list', '--link', '--models-dir', modelsDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--link is only for models export-triton/);
    const help = cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}export-triton <dir> /m);
  });
});

describe('tritonConfig (pure): the cases no shared model has', () => {
  const BATCHED = {
    inputs: [{ name: 'input', type: 'float32', shape: ['batch', 3, 512, 512] }],
    outputs: [{ name: 'output', type: 'float32', shape: ['batch', 3, 512, 512] }],
  };

  it('a restorer with a dynamic batch: max_batch_size 8, batch left out of dims, dynamic batching 2000 µs', () => {
    const c = parsePbtxt(tritonConfig('gfpgan-1.4', BATCHED, 'restorer'));
    checkSchema(c, MODEL_CONFIG, 'batched');
    expect(num(c, 'max_batch_size')).toBe(8);
    expect(nums(messages(c, 'input')[0], 'dims')).toEqual([3, 512, 512]);
    const batching = one(c, 'dynamic_batching');
    expect(batching?.kind === 'message' && num(batching.fields, 'max_queue_delay_microseconds')).toBe(2000);
    expect(messages(c, 'instance_group').map((g) => [num(g, 'count'), str(g, 'kind')])).toEqual([[1, 'KIND_GPU']]);
  });

  it('batching needs every tensor dynamic in front; one fixed output turns it off', () => {
    const mixed = { ...BATCHED, outputs: [{ name: 'output', type: 'float32', shape: [1, 3, 512, 512] }] };
    const text = tritonConfig('gfpgan-1.4', mixed, 'restorer');
    expect(num(parsePbtxt(text), 'max_batch_size')).toBe(0);
    expect(one(parsePbtxt(text), 'dynamic_batching')).toBeUndefined();
    expect(text).toMatch(/output "output" is \[1, 3, 512, 512\], a fixed batch of 1/);
  });

  it('element types map to Triton enums (FP64 weight, INT64), a scalar becomes dims [1] reshaped to []', () => {
    const c = parsePbtxt(tritonConfig('codeformer', {
      inputs: [{ name: 'x', type: 'float32', shape: [1, 3, 512, 512] }, { name: 'weight', type: 'float64', shape: [] }],
      outputs: [{ name: 'y', type: 'float32', shape: [1, 3, 512, 512] }, { name: 'n', type: 'int64', shape: [1] }],
    }, 'restorer', { kind: 'cpu', instances: 3 }));
    checkSchema(c, MODEL_CONFIG, 'codeformer');
    const [, weight] = messages(c, 'input');
    expect([str(weight, 'data_type'), nums(weight, 'dims')]).toEqual(['TYPE_FP64', [1]]);
    const reshape = one(weight, 'reshape');
    expect(reshape?.kind === 'message' && reshape.fields.get('shape')).toEqual([]);
    expect(str(messages(c, 'output')[1], 'data_type')).toBe('TYPE_INT64');
    expect(messages(c, 'instance_group').map((g) => [num(g, 'count'), str(g, 'kind')])).toEqual([[3, 'KIND_CPU']]);
  });

  it('names are escaped so the parser reads them back exactly', () => {
    const odd = 'in"put\\1\n';
    const c = parsePbtxt(tritonConfig('x', { inputs: [{ name: odd, type: 'float32', shape: [1] }], outputs: [{ name: 'o', type: 'float32', shape: [1] }] }, 'detector'));
    expect(str(messages(c, 'input')[0], 'name')).toBe(odd);
  });

  it('refuses element types Triton cannot serve and bad instance options', () => {
    const bf16 = { inputs: [{ name: 'x', type: 'unknown', shape: [1] }], outputs: [{ name: 'y', type: 'float32', shape: [1] }] };
    expect(() => tritonConfig('x', bf16, 'upsampler')).toThrow(/element type unknown/);
    expect(() => tritonConfig('x', BATCHED, 'restorer', { instances: 0 })).toThrow(/whole number from 1 to 64/);
    expect(() => tritonConfig('x', BATCHED, 'restorer', { kind: 'tpu' as 'cpu' })).toThrow(/cpu or gpu/);
  });
});
