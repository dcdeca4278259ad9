/**
 * Reads the weights of an official PyTorch checkpoint (`.pth`) without Python and without running its pickle: the
 * pickle goes through the allow-list VM in `pickle.ts`, which may only build dicts, tensors and storage references.
 * Both layouts torch.save has written are read:
 *   zip (torch ≥ 1.6): `<archive>/data.pkl` plus one STORED entry `<archive>/data/<key>` per storage (raw little-endian);
 *   legacy (torch < 1.6): pickles back to back (magic number, protocol 1001, sys_info, the object, the storage keys),
 *     then each storage as an int64 element count and its raw bytes (torch/serialization.py `_legacy_load`).
 */
import { RestoreError } from '../errors';
import { decodeUtf8 } from '../utf8';
import { describe, PickleGlobal, PickleGlobalRef, unpickle } from './pickle';
import { halfToFloat } from './half';

export type CheckpointDtype = 'float32' | 'float16';

export interface CheckpointTensor {
  /** The dtype stored in the file; `data` is always float32 (float16 widens exactly). */
  readonly dtype: CheckpointDtype;
  readonly shape: readonly number[];
  /** A contiguous C-order copy: storage offset and strides are already applied. */
  readonly data: Float32Array;
}

export interface Checkpoint {
  readonly format: 'zip' | 'legacy';
  /** Which entry held the weights (BasicSR/GFPGAN nest them), or undefined for a bare state dict. */
  readonly containerKey: 'params_ema' | 'params' | undefined;
  /** Tensors by state-dict name, in file order. */
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
}

/** torch's storage classes: what the raw bytes behind a tensor hold. Non-float ones are known so messages name them. */
const STORAGE_TYPES: Readonly<Record<string, readonly [string, number]>> = {
  FloatStorage: ['float32', 4], HalfStorage: ['float16', 2], DoubleStorage: ['float64', 8], BFloat16Storage: ['bfloat16', 2],
  LongStorage: ['int64', 8], IntStorage: ['int32', 4], ShortStorage: ['int16', 2], CharStorage: ['int8', 1],
  ByteStorage: ['uint8', 1], BoolStorage: ['bool', 1],
};

/** One storage: `numel` elements of `type`, bytes from the zip entry or the legacy tail (filled after the pickle). */
class Storage {
  data: Uint8Array | undefined;
  constructor(readonly key: string, readonly type: string, readonly numel: number, readonly view?: { of: Storage; start: number }) {}
  get dtype(): string { return STORAGE_TYPES[this.type][0]; }
  get elementSize(): number { return STORAGE_TYPES[this.type][1]; }
}

/** What `_rebuild_tensor_v2` describes: a strided view into a storage, read only after the whole pickle is checked. */
class TensorRef {
  constructor(readonly storage: Storage, readonly offset: number, readonly shape: readonly number[], readonly stride: readonly number[]) {}
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

const invalid = (message: string): RestoreError => new RestoreError('INVALID_CHECKPOINT', message);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isCounts = (v: unknown): v is readonly number[] => Array.isArray(v) && v.every(isCount);

function rebuildTensor(args: readonly unknown[], where: string): TensorRef {
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]); hooks would be Python
  // callables, which the allow-list cannot produce, so a non-empty dict means a forged file.
  const [storage, offset, shape, stride, requiresGrad, hooks] = args;
  if ((args.length !== 6 && args.length !== 7) || !(storage instanceof Storage) || !isCount(offset) || !isCounts(shape)
    || !isCounts(stride) || shape.length !== stride.length || typeof requiresGrad !== 'boolean' || !(hooks instanceof Map) || hooks.size > 0) {
    throw invalid(`The checkpoint is corrupt: torch._utils._rebuild_tensor_v2 at ${where} gets (${args.map(describe).join(', ')}) instead of (storage, offset, size, stride, requires_grad, {})`);
  }
  return new TensorRef(storage, offset, shape, stride);
}

