/**
 * The safe .pth reader: the shared real checkpoints (zip and legacy), hand-built files for what they lack (float16,
 * storage offsets, strides, legacy views, protocol 4), and hostile or broken files, each refused with a typed error.
 */
import * as fs from 'fs';
import { ZipFile } from 'yazl';
import { readCheckpoint, type Checkpoint } from '../src/core/convert/checkpoint';
import { unpickle } from '../src/core/convert/pickle';
import { RestoreError } from '../src/core/errors';
import { sharedModel } from './helpers/shared';

// ---- building pickles and zips by hand (opcode letters as latin-1 text, binary arguments through helpers) ----

type Part = string | Uint8Array;
const cat = (...parts: Part[]): Uint8Array => {
  const chunks = parts.map((p) => (typeof p === 'string' ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
};
const le = (n: number, bytes: number): Uint8Array => Uint8Array.from({ length: bytes }, (_, i) => Number((BigInt(n) >> BigInt(8 * i)) & 0xffn));
const str = (s: string): Uint8Array => cat('X', le(Buffer.byteLength(s), 4), new Uint8Array(Buffer.from(s)));
const short = (s: string): Uint8Array => cat('\x8c', le(s.length, 1), s);
const int = (n: number): Uint8Array => (n < 256 ? cat('K', le(n, 1)) : n < 65536 ? cat('M', le(n, 2)) : cat('J', le(n, 4)));
const glob = (module: string, name: string): string => `c${module}\n${name}\n`;
const tuple = (...items: Part[]): Uint8Array => cat('(', ...items, 't');
const orderedDict = (): Uint8Array => cat(glob('collections', 'OrderedDict'), ')R');
const halves = (...bits: number[]): Uint8Array => halvesOf(bits);
function halvesOf(bits: readonly number[]): Uint8Array {
  const out = new Uint8Array(bits.length * 2);
  bits.forEach((b, i) => { out[2 * i] = b & 0xff; out[2 * i + 1] = b >> 8; });
  return out;
}
const floats = (...values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

interface TensorSpec {
  name: string;
  type: string;
  key: string;
  numel: number;
  offset: number;
  shape: number[];
  stride: number[];
  isParameter?: boolean;
}

/** What torch.save writes for one tensor (protocol 2), optionally wrapped as an nn.Parameter. */
function tensorPickle(t: TensorSpec): Uint8Array {
  const pid = tuple(str('storage'), glob('torch', t.type), str(t.key), str('cpu'), int(t.numel));
  const rebuilt = cat(glob('torch._utils', '_rebuild_tensor_v2'),
    tuple(pid, 'Q', int(t.offset), tuple(...t.shape.map(int)), tuple(...t.stride.map(int)), '\x89', orderedDict()), 'R');
  return t.isParameter ? cat(glob('torch._utils', '_rebuild_parameter'), tuple(rebuilt, '\x88', orderedDict()), 'R') : rebuilt;
}

/** A state dict as torch pickles one: OrderedDict(), SETITEMS, then BUILD with its `_metadata`; optionally nested. */
function statePickle(tensors: TensorSpec[], container?: string): Uint8Array {
  const dict = cat(orderedDict(), '(', ...tensors.flatMap((t) => [str(t.name), tensorPickle(t)]), 'u', '}', str('_metadata'), '}s', 'b');
  return cat('\x80\x02', container ? cat('}', str(container), dict, 's') : dict, '.');
}

async function zipOf(files: Record<string, Part>, options: { compressed?: string[]; zip64?: boolean } = {}): Promise<Uint8Array> {
  const zip = new ZipFile();
  for (const [name, data] of Object.entries(files)) {
    zip.addBuffer(Buffer.from(cat(data)), name, { compress: options.compressed?.includes(name) ?? false, forceZip64Format: options.zip64 ?? false });
  }
  // ZIP64 forced everywhere: 0xFFFFFFFF sizes and offsets in the directory (the extra field holds them) and 0xFFFF
  // counts in the end record (the ZIP64 end record holds them), as torch writes for files over 4 GiB.
  zip.end(options.zip64 ? { forceZip64Format: true, comment: '' } : undefined);
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

const checkpointZip = (pickle: Uint8Array, storages: Record<string, Uint8Array>, options?: { compressed?: string[]; zip64?: boolean }): Promise<Uint8Array> =>
  zipOf({ 'archive/data.pkl': pickle, ...Object.fromEntries(Object.entries(storages).map(([k, v]) => [`archive/data/${k}`, v])), 'archive/version': '3\n' }, options);

function caught(fn: () => unknown): RestoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RestoreError) return error;
    throw error;
  }
  throw new Error('expected a RestoreError; nothing was thrown');
}

const values = (c: Checkpoint, name: string): number[] => Array.from(c.tensors.get(name)!.data);

// ---- the shared real checkpoints ----

interface Fixture { pth: string; container_key: string; format: string; params: number }
const fixtures: Record<string, Fixture> = JSON.parse(fs.readFileSync(sharedModel('pth/fixtures.json'), 'utf8'));
const cache = new Map<string, Checkpoint>();
const load = (file: string): Checkpoint => {
  if (!cache.has(file)) cache.set(file, readCheckpoint(new Uint8Array(fs.readFileSync(sharedModel(`pth/${file}`)))));
  return cache.get(file)!;
};

/** Tensor counts, first/last names (file order) and real shapes, read off the files with Python's pickletools. */
const KNOWN: Record<string, { count: number; first: string; last: string; shapes: Record<string, number[]> }> = {
  'srvgg-x4-c32': { count: 101, first: 'body.0.weight', last: 'body.66.bias', shapes: {
    'body.0.weight': [64, 3, 3, 3], 'body.1.weight': [64], 'body.66.weight': [48, 64, 3, 3], 'body.66.bias': [48] } },
  'rrdb-x2-b2': { count: 72, first: 'conv_first.weight', last: 'conv_last.bias', shapes: {
    'conv_first.weight': [64, 12, 3, 3], 'body.0.rdb1.conv1.weight': [32, 64, 3, 3], 'conv_last.weight': [3, 64, 3, 3] } },
  'gfpgan-clean-narrow0.125': { count: 285, first: 'conv_body_first.weight', last: 'stylegan_decoder.noises.noise14', shapes: {
    'conv_body_first.weight': [4, 3, 1, 1], 'final_linear.weight': [8192, 512], 'stylegan_decoder.constant_input.weight': [1, 64, 4, 4],
    'stylegan_decoder.style_convs.0.modulated_conv.weight': [1, 64, 64, 3, 3], 'stylegan_decoder.noises.noise0': [1, 1, 4, 4],
    'stylegan_decoder.noises.noise14': [1, 1, 512, 512] } },
};
KNOWN['srvgg-x4-c32-legacy'] = KNOWN['srvgg-x4-c32'];

describe('the shared fixtures', () => {
  it.each(Object.keys(KNOWN))('%s loads with the format, container, tensor count, names and shapes it has', (id) => {
    const fixture = fixtures[id];
    const checkpoint = load(fixture.pth);
    const known = KNOWN[id];
    expect(checkpoint.format).toBe(fixture.format.startsWith('zip') ? 'zip' : 'legacy');
    expect(checkpoint.containerKey).toBe(fixture.container_key);
    const names = [...checkpoint.tensors.keys()];
    expect([names.length, names[0], names[names.length - 1]]).toEqual([known.count, known.first, known.last]);
    for (const [name, shape] of Object.entries(known.shapes)) expect([name, checkpoint.tensors.get(name)?.shape]).toEqual([name, shape]);
    for (const [name, t] of checkpoint.tensors) {
      expect([name, t.dtype, t.data.length]).toEqual([name, 'float32', t.shape.reduce((a, b) => a * b, 1)]);
    }
  });

  it.each(Object.keys(KNOWN))('%s: the element count of all tensors is exactly fixtures.json "params"', (id) => {
    const total = [...load(fixtures[id].pth).tensors.values()].reduce((n, t) => n + t.data.length, 0);
    expect(total).toBe(fixtures[id].params);
  });

  it('GFPGAN\'s "params" includes its 15 noise buffers (699 024 elements), which the state dict holds as tensors', () => {
    const noises = [...load(fixtures['gfpgan-clean-narrow0.125'].pth).tensors].filter(([name]) => name.startsWith('stylegan_decoder.noises.'));
    expect([noises.length, noises.reduce((n, [, t]) => n + t.data.length, 0)]).toEqual([15, 699024]);
  });

  it('reads the stored values (first elements checked against Python\'s struct.unpack of the raw entries)', () => {
    expect(values(load('srvgg-x4-c32.pth'), 'body.0.weight').slice(0, 4)).toEqual([-0.2777692675590515, 0.24462354183197021, -0.348062664270401, -0.2961512506008148]);
    expect(values(load('gfpgan-clean-narrow0.125.pth'), 'stylegan_decoder.noises.noise0').slice(0, 3)).toEqual([0.3169412910938263, -0.40908801555633545, -1.5188350677490234]);
  });

  it('the zip and legacy SRVGG checkpoints give identical names, shapes and bytes', () => {
    const zip = load('srvgg-x4-c32.pth');
    const legacy = load('srvgg-x4-c32-legacy.pth');
    expect([...legacy.tensors.keys()]).toEqual([...zip.tensors.keys()]);
    for (const [name, t] of zip.tensors) {
      const other = legacy.tensors.get(name)!;
      expect([name, other.shape]).toEqual([name, t.shape]);
      expect([name, Buffer.compare(Buffer.from(other.data.buffer), Buffer.from(t.data.buffer))]).toEqual([name, 0]);
    }
  });
});

// ---- float16, offsets, strides, layouts the fixtures lack ----

/** Nine halves: 1, -2, 0.5, 65504 (largest), 2^-24 (smallest subnormal), -0, 0x3555, +Inf, NaN. */
const HALF_STORAGE = halves(0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x3555, 0x7c00, 0x7e00);
const HALF_TENSORS: TensorSpec[] = [
  // A transposed view from element 1: w[i][j] = storage[1 + i + 2j].
  { name: 'w', type: 'HalfStorage', key: '0', numel: 9, offset: 1, shape: [2, 3], stride: [1, 2] },
  { name: 'inf', type: 'HalfStorage', key: '0', numel: 9, offset: 7, shape: [], stride: [] },
  { name: 'nan', type: 'HalfStorage', key: '0', numel: 9, offset: 8, shape: [1], stride: [1] },
  { name: 'b', type: 'FloatStorage', key: '1', numel: 3, offset: 0, shape: [3], stride: [1], isParameter: true },
];

describe('hand-built checkpoints', () => {
  it('widens float16 exactly and copies a strided view with a storage offset into C order', async () => {
    const file = await checkpointZip(statePickle(HALF_TENSORS, 'params_ema'), { 0: HALF_STORAGE, 1: floats(1.5, -3.25, 0.001) });
    const checkpoint = readCheckpoint(file);
    expect([checkpoint.format, checkpoint.containerKey]).toEqual(['zip', 'params_ema']);
    expect(checkpoint.tensors.get('w')).toEqual({ dtype: 'float16', shape: [2, 3], data: Float32Array.from([-2, 65504, -0, 0.5, 2 ** -24, 0.333251953125]) });
    expect(values(checkpoint, 'w')[2]).toBe(-0);
    expect([checkpoint.tensors.get('inf')!.shape, values(checkpoint, 'inf')]).toEqual([[], [Infinity]]);
    expect(Number.isNaN(values(checkpoint, 'nan')[0])).toBe(true);
    expect(checkpoint.tensors.get('b')).toEqual({ dtype: 'float32', shape: [3], data: Float32Array.from([1.5, -3.25, 0.001]) });
  });

  it('widens every one of the 65 536 float16 bit patterns exactly (checked against float32 bits built by hand)', async () => {
    const all = halvesOf(Array.from({ length: 65536 }, (_, i) => i));
    const file = await checkpointZip(statePickle([{ name: 'all', type: 'HalfStorage', key: '0', numel: 65536, offset: 0, shape: [65536], stride: [1] }]), { 0: all });
    const got = readCheckpoint(file).tensors.get('all')!.data;
    const expected = new Float32Array(65536);
    const bits = new Uint32Array(expected.buffer);
    for (let h = 0; h < 65536; h++) {
      const sign = (h & 0x8000) << 16;
      const exponent = (h >> 10) & 0x1f;
      const mantissa = h & 0x3ff;
      if (exponent === 0) expected[h] = (sign ? -1 : 1) * (mantissa / 1024) * 2 ** -14;
      else bits[h] = sign | ((exponent === 31 ? 255 : exponent - 15 + 127) << 23) | (mantissa << 13);
    }
    // NaN payloads are not kept: a JS number has one NaN. Every other pattern must match bit for bit.
    const nans = [...expected.keys()].filter((h) => Number.isNaN(expected[h]));
    expect([nans.length, nans.every((h) => Number.isNaN(got[h]))]).toEqual([2046, true]);
    for (const h of nans) expected[h] = got[h] = 0;
    expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(expected.buffer))).toBe(0);
  });

  it('reads a bare state dict written with protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL, metadata argument) and full ZIP64', async () => {
    const body = cat(short('collections'), '\x94', short('OrderedDict'), '\x94\x93\x94)R\x94', short('x'), '\x94',
      short('torch._utils'), short('_rebuild_tensor_v2'), '\x93\x94',
      '((', short('storage'), short('torch'), short('FloatStorage'), '\x93', short('0'), short('cpu'), 'J', le(2, 4), 't',
      'Q', int(0), int(2), '\x85', int(1), '\x85', '\x89', 'h', le(2, 1), ')R', '}t', 'Rs.');
    const pickle = cat('\x80\x04\x95', le(body.length, 8), body);
    const checkpoint = readCheckpoint(await checkpointZip(pickle, { 0: floats(7, -8) }, { zip64: true }));
    expect([checkpoint.containerKey, checkpoint.tensors.get('x')]).toEqual([undefined, { dtype: 'float32', shape: [2], data: Float32Array.from([7, -8]) }]);
  });

  it('reads a hand-built legacy file whose storage is a view (view_metadata) into its root storage', () => {
    const pid = tuple(str('storage'), glob('torch', 'HalfStorage'), str('k1'), str('cpu'), int(6), tuple(str('k1v'), int(2), int(3)));
    const object = cat('\x80\x02}', str('params'), '}', str('v'), glob('torch._utils', '_rebuild_tensor_v2'),
      tuple(pid, 'Q', int(1), int(2), '\x85', int(1), '\x85', '\x89', orderedDict()), 'Rss.');
    const file = cat('\x80\x02\x8a\x0a', new Uint8Array([0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]), '.',
      '\x80\x02', int(1001), '.', '\x80\x02}', str('little_endian'), '\x88s.', object, '\x80\x02](', str('k1'), 'e.',
      le(6, 8), halves(0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600));
    const checkpoint = readCheckpoint(file);
    // The view starts at root element 2, the tensor at view element 1: root elements 3 and 4, i.e. 4 and 5.
    expect([checkpoint.format, checkpoint.containerKey, checkpoint.tensors.get('v')]).toEqual(['legacy', 'params', { dtype: 'float16', shape: [2], data: Float32Array.from([4, 5]) }]);
  });

  it('decodes the plain values a pickle may hold', () => {
    const pickle = cat('\x80\x02](', 'G', new Uint8Array(Buffer.from('400921fb54442d18', 'hex')), '\x8a\x02', le(0xff7f, 2), '\x8a\x09', le(0, 8), '\x01',
      '\x8d', le(3, 8), new Uint8Array(Buffer.from('hé')), 'C\x02ab', 'N\x88\x89', int(1), int(2), '\x86', int(1), int(2), int(3), '\x87', 'e.');
    expect(unpickle(pickle, { globals: new Map() }).value).toEqual([Math.PI, -129, 2n ** 64n, 'hé', new Uint8Array([97, 98]), null, true, false, [1, 2], [1, 2, 3]]);
  });

  it('refuses a tensor that reaches outside its storage, a copy far larger than the storages, and weights that are not float', async () => {
    const outside = { name: 'big', type: 'FloatStorage', key: '0', numel: 4, offset: 1, shape: [2, 2], stride: [2, 1] };
    const beyond = await checkpointZip(statePickle([outside]), { 0: floats(1, 2, 3, 4) });
    const bomb = await checkpointZip(statePickle([{ ...outside, shape: [100000, 100000], stride: [0, 0] }]), { 0: floats(1, 2, 3, 4) });
    const e1 = caught(() => readCheckpoint(new Uint8Array(0)));
    expect([e1.code, e1.message]).toEqual(['INVALID_CHECKPOINT', 'The file is not a PyTorch checkpoint: it starts with bytes (none: it is empty), neither a zip (torch ≥ 1.6) nor a legacy torch.save pickle']);
    const e2 = caught(() => readCheckpoint(beyond));
    expect([e2.code, e2.message]).toEqual(['INVALID_CHECKPOINT', 'The checkpoint is corrupt: tensor big [2,2] with strides [2,1] from element 1 reaches element 4 of a storage of 4']);
    const e4 = caught(() => readCheckpoint(bomb));
    expect([e4.code, e4.message]).toEqual(['INVALID_CHECKPOINT', "The checkpoint is corrupt: its tensors ask for 10000000000 elements from storages holding 4, far more than any state dict's views of its storages"]);
    const ints = await checkpointZip(statePickle([{ ...outside, name: 'num_batches_tracked', type: 'LongStorage', numel: 1, offset: 0, shape: [], stride: [] }]), { 0: le(5, 8) });
    const e3 = caught(() => readCheckpoint(ints));
    expect([e3.code, e3.message]).toEqual(['INVALID_CHECKPOINT', "The checkpoint's tensor num_batches_tracked holds int64 (torch.LongStorage); only float32 and float16 weights can be read"]);
  });
});

