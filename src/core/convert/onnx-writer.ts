/**
 * Writes ONNX models (protobuf, onnx.proto field numbers as in ../onnx-signature.ts) from a small graph builder, with
 * no protobuf library: the converter's graphs need nodes, attributes, float/int64 initializers and typed inputs and
 * outputs, nothing else. Nested messages are kept as lists of byte chunks and joined once at the end, so a 300 MB
 * model's weights are copied a single time.
 *
 * Field numbers (onnx.proto): ModelProto ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8;
 * OperatorSetIdProto domain 1, version 2; GraphProto node 1, name 2, initializer 5, input 11, output 12; NodeProto
 * input 1, output 2, name 3, op_type 4, attribute 5, domain 7; AttributeProto name 1, f 2, i 3, s 4, floats 7, ints 8,
 * type 20; TensorProto dims 1, data_type 2, name 8, raw_data 9; ValueInfoProto name 1, type 2; TypeProto tensor_type
 * 1; TypeProto.Tensor elem_type 1, shape 2; TensorShapeProto dim 1; Dimension dim_value 1, dim_param 2.
 */
import { encodeUtf8 } from '../utf8';

/** TensorProto.DataType values the converter writes. */
const DATA_TYPES = { float32: 1, int64: 7, float16: 10 } as const;
export type OnnxDataType = keyof typeof DATA_TYPES;

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPES = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

export type Attribute =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

/** Attribute constructors: ONNX tells ints from floats by type, JavaScript numbers do not. */
export const attr = {
  int: (value: number): Attribute => ({ kind: 'int', value }),
  ints: (value: readonly number[]): Attribute => ({ kind: 'ints', value }),
  float: (value: number): Attribute => ({ kind: 'float', value }),
  floats: (value: readonly number[]): Attribute => ({ kind: 'floats', value }),
  string: (value: string): Attribute => ({ kind: 'string', value }),
};

export interface InitializerData {
  readonly type: OnnxDataType;
  readonly dims: readonly number[];
  /** Little-endian element bytes: Float32Array (float32), Uint16Array of half bits (float16), BigInt64Array (int64). */
  readonly data: Float32Array | Uint16Array | BigInt64Array;
}

/** A protobuf message under construction: byte chunks, joined once by `bytes()`. */
class Message {
  readonly parts: Uint8Array[] = [];
  length = 0;

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.byteLength;
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value)); // negative int64: two's complement, ten bytes
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.byteLength);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, encodeUtf8(value));
  }

  message(field: number, sub: Message): this {
    this.tag(field, 2);
    this.varint(sub.length);
    for (const part of sub.parts) this.push(part);
    return this;
  }

  /** All chunks in one buffer. */
  join(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }
}

function valueInfo(name: string, type: OnnxDataType, dims: readonly (number | string)[]): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, DATA_TYPES[type]).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

function attribute(name: string, a: Attribute): Message {
  const m = new Message().string(1, name);
  switch (a.kind) {
    case 'int': m.int(3, a.value); break;
    case 'float': m.float(2, a.value); break;
    case 'string': m.string(4, a.value); break;
    case 'ints': for (const v of a.value) m.int(8, v); break;
    case 'floats': for (const v of a.value) m.float(7, v); break;
  }
  return m.int(20, ATTRIBUTE_TYPES[a.kind]);
}

export interface BuildOptions {
  readonly opset?: number;
  readonly producer?: string;
  readonly producerVersion?: string;
}

/**
 * Builds one graph. Names must be unique: `node` names its outputs `<op>_<n>` unless told, and every method checks
 * that what it consumes exists, so a converter bug is a thrown error here rather than a model onnxruntime refuses.
 */
export class GraphBuilder {
  private readonly graph = new Message();
  private readonly known = new Set<string>();
  private count = 0;

  // Protobuf fields may come in any order: the name first, then inputs, nodes, weights and outputs as they are made.
  constructor(name: string) {
    this.graph.string(2, name);
  }

  private define(name: string): string {
    if (this.known.has(name)) throw new Error(`GraphBuilder: ${name} is defined twice`);
    this.known.add(name);
    return name;
  }

  /** Whether a value of this name exists (an input, initializer or node output). */
  has(name: string): boolean {
    return this.known.has(name);
  }

  input(name: string, dims: readonly (number | string)[], type: OnnxDataType = 'float32'): string {
    this.graph.message(11, valueInfo(this.define(name), type, dims));
    return name;
  }

  output(name: string, dims: readonly (number | string)[], type: OnnxDataType = 'float32'): void {
    if (!this.known.has(name)) throw new Error(`GraphBuilder: output ${name} is not produced by any node`);
    this.graph.message(12, valueInfo(name, type, dims));
  }

  initializer(name: string, tensor: InitializerData): string {
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) throw new Error(`GraphBuilder: ${name} has ${tensor.data.length} values for dims [${tensor.dims.join(',')}]`);
    const t = new Message();
    for (const d of tensor.dims) t.int(1, d);
    t.int(2, DATA_TYPES[tensor.type]).string(8, this.define(name));
    t.bytes(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    this.graph.message(5, t);
    return name;
  }

  /** A float32 initializer from plain numbers (scales, biases built by the converter). */
  floats(name: string, dims: readonly number[], values: Float32Array | readonly number[]): string {
    return this.initializer(name, { type: 'float32', dims, data: values instanceof Float32Array ? values : Float32Array.from(values) });
  }

  /** An int64 initializer (shapes, axes for Reshape, Slice, Pad). */
  int64s(name: string, values: readonly number[]): string {
    return this.initializer(name, { type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) });
  }

  /** Adds a node; returns its output names ('' inputs are ONNX's "absent optional input"). */
  node(op: string, inputs: readonly string[], attributes: Readonly<Record<string, Attribute>> = {}, outputs: number | readonly string[] = 1): string[] {
    for (const i of inputs) if (i !== '' && !this.known.has(i)) throw new Error(`GraphBuilder: ${op} reads ${i}, which nothing defines`);
    const index = this.count++;
    const names = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, k) => `${op}_${index}${outputs > 1 ? `_${k}` : ''}`) : [...outputs];
    const n = new Message();
    for (const i of inputs) n.string(1, i);
    for (const o of names) n.string(2, this.define(o));
    n.string(3, `${op}_${index}`).string(4, op);
    for (const [key, value] of Object.entries(attributes)) n.message(5, attribute(key, value));
    this.graph.message(1, n);
    return names;
  }

  /** The single-output form of `node`. */
  op(op: string, inputs: readonly string[], attributes: Readonly<Record<string, Attribute>> = {}, output?: string): string {
    return this.node(op, inputs, attributes, output === undefined ? 1 : [output])[0];
  }

  /** The model's bytes (ir_version 8, the default domain at `opset`, 17 unless told). */
  toModel(options: BuildOptions = {}): Uint8Array {
    const model = new Message().int(1, 8).string(2, options.producer ?? 'facerestore');
    if (options.producerVersion) model.string(3, options.producerVersion);
    model.message(7, this.graph).message(8, new Message().string(1, '').int(2, options.opset ?? 17));
    return model.join();
  }
}