function rebuildParameter(args: readonly unknown[], where: string): TensorRef {
  const [data, requiresGrad, hooks] = args;
  if (args.length !== 3 || !(data instanceof TensorRef) || typeof requiresGrad !== 'boolean' || !(hooks instanceof Map) || hooks.size > 0) {
    throw invalid(`The checkpoint is corrupt: torch._utils._rebuild_parameter at ${where} gets (${args.map(describe).join(', ')}) instead of (tensor, requires_grad, {})`);
  }
  return data;
}

function orderedDict(args: readonly unknown[], where: string): Map<unknown, unknown> {
  // torch pickles OrderedDict as OrderedDict() followed by SETITEMS; items passed as arguments are not its shape.
  if (args.length !== 0) throw invalid(`The checkpoint is corrupt: collections.OrderedDict at ${where} gets ${args.length} arguments instead of none`);
  return new Map();
}

/** The globals a state dict needs, and nothing else: storage types may only be named, never called. */
const GLOBALS: ReadonlyMap<string, PickleGlobal> = new Map<string, PickleGlobal>([
  ['collections.OrderedDict', { call: orderedDict }],
  ['torch._utils._rebuild_tensor_v2', { call: rebuildTensor }],
  ['torch._utils._rebuild_parameter', { call: rebuildParameter }],
  ...Object.keys(STORAGE_TYPES).map((name): [string, PickleGlobal] => [`torch.${name}`, {}]),
]);

/** Checks a persistent id's common head `('storage', torch.XStorage, key, location, numel, …)`. */
function storageId(pid: unknown, length: number, where: string): { type: string; key: string; numel: number; rest: readonly unknown[] } {
  const parts = Array.isArray(pid) ? pid : [];
  const [tag, type, key, location, numel] = parts;
  const typeName = type instanceof PickleGlobalRef && type.name.startsWith('torch.') ? type.name.slice(6) : '';
  if (parts.length !== length || tag !== 'storage' || !Object.hasOwn(STORAGE_TYPES, typeName) || typeof key !== 'string' || typeof location !== 'string' || !isCount(numel)) {
    throw invalid(`The checkpoint is corrupt: the storage reference at ${where} is (${parts.map(describe).join(', ')}) instead of ('storage', storage type, key, location, size${length === 6 ? ', view' : ''})`);
  }
  return { type: typeName, key, numel, rest: parts.slice(5) };
}

/** A zip entry as the central directory describes it (the local header is read only when the entry is). */
interface ZipEntry {
  readonly name: string;
  readonly flags: number;
  readonly method: number;
  readonly size: number;
  readonly compressedSize: number;
  readonly headerOffset: number;
}

const MAX_32 = 0xffffffff;

/**
 * The central directory of a zip (APPNOTE 4.3), ZIP64 included: torch always writes a ZIP64 end record, and entries over
 * 4 GiB carry their sizes in the ZIP64 extra field. Sizes come from here because torch sets the data-descriptor flag
 * and leaves the local headers' sizes at zero.
 */
function readZipDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (at: number): number => Number(view.getBigUint64(at, true));
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === 0x06054b50) { eocd = at; break; }
  }
  if (eocd < 0) throw invalid('The checkpoint is truncated: its zip has no end-of-central-directory record');
  let count = view.getUint16(eocd + 10, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || dirOffset === MAX_32) && eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const record = u64(eocd - 12);
    if (record + 56 > eocd || view.getUint32(record, true) !== 0x06064b50) throw invalid('The checkpoint is corrupt: its zip\'s ZIP64 end record is missing');
    count = u64(record + 32);
    dirOffset = u64(record + 48);
  }
  const entries = new Map<string, ZipEntry>();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) throw invalid(`The checkpoint is corrupt: zip directory entry ${i} of ${count} at offset ${at} is missing`);
    const nameLength = view.getUint16(at + 28, true);
    const extraEnd = at + 46 + nameLength + view.getUint16(at + 30, true);
    if (extraEnd > bytes.length) throw invalid(`The checkpoint is truncated inside zip directory entry ${i}`);
    const name = decodeUtf8(bytes.subarray(at + 46, at + 46 + nameLength));
    // ZIP64 extra field (id 1): 8-byte values for exactly those of size, compressed size, offset that read 0xFFFFFFFF.
    const wide = [view.getUint32(at + 24, true), view.getUint32(at + 20, true), view.getUint32(at + 42, true)];
    for (let x = at + 46 + nameLength; x + 4 <= extraEnd; x += 4 + view.getUint16(x + 2, true)) {
      if (view.getUint16(x, true) !== 1) continue;
      let field = x + 4;
      for (let k = 0; k < 3; k++) {
        if (wide[k] === MAX_32 && field + 8 <= extraEnd) { wide[k] = u64(field); field += 8; }
      }
    }
    const [size, compressedSize, headerOffset] = wide;
    entries.set(name, { name, flags: view.getUint16(at + 8, true), method: view.getUint16(at + 10, true), size, compressedSize, headerOffset });
    at = extraEnd + view.getUint16(at + 32, true);
  }
  return entries;
}

