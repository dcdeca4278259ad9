/**
 * Reads the declared inputs and outputs (name, element type, shape) of an ONNX model from its bytes, with a tiny
 * protobuf walker instead of a protobuf library. onnxruntime-web 1.18 reports input and output *names* only, but the
 * engine sizes its tensors from the declared shapes (a fixed 640×640 YuNet must be fed 640×640, GFPGAN's contract
 * check needs [1,3,512,512]), so the 1.18 path takes them from the model file itself.
 *
 * Field numbers (onnx.proto3): ModelProto.graph = 7; GraphProto.input = 11, .output = 12; ValueInfoProto.name = 1,
 * .type = 2; TypeProto.tensor_type = 1; TypeProto.Tensor.elem_type = 1, .shape = 2; TensorShapeProto.dim = 1;
 * Dimension.dim_value = 1, .dim_param = 2.
 */
import type { TensorInfo } from './runtime';

/** onnx TensorProto.DataType → the names onnxruntime uses. */
const ELEMENT_TYPES: Readonly<Record<number, string>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

export interface Field {
  readonly number: number;
  readonly wire: number;
  /** The varint value (wire type 0) or the payload length (wire type 2). */
  readonly value: number;
  /** Payload range for wire type 2. */
  readonly start: number;
  readonly end: number;
}

/** The fields of one protobuf message in bytes[start, end). Large payloads (weights) are skipped, never copied. */
export function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let at = start;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      if (at >= end) throw new RangeError('truncated protobuf varint');
      byte = bytes[at++];
      value += (byte & 0x7f) * scale; // arithmetic, not bit shifts: int64 values pass 2^32
      scale *= 128;
    } while (byte & 0x80);
    return value;
  };
  while (at < end) {
    const tag = varint();
    const wire = tag % 8;
    const number = Math.floor(tag / 8);
    if (wire === 0) {
      const value = varint();
      yield { number, wire, value, start: at, end: at };
    } else if (wire === 2) {
      const length = varint();
      const payload = at;
      at += length;
      if (at > end) throw new RangeError('truncated protobuf field');
      yield { number, wire, value: length, start: payload, end: at };
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
    } else {
      throw new RangeError(`unsupported protobuf wire type ${wire}`);
    }
  }
  if (at !== end) throw new RangeError('truncated protobuf message');
}

/** UTF-8 without TextDecoder (UXP documents none). */
export function utf8(bytes: Uint8Array, start: number, end: number): string {
  let escaped = '';
  for (let i = start; i < end; i++) escaped += `%${bytes[i].toString(16).padStart(2, '0')}`;
  try {
    return decodeURIComponent(escaped);
  } catch {
    return String.fromCharCode(...bytes.subarray(start, end));
  }
}

function readDim(bytes: Uint8Array, dim: Field): number | string {
  for (const f of fields(bytes, dim.start, dim.end)) {
    if (f.number === 1 && f.wire === 0) return f.value <= Number.MAX_SAFE_INTEGER ? f.value : -1;
    if (f.number === 2 && f.wire === 2) return utf8(bytes, f.start, f.end);
  }
  return -1;
}

function readValueInfo(bytes: Uint8Array, info: Field): TensorInfo {
  let name = '';
  let type = 'unknown';
  let shape: Array<number | string> = [];
  for (const f of fields(bytes, info.start, info.end)) {
    if (f.number === 1 && f.wire === 2) name = utf8(bytes, f.start, f.end);
    if (f.number !== 2 || f.wire !== 2) continue;
    for (const kind of fields(bytes, f.start, f.end)) {
      if (kind.number !== 1 || kind.wire !== 2) continue; // only tensor types
      for (const t of fields(bytes, kind.start, kind.end)) {
        if (t.number === 1 && t.wire === 0) type = ELEMENT_TYPES[t.value] ?? 'unknown';
        if (t.number === 2 && t.wire === 2) {
          shape = [...fields(bytes, t.start, t.end)].filter((d) => d.number === 1 && d.wire === 2).map((d) => readDim(bytes, d));
        }
      }
    }
  }
  return { name, type, shape };
}

export interface OnnxSignature {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
}

/**
 * The graph's declared inputs and outputs, or why the bytes are not a readable ONNX model: `truncated` when a field
 * runs past the end (an interrupted download), `not-onnx` when the bytes do not start like a ModelProto (its first
 * field is always ir_version, tag 0x08) or hold no graph. Old models also list initializers as inputs; callers match
 * by the names the runtime reports.
 */
export function parseOnnxSignature(bytes: Uint8Array): OnnxSignature | { readonly problem: 'truncated' | 'not-onnx' | 'empty'; readonly detail: string } {
  if (bytes.length === 0) return { problem: 'empty', detail: 'the file is empty (0 bytes)' };
  if (bytes[0] !== 0x08) return { problem: 'not-onnx', detail: `it does not start like an ONNX model (first bytes ${hexStart(bytes)})` };
  let signature: OnnxSignature | undefined;
  try {
    // Every top-level field is walked, not just up to the graph: a file cut short after its graph is still cut short.
    for (const model of fields(bytes, 0, bytes.length)) {
      if (model.number !== 7 || model.wire !== 2) continue;
      const inputs: TensorInfo[] = [];
      const outputs: TensorInfo[] = [];
      for (const g of fields(bytes, model.start, model.end)) {
        if (g.wire === 2 && g.number === 11) inputs.push(readValueInfo(bytes, g));
        if (g.wire === 2 && g.number === 12) outputs.push(readValueInfo(bytes, g));
      }
      signature = { inputs, outputs };
    }
  } catch (error) {
    const truncated = error instanceof RangeError && /truncated/.test(error.message);
    return truncated
      ? { problem: 'truncated', detail: `it ends in the middle of the model (${bytes.length} bytes): an incomplete download or copy` }
      : { problem: 'not-onnx', detail: `it is not an ONNX model (${error instanceof Error ? error.message : String(error)})` };
  }
  if (signature) return signature;
  return { problem: 'not-onnx', detail: 'it holds no ONNX graph (an incomplete file, or not a model)' };
}

function hexStart(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * The graph's declared inputs and outputs, or undefined when the bytes are not a readable ONNX model (the runtime
 * then reports the real problem when it loads them).
 * @example readOnnxSignature(bytes)?.inputs // [{ name: 'input', type: 'float32', shape: [1, 3, 640, 640] }]
 */
export function readOnnxSignature(bytes: Uint8Array): OnnxSignature | undefined {
  const parsed = parseOnnxSignature(bytes);
  return 'problem' in parsed ? undefined : parsed;
}