// ---- hostile and broken files ----

/** The classic: GLOBAL os.system, the argument tuple ('ls',), REDUCE. Python's pickle.loads would run `ls`. */
const HOSTILE = cat('\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03.');
const OS_SYSTEM = 'Refused the checkpoint: its pickle asks for os.system (offset 2), which is not a tensor or a container; it may be malicious';

describe('refusals', () => {
  const refusal = (fn: () => unknown): [string, string] => { const e = caught(fn); return [e.code, e.message]; };

  it('refuses GLOBAL os.system + REDUCE at the GLOBAL, before anything could be called', () => {
    expect(refusal(() => unpickle(HOSTILE, { globals: new Map() }))).toEqual(['CHECKPOINT_REFUSED', OS_SYSTEM]);
    // As a whole file it takes the legacy path, whose first pickle may name no global at all.
    expect(refusal(() => readCheckpoint(HOSTILE))).toEqual(['CHECKPOINT_REFUSED', OS_SYSTEM]);
  });

  it('refuses os.system reached through STACK_GLOBAL (protocol 4), naming its offset', () => {
    const pickle = cat('\x80\x04', short('os'), short('system'), '\x93', short('ls'), '\x85R.');
    expect(refusal(() => unpickle(pickle, { globals: new Map() })))
      .toEqual(['CHECKPOINT_REFUSED', 'Refused the checkpoint: its pickle asks for os.system (offset 14), which is not a tensor or a container; it may be malicious']);
  });

  it('refuses builtins.eval, subprocess.Popen and torch globals that the caller did not allow', () => {
    for (const [module, name, at] of [['builtins', 'eval', 2], ['subprocess', 'Popen', 2], ['torch._utils', '_rebuild_tensor_v2', 2]] as const) {
      const pickle = cat('\x80\x02', glob(module, name), str('1+1'), '\x85R.');
      expect(refusal(() => unpickle(pickle, { globals: new Map([['collections.OrderedDict', {}]]) })))
        .toEqual(['CHECKPOINT_REFUSED', `Refused the checkpoint: its pickle asks for ${module}.${name} (offset ${at}), which is not a tensor or a container; it may be malicious`]);
    }
  });

  it('refuses a zip checkpoint whose data.pkl is the hostile pickle, naming the entry', async () => {
    const file = await checkpointZip(HOSTILE, {});
    expect(refusal(() => readCheckpoint(file)))
      .toEqual(['CHECKPOINT_REFUSED', 'Refused the checkpoint: its pickle asks for os.system (offset 2 of archive/data.pkl), which is not a tensor or a container; it may be malicious']);
  });

  it('refuses calling an allowed reference-only global, REDUCE on a plain value and BUILD on anything but a dict', async () => {
    const calls = await checkpointZip(cat('\x80\x02', glob('torch', 'FloatStorage'), ')R.'), {});
    expect(refusal(() => readCheckpoint(calls))).toEqual(['CHECKPOINT_REFUSED', 'Refused the checkpoint: its pickle calls torch.FloatStorage (offset 23 of archive/data.pkl), which a checkpoint may only name, never call; it may be malicious']);
    expect(refusal(() => unpickle(cat('\x80\x02', str('os.system'), ')R.'), { globals: new Map() }))[0]).toBe('CHECKPOINT_REFUSED');
    expect(refusal(() => unpickle(cat('\x80\x02]}b.'), { globals: new Map() }))).toEqual(['CHECKPOINT_REFUSED', 'Refused the checkpoint: its pickle sets the state of a list (offset 4), which only a dict may have in a checkpoint; it may be malicious']);
  });

  it('refuses unknown opcodes and the object-building opcodes it does not run', () => {
    expect(refusal(() => unpickle(cat('\x80\x02\xff.'), { globals: new Map() })))
      .toEqual(['CHECKPOINT_REFUSED', 'Refused the checkpoint: its pickle uses unknown opcode 0xff (offset 2), which this safe reader does not run; the file is not a plain torch.save checkpoint or may be malicious']);
    expect(refusal(() => unpickle(cat('\x80\x02(ios\nsystem\n.'), { globals: new Map() })))
      .toEqual(['CHECKPOINT_REFUSED', 'Refused the checkpoint: its pickle uses opcode INST 0x69 (offset 3), which this safe reader does not run; the file is not a plain torch.save checkpoint or may be malicious']);
    expect(refusal(() => unpickle(cat('\x80\x02\x82\x01.'), { globals: new Map() }))[1]).toMatch(/opcode EXT1 0x82 \(offset 2\)/);
    expect(refusal(() => unpickle(cat('\x80\x02\x8b\xff\xff\xff\x00.'), { globals: new Map() }))[1]).toMatch(/opcode LONG4 0x8b \(offset 2\)/);
  });

  it('refuses a persistent id when the caller expects none', () => {
    expect(refusal(() => unpickle(cat('\x80\x02', str('x'), 'Q.'), { globals: new Map() }))[0]).toBe('CHECKPOINT_REFUSED');
  });

  it('reports truncation with INVALID_CHECKPOINT, without allocating a forged length', () => {
    expect(refusal(() => unpickle(cat('\x80\x02X\xff\xff\xff\x7f.'), { globals: new Map() })))
      .toEqual(['INVALID_CHECKPOINT', 'The checkpoint is truncated: its pickle needs 2147483647 more bytes for opcode 0x58 (offset 2) but only 1 remain']);
    expect(refusal(() => unpickle(cat('\x80\x04\x8d', le(2 ** 62, 8), '.'), { globals: new Map() }))[0]).toBe('INVALID_CHECKPOINT');
    expect(refusal(() => unpickle(cat('\x80\x02', int(1)), { globals: new Map() })))
      .toEqual(['INVALID_CHECKPOINT', 'The checkpoint is truncated: its pickle ends without its STOP opcode (offset 4)']);
  });

  it('reports a truncated zip or legacy fixture with INVALID_CHECKPOINT', () => {
    const zip = new Uint8Array(fs.readFileSync(sharedModel('pth/srvgg-x4-c32.pth')));
    expect(refusal(() => readCheckpoint(zip.subarray(0, zip.length >> 1))))
      .toEqual(['INVALID_CHECKPOINT', 'The checkpoint is truncated: its zip has no end-of-central-directory record']);
    const legacy = new Uint8Array(fs.readFileSync(sharedModel('pth/srvgg-x4-c32-legacy.pth')));
    const e = caught(() => readCheckpoint(legacy.subarray(0, legacy.length - 1)));
    expect([e.code, e.message]).toEqual(['INVALID_CHECKPOINT', expect.stringMatching(/^The checkpoint is truncated: storage \d+ needs \d+ bytes from offset \d+, but the file ends at 4865994$/)]);
    expect(caught(() => readCheckpoint(legacy.subarray(0, 5000))).code).toBe('INVALID_CHECKPOINT');
  });

  it('refuses a compressed zip entry with a way out', async () => {
    const file = await checkpointZip(statePickle(HALF_TENSORS), { 0: HALF_STORAGE, 1: floats(1, 2, 3) }, { compressed: ['archive/data/0'] });
    expect(refusal(() => readCheckpoint(file))).toEqual(['INVALID_CHECKPOINT',
      "The checkpoint's zip entry archive/data/0 is compressed (method 8, deflate); torch.save never compresses, so the file was repacked: unzip it and zip it again without compression (zip -0), or re-save it with torch.save"]);
  });

  it('lists the top-level keys when it finds no state dict', async () => {
    const pickle = cat('\x80\x02}(', str('epoch'), int(3), str('optimizer'), '}u.');
    expect(refusal(() => readCheckpoint(pickle))[0]).toBe('INVALID_CHECKPOINT');
    const file = await checkpointZip(pickle, {});
    expect(refusal(() => readCheckpoint(file)))
      .toEqual(['INVALID_CHECKPOINT', 'The checkpoint has no "params_ema", "params" or bare state dict of tensors; its top-level keys are: epoch, optimizer']);
  });
});