function findEntry(entries: ReadonlyMap<string, ZipEntry>, name: string): ZipEntry {
  const entry = entries.get(name);
  if (!entry) throw invalid(`The checkpoint is corrupt: its zip has no entry ${name}`);
  return entry;
}

/** An entry's bytes, without copying. torch.save stores entries uncompressed so that storages can be memory-mapped. */
function entryBytes(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  if (entry.method !== 0) {
    throw invalid(`The checkpoint's zip entry ${entry.name} is compressed (method ${entry.method}${entry.method === 8 ? ', deflate' : ''}); torch.save never compresses, so the file was repacked: unzip it and zip it again without compression (zip -0), or re-save it with torch.save`);
  }
  if (entry.flags & 1) throw invalid(`The checkpoint's zip entry ${entry.name} is encrypted`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.headerOffset;
  if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) throw invalid(`The checkpoint is corrupt: the zip header of ${entry.name} at offset ${local} is missing`);
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  if (entry.compressedSize !== entry.size) throw invalid(`The checkpoint is corrupt: stored zip entry ${entry.name} claims ${entry.compressedSize} bytes packed but ${entry.size} unpacked`);
  if (start + entry.size > bytes.length) {
    throw invalid(`The checkpoint is truncated: zip entry ${entry.name} needs ${entry.size} bytes from offset ${start}, but the file ends at ${bytes.length}`);
  }
  return bytes.subarray(start, start + entry.size);
}

function readZip(bytes: Uint8Array): unknown {
  const entries = readZipDirectory(bytes);
  const pkl = [...entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (!pkl) {
    const script = [...entries.keys()].some((name) => name.endsWith('/constants.pkl'));
    throw invalid(script
      ? 'The file is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; export the state dict with torch.save'
      : `The zip holds no <archive>/data.pkl, so it is not a torch.save checkpoint; its entries start: ${[...entries.keys()].slice(0, 5).join(', ')}`);
  }
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = entries.get(`${prefix}byteorder`);
  if (order) {
    const text = decodeUtf8(entryBytes(bytes, order)).trim();
    if (text !== 'little') throw invalid(`The checkpoint was saved with byteorder "${text}"; only little-endian checkpoints can be read`);
  }
  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown, where: string): Storage => {
    const { type, key, numel } = storageId(pid, 5, where);
    const known = storages.get(key);
    if (known) return known;
    const storage = new Storage(key, type, numel);
    storage.data = entryBytes(bytes, findEntry(entries, `${prefix}data/${key}`));
    if (storage.data.length !== numel * storage.elementSize) {
      throw invalid(`The checkpoint is corrupt: storage ${prefix}data/${key} has ${storage.data.length} bytes, but ${numel} ${storage.dtype} elements need ${numel * storage.elementSize}`);
    }
    storages.set(key, storage);
    return storage;
  };
  return unpickle(entryBytes(bytes, findEntry(entries, pkl)), { globals: GLOBALS, persistentLoad, label: pkl }).value;
}

