/**
 * A pickle reader that executes nothing. Python's unpickler imports and calls whatever a file names (`os.system` is
 * one GLOBAL + REDUCE away), so `torch.load` without `weights_only` runs whatever a downloaded checkpoint asks. This virtual machine knows
 * only the binary opcodes of protocols 2–5 that torch.save writes, builds plain values, and reaches a global only
 * through the caller's explicit allow-list; every other global and every unknown opcode is refused with its byte offset.
 *
 * Values: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number, str → string,
 * bytes → Uint8Array, list → array, tuple → frozen array, dict → Map (never a plain object: a key named `__proto__`
 * must stay data). Opcode reference: CPython `Lib/pickletools.py`.
 */
import { RestoreError } from '../errors';
import { decodeUtf8 } from '../utf8';

/** What the caller allows a global to do. */
export interface PickleGlobal {
  /**
   * Builds the value for REDUCE / NEWOBJ from the argument tuple. `where` names the byte offset for messages. A global
   * without `call` may only be referenced (e.g. a storage type inside a persistent id) and is refused when called.
   */
  readonly call?: (args: readonly unknown[], where: string) => unknown;
}

/** A global from the allow-list, as it sits on the stack until something calls or references it. */
export class PickleGlobalRef {
  constructor(readonly name: string, readonly spec: PickleGlobal) {}
}

export interface UnpickleOptions {
  /** Allowed globals keyed by dotted name (`'collections.OrderedDict'`); nothing else is ever resolved. */
  readonly globals: ReadonlyMap<string, PickleGlobal>;
  /** Resolves BINPERSID ids (torch's storages); a pickle with a persistent id and no handler is refused. */
  readonly persistentLoad?: (pid: unknown, where: string) => unknown;
  /** Byte offset of the first opcode (legacy checkpoints are several pickles back to back). Default 0. */
  readonly start?: number;
  /** Names the pickle in messages, e.g. `'archive/data.pkl'`. */
  readonly label?: string;
}

export interface UnpickleResult {
  readonly value: unknown;
  /** Offset just past the STOP opcode. */
  readonly end: number;
}

/**
 * Opcodes Python knows but this reader refuses, by name, so the message says what the file wanted. LONG4 is among them:
 * torch never writes it, and a long one would cost quadratic bigint work.
 */
const UNSUPPORTED: Readonly<Record<number, string>> = {
  0x49: 'INT', 0x4c: 'LONG', 0x53: 'STRING', 0x56: 'UNICODE', 0x46: 'FLOAT', 0x67: 'GET', 0x70: 'PUT', 0x64: 'DICT',
  0x6c: 'LIST', 0x69: 'INST', 0x6f: 'OBJ', 0x50: 'PERSID', 0x32: 'DUP', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER', 0x8b: 'LONG4',
};