function readLegacy(bytes: Uint8Array): unknown {
  let at = 0;
  // Offsets in messages are file offsets: the pickles run back to back from byte 0. Only the object pickle may name
  // globals; the header pickles hold plain values.
  const next = (persistentLoad?: (pid: unknown, where: string) => unknown): unknown => {
    const result = unpickle(bytes, { globals: persistentLoad ? GLOBALS : new Map(), persistentLoad, start: at });
    at = result.end;
    return result.value;
  };
  if (next() !== LEGACY_MAGIC) throw invalid('The file is not a PyTorch checkpoint: it is a pickle without torch\'s magic number (neither a zip from torch ≥ 1.6 nor a legacy torch.save file)');
  const protocol = next();
  if (protocol !== LEGACY_PROTOCOL) throw invalid(`The legacy checkpoint has protocol version ${String(protocol)}; only ${LEGACY_PROTOCOL} exists`);
  const sysInfo = next();
  if (sysInfo instanceof Map && sysInfo.get('little_endian') === false) throw invalid('The legacy checkpoint was saved on a big-endian machine; only little-endian checkpoints can be read');

  const storages = new Map<string, Storage>();
  const root = next((pid, where) => {
    const { type, key, numel, rest: [view] } = storageId(pid, 6, where);
    const storage = storages.get(key) ?? new Storage(key, type, numel);
    storages.set(key, storage);
    if (view === null) return storage;
    // (view_key, offset, view_size): a slice of the root storage, offsets in elements.
    const [viewKey, start, size] = Array.isArray(view) ? view : [];
    if (typeof viewKey !== 'string' || !isCount(start) || !isCount(size) || start + size > numel) {
      throw invalid(`The checkpoint is corrupt: storage ${key} at ${where} has the view ${describe(view)} outside its ${numel} elements`);
    }
    return new Storage(viewKey, type, size, { of: storage, start });
  });
  const keys = next();
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) throw invalid(`The checkpoint is corrupt: its storage key list is a ${describe(keys)}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys as string[]) {
    const storage = storages.get(key);
    if (!storage || storage.data) throw invalid(`The checkpoint is corrupt: its key list names storage ${key} ${storage ? 'twice' : 'that no tensor uses'}`);
    if (at + 8 > bytes.length) throw invalid(`The checkpoint is truncated: it ends at byte ${bytes.length}, before the size of storage ${key}`);
    const count = view.getBigInt64(at, true);
    if (count !== BigInt(storage.numel)) throw invalid(`The checkpoint is corrupt: storage ${key} at offset ${at} holds ${count} elements, but its tensors were saved with ${storage.numel}`);
    const length = storage.numel * storage.elementSize;
    if (at + 8 + length > bytes.length) throw invalid(`The checkpoint is truncated: storage ${key} needs ${length} bytes from offset ${at + 8}, but the file ends at ${bytes.length}`);
    storage.data = bytes.subarray(at + 8, at + 8 + length);
    at += 8 + length;
  }
  return root;
}

/** Chooses the state dict: BasicSR keeps the EMA weights (what inference uses) beside the raw ones. */
function stateDict(root: unknown): { containerKey: Checkpoint['containerKey']; dict: Map<unknown, unknown> } {
  if (!(root instanceof Map)) throw invalid(`The checkpoint holds a ${describe(root)}, not a dict of weights`);
  for (const key of ['params_ema', 'params'] as const) {
    if (!root.has(key)) continue;
    const dict = root.get(key);
    if (!(dict instanceof Map)) throw invalid(`The checkpoint's "${key}" is a ${describe(dict)}, not a state dict`);
    return { containerKey: key, dict };
  }
  if (root.size > 0 && [...root.values()].every((value) => value instanceof TensorRef)) return { containerKey: undefined, dict: root };
  const keys = [...root.keys()].map(String);
  const more = keys.length > 20 ? `, … (${keys.length - 20} more)` : '';
  throw invalid(`The checkpoint has no "params_ema", "params" or bare state dict of tensors; its top-level keys are: ${keys.slice(0, 20).join(', ') || '(none)'}${more}`);
}

/** Copies a strided view into a contiguous C-order Float32Array, after checking that it stays inside its storage. */
function materialize(name: string, tensor: TensorRef): CheckpointTensor {
  const { storage, offset, shape, stride } = tensor;
  const dtype = storage.dtype;
  if (dtype !== 'float32' && dtype !== 'float16') {
    throw invalid(`The checkpoint's tensor ${name} holds ${dtype} (torch.${storage.type}); only float32 and float16 weights can be read`);
  }
  const root = storage.view?.of ?? storage;
  const data = root.data;
  if (!data) throw invalid(`The checkpoint is corrupt: the data of storage ${root.key} (tensor ${name}) is missing`);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (numel === 0) return { dtype, shape: [...shape], data: new Float32Array(0) };
  const last = offset + shape.reduce((sum, size, d) => sum + (size - 1) * stride[d], 0);
  if (last >= storage.numel) throw invalid(`The checkpoint is corrupt: tensor ${name} ${JSON.stringify(shape)} with strides ${JSON.stringify(stride)} from element ${offset} reaches element ${last} of a storage of ${storage.numel}`);
  const out = new Float32Array(numel);
  const bytes = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = dtype === 'float32' ? (e: number) => bytes.getFloat32(e * 4, true) : (e: number) => halfToFloat(bytes.getUint16(e * 2, true));
  const rank = shape.length;
  const inner = rank > 0 ? shape[rank - 1] : 1;
  const innerStride = rank > 0 ? stride[rank - 1] : 0;
  const counter = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  let base = (storage.view?.start ?? 0) + offset;
  let o = 0;
  for (;;) {
    for (let j = 0; j < inner; j++) out[o++] = read(base + j * innerStride);
    let d = rank - 2;
    for (; d >= 0; d--) {
      base += stride[d];
      if (++counter[d] < shape[d]) break;
      base -= stride[d] * shape[d];
      counter[d] = 0;
    }
    if (d < 0) break;
  }
  return { dtype, shape: [...shape], data: out };
}

/**
 * Reads the state dict of a `.pth` checkpoint: every tensor, float32 or float16, as a float32 copy. Nothing in the file
 * is executed: only dicts, tensors and storage references are built, and anything else is refused.
 * @param bytes - the whole file.
 * @returns the format, which container held the weights (`params_ema` preferred over `params`) and the tensors.
 * @throws RestoreError CHECKPOINT_REFUSED when the pickle asks for a global or opcode outside the allow-list (a
 *   possibly malicious file); INVALID_CHECKPOINT when the file is truncated or corrupt, has compressed zip entries,
 *   holds non-float weights, or has no recognisable state dict (the message lists its top-level keys).
 * @example
 * const { tensors } = readCheckpoint(bytes);
 * tensors.get('body.0.weight')?.shape; // [64, 3, 3, 3]
 */
export function readCheckpoint(bytes: Uint8Array): Checkpoint {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (!isZip && bytes[0] !== 0x80) {
    const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw invalid(`The file is not a PyTorch checkpoint: it starts with bytes ${head || '(none: it is empty)'}, neither a zip (torch ≥ 1.6) nor a legacy torch.save pickle`);
  }
  const { containerKey, dict } = stateDict(isZip ? readZip(bytes) : readLegacy(bytes));
  const refs = new Map<string, TensorRef>();
  for (const [name, value] of dict) {
    if (typeof name !== 'string' || !(value instanceof TensorRef)) {
      throw invalid(`The checkpoint's state dict maps ${describe(name)} ${String(name)} to a ${describe(value)}; a state dict maps names to tensors`);
    }
    refs.set(name, value);
  }
  // Memory limit before any copy: a real state dict's tensors partition their storages, so the copies are as large as
  // the storages. Four times leaves room for aliases (tied weights, overlapping views) and stops a few bytes of pickle
  // (zero strides, thousands of views of one storage) from asking for terabytes.
  const stored = [...new Set([...refs.values()].map((t) => t.storage.view?.of ?? t.storage))].reduce((n, s) => n + s.numel, 0);
  const wanted = [...refs.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  if (wanted > 4 * stored) throw invalid(`The checkpoint is corrupt: its tensors ask for ${wanted} elements from storages holding ${stored}, far more than any state dict's views of its storages`);
  const tensors = new Map<string, CheckpointTensor>();
  for (const [name, ref] of refs) tensors.set(name, materialize(name, ref));
  return { format: isZip ? 'zip' : 'legacy', containerKey, tensors };
}