/**
 * Runs one pickle from `options.start` to its STOP.
 * @throws RestoreError CHECKPOINT_REFUSED for a global outside `options.globals`, a call of a reference-only global,
 *   a persistent id without handler or an unknown opcode; INVALID_CHECKPOINT for a truncated or inconsistent pickle.
 * @example
 * const { value } = unpickle(bytes, { globals: new Map([['collections.OrderedDict', { call: () => new Map() }]]) });
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): UnpickleResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const label = options.label ? ` of ${options.label}` : '';
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = options.start ?? 0;
  let op = 0;
  let opAt = pos;

  const where = (): string => `offset ${opAt}${label}`;
  const malformed = (what: string): RestoreError =>
    new RestoreError('INVALID_CHECKPOINT', `The checkpoint is corrupt: its pickle ${what} (${where()})`);
  const refused = (what: string, why = 'which is not a tensor or a container'): RestoreError =>
    new RestoreError('CHECKPOINT_REFUSED', `Refused the checkpoint: its pickle ${what} (${where()}), ${why}; it may be malicious`);
  const truncated = (n: number): RestoreError =>
    new RestoreError('INVALID_CHECKPOINT', `The checkpoint is truncated: its pickle needs ${n} more bytes for opcode 0x${hex(op)} (${where()}) but only ${bytes.length - pos} remain`);
  const need = (n: number): number => {
    // Every declared length is checked against what is left, so a forged length cannot make us allocate.
    if (n > bytes.length - pos) throw truncated(n);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)];
  const u32 = (): number => view.getUint32(need(4), true);
  // Rounding above 2^53 is harmless: such a length is refused as longer than the file anyway.
  const u64 = (): number => Number(view.getBigUint64(need(8), true));
  const raw = (n: number): Uint8Array => { const at = need(n); return bytes.subarray(at, at + n); };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) throw malformed(`pops an empty stack at opcode 0x${hex(op)}`);
    return stack.pop();
  };
  const top = (): unknown => { const v = pop(); stack.push(v); return v; };
  const popMark = (): unknown[] => {
    const at = marks.pop();
    if (at === undefined) throw malformed(`uses opcode 0x${hex(op)} without a MARK`);
    return stack.splice(at);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw malformed('has a GLOBAL name without its newline');
    return decodeUtf8(raw(end - pos + 1).subarray(0, end - pos));
  };
  const resolve = (module: string, name: string): PickleGlobalRef => {
    const dotted = `${module}.${name}`;
    const spec = options.globals.get(dotted);
    if (!spec) throw refused(`asks for ${dotted}`);
    return new PickleGlobalRef(dotted, spec);
  };
  const call = (target: unknown, args: unknown): unknown => {
    if (!(target instanceof PickleGlobalRef)) throw refused(`calls a ${describe(target)}`, 'which is not an allowed global');
    if (!target.spec.call) throw refused(`calls ${target.name}`, 'which a checkpoint may only name, never call');
    if (!Array.isArray(args)) throw malformed(`calls ${target.name} with ${describe(args)} instead of an argument tuple`);
    return target.spec.call(args, where());
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) throw malformed(`sets items on a ${describe(target)}`);
    if (items.length % 2 !== 0) throw malformed('has SETITEMS with an odd number of keys and values');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const append = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target) || Object.isFrozen(target)) throw malformed(`appends to a ${describe(target)}`);
    for (const item of items) target.push(item); // no spread: a long APPENDS would overflow the call stack
  };

  for (;;) {
    opAt = pos;
    if (pos >= bytes.length) throw new RestoreError('INVALID_CHECKPOINT', `The checkpoint is truncated: its pickle ends without its STOP opcode (${where()})`);
    op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const protocol = u8();
        if (protocol > 5) throw malformed(`declares protocol ${protocol}; this reader knows protocols 2 to 5`);
        break;
      }
      case 0x95: { const n = u64(); if (n > bytes.length - pos) throw truncated(n); break; } // FRAME: a read-ahead hint
      case 0x2e: return { value: pop(), end: pos }; // STOP
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(view.getUint16(need(2), true)); break; // BININT2
      case 0x4a: stack.push(view.getInt32(need(4), true)); break; // BININT
      case 0x8a: stack.push(decodeLong(raw(u8()))); break; // LONG1
      case 0x47: stack.push(view.getFloat64(need(8), false)); break; // BINFLOAT (big-endian)
      case 0x8c: stack.push(decodeUtf8(raw(u8()))); break; // SHORT_BINUNICODE
      case 0x58: stack.push(decodeUtf8(raw(u32()))); break; // BINUNICODE
      case 0x8d: stack.push(decodeUtf8(raw(u64()))); break; // BINUNICODE8
      case 0x55: stack.push(latin1(raw(u8()))); break; // SHORT_BINSTRING (Python 2 str)
      case 0x54: stack.push(latin1(raw(u32()))); break; // BINSTRING
      case 0x43: stack.push(raw(u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: stack.push(raw(u32()).slice()); break; // BINBYTES
      case 0x8e: stack.push(raw(u64()).slice()); break; // BINBYTES8
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(Object.freeze(popMark())); break; // TUPLE
      case 0x85: stack.push(Object.freeze([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); stack.push(Object.freeze([pop(), b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); stack.push(Object.freeze([pop(), b, c])); break; } // TUPLE3
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x68: case 0x6a: { // BINGET, LONG_BINGET
        const index = op === 0x68 ? u8() : u32();
        if (!memo.has(index)) throw malformed(`reads memo slot ${index}, which was never stored`);
        stack.push(memo.get(index));
        break;
      }
      case 0x63: { const module = line(); stack.push(resolve(module, line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw malformed('has a STACK_GLOBAL whose module or name is not a string');
        stack.push(resolve(module, name));
        break;
      }
      case 0x52: { const args = pop(); stack.push(call(pop(), args)); break; } // REDUCE
      case 0x81: { const args = pop(); stack.push(call(pop(), args)); break; } // NEWOBJ: cls.__new__(cls, *args)
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        // Only dicts are built: torch's OrderedDict state dicts carry `_metadata` (module versions) as instance
        // attributes. Weights never depend on it, so it is dropped; setting state on anything else could run code.
        if (!(target instanceof Map)) throw refused(`sets the state of a ${describe(target)}`, 'which only a dict may have in a checkpoint');
        if (state !== null && !(state instanceof Map) && !Array.isArray(state)) throw malformed(`sets a dict's state to a ${describe(state)}`);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) throw refused('has a persistent id', 'where no storage is expected');
        stack.push(options.persistentLoad(pid, where()));
        break;
      }
      default: {
        const name = UNSUPPORTED[op];
        throw new RestoreError('CHECKPOINT_REFUSED', `Refused the checkpoint: its pickle uses ${name ? `opcode ${name}` : 'unknown opcode'} 0x${hex(op)} (${where()}), which this safe reader does not run; the file is not a plain torch.save checkpoint or may be malicious`);
      }
    }
  }
}

/** Python's LONG1 payload: little-endian two's complement; a number when it is exactly representable. */
function decodeLong(data: Uint8Array): number | bigint {
  let value = 0n;
  for (let i = data.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i]);
  if (data.length > 0 && data[data.length - 1] >= 0x80) value -= 1n << BigInt(8 * data.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Python 2 `str` pickled by protocol 2 is bytes; torch's keys are ASCII, so latin-1 keeps them exact. */
function latin1(data: Uint8Array): string {
  let text = '';
  for (let i = 0; i < data.length; i += 8192) text += String.fromCharCode(...data.subarray(i, i + 8192));
  return text;
}

function hex(op: number): string {
  return op.toString(16).padStart(2, '0');
}

/** A short name for a value's kind in messages. */
export function describe(value: unknown): string {
  if (value === null) return 'None';
  if (value instanceof PickleGlobalRef) return value.name;
  if (value instanceof Map) return 'dict';
  if (Array.isArray(value)) return Object.isFrozen(value) ? 'tuple' : 'list';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}
