/**
 * The KServe v2 / Open Inference Protocol over HTTP (the REST API Triton, KServe, Seldon MLServer and OpenVINO Model
 * Server speak), with Triton's binary tensor data extension: the JSON message first, then each binary tensor's raw
 * little-endian bytes in order, the JSON's length in the `Inference-Header-Content-Length` header.
 *   https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol/rest-protocol
 *   https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/protocol/extension_binary_data.html
 * Pure functions on bytes, shared by our server (host/node) and the engine's remote runtime: nothing here does I/O.
 */
import { RestoreError } from '../errors';
import type { Tensor, TensorInfo, TensorType } from '../runtime';
import { decodeUtf8, encodeUtf8 } from '../utf8';

export const HEADER_LENGTH = 'inference-header-content-length';
/** What a server lists in its metadata `extensions` when it accepts binary tensors. */
export const BINARY_EXTENSION = 'binary_tensor_data';

/** The protocol's tensor data types we carry, and the engine's names for them. */
const DATATYPES = { FP32: 'float32', FP64: 'float64', INT64: 'int64', INT32: 'int32', UINT8: 'uint8', FP16: 'float16', BOOL: 'bool', BYTES: 'string' } as const;
export type KsDatatype = keyof typeof DATATYPES | 'BYTES' | string;
/** The datatypes that can cross as engine tensors. */
const FLOAT_TYPES: Readonly<Record<string, 'float32' | 'float64'>> = { FP32: 'float32', FP64: 'float64' };

/** `$metadata_model_tensor`: shape dims are −1 where dynamic. */
export interface KsTensorMetadata {
  readonly name: string;
  readonly datatype: KsDatatype;
  readonly shape: readonly number[];
}

/** `$metadata_model_response`. */
export interface KsModelMetadata {
  readonly name: string;
  readonly versions?: readonly string[];
  readonly platform: string;
  readonly inputs: readonly KsTensorMetadata[];
  readonly outputs: readonly KsTensorMetadata[];
}

/** `$metadata_server_response`. */
export interface KsServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
}

type Parameters = Readonly<Record<string, string | number | boolean>>;

/** `$request_input` / `$response_output`. */
export interface KsTensorMessage {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype: KsDatatype;
  readonly parameters?: Parameters;
  readonly data?: unknown;
}

/** `$inference_request`. */
export interface KsInferRequest {
  readonly id?: string;
  readonly parameters?: Parameters;
  readonly inputs: readonly KsTensorMessage[];
  readonly outputs?: ReadonlyArray<{ readonly name: string; readonly parameters?: Parameters }>;
}

/** `$inference_response`. */
export interface KsInferResponse {
  readonly model_name: string;
  readonly model_version?: string;
  readonly id?: string;
  readonly parameters?: Parameters;
  readonly outputs: readonly KsTensorMessage[];
}

/** An HTTP body with the headers that describe it. */
export interface EncodedMessage {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

/** One decoded tensor of a message, in its protocol datatype. */
export interface DecodedTensor {
  readonly name: string;
  readonly datatype: KsDatatype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

function protocolError(message: string): RestoreError {
  return new RestoreError('PROTOCOL_ERROR', message);
}

/** The protocol's datatype for an engine tensor type (FP32 for float32, …); unknown types pass through upper-cased. */
export function datatypeOf(type: TensorType | string): KsDatatype {
  const found = Object.entries(DATATYPES).find(([, t]) => t === type);
  return found ? found[0] : type.toUpperCase();
}

/** The engine's tensor type for a protocol datatype (float32 for FP32, …), or the datatype lower-cased. */
export function tensorTypeOf(datatype: KsDatatype): TensorType | string {
  return (DATATYPES as Readonly<Record<string, string>>)[datatype] ?? datatype.toLowerCase();
}

/** Model metadata as the engine's TensorInfo (−1 dims stay −1: dynamic). */
export function toTensorInfo(t: KsTensorMetadata): TensorInfo {
  return { name: t.name, type: tensorTypeOf(t.datatype), shape: [...t.shape] };
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function bytesPerElement(datatype: KsDatatype): number {
  return datatype === 'FP64' ? 8 : 4;
}

/** Little-endian raw bytes of a float tensor (the hosts we run on are all little-endian: a view, no copy). */
function rawBytes(data: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A float array over a copy of `bytes` (a body slice need not be aligned for a typed-array view). */
function floatsFromBytes(bytes: Uint8Array, datatype: KsDatatype): Float32Array | Float64Array {
  const copy = bytes.slice().buffer;
  return datatype === 'FP64' ? new Float64Array(copy) : new Float32Array(copy);
}

function flatten(data: unknown, out: number[]): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data as number);
}

/** Joins the JSON message and the binary tensors into one body; the header names the JSON's length. */
function joinBody(json: string, binaries: readonly Uint8Array[]): EncodedMessage {
  const head = encodeUtf8(json);
  if (binaries.length === 0) return { body: head, headers: { 'content-type': 'application/json' } };
  const total = binaries.reduce((n, b) => n + b.byteLength, head.byteLength);
  const body = new Uint8Array(total);
  body.set(head, 0);
  let at = head.byteLength;
  for (const b of binaries) {
    body.set(b, at);
    at += b.byteLength;
  }
  return { body, headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(head.byteLength) } };
}

/** Splits a body into its JSON message and the binary part after it. */
function splitBody(body: Uint8Array, headerLength: string | undefined): { message: unknown; binary: Uint8Array } {
  let jsonEnd = body.byteLength;
  if (headerLength !== undefined) {
    jsonEnd = Number(headerLength);
    if (!/^\d+$/.test(headerLength.trim()) || jsonEnd > body.byteLength) {
      throw protocolError(`Inference-Header-Content-Length is "${headerLength}" but the body has ${body.byteLength} bytes`);
    }
  }
  let message: unknown;
  try {
    message = JSON.parse(decodeUtf8(body.subarray(0, jsonEnd)));
  } catch (error) {
    throw protocolError(`The message is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return { message, binary: body.subarray(jsonEnd) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the tensors of a request's `inputs` or a response's `outputs`, JSON `data` or binary, checking each one's
 * shape against its element count. Only FP32 and FP64 are accepted: every model the engine runs takes and returns
 * floats.
 */
function readTensors(list: unknown, binary: Uint8Array, what: 'input' | 'output'): DecodedTensor[] {
  if (!Array.isArray(list)) throw protocolError(`The message has no "${what}s" array`);
  const seen = new Set<string>();
  const tensors: DecodedTensor[] = [];
  let at = 0;
  for (const [i, raw] of list.entries()) {
    if (!isRecord(raw) || typeof raw.name !== 'string' || raw.name === '') throw protocolError(`${what} ${i} has no name`);
    const name = raw.name;
    if (seen.has(name)) throw protocolError(`${what} "${name}" appears twice`);
    seen.add(name);
    const shape = raw.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      throw protocolError(`${what} "${name}" needs "shape", an array of non-negative integers`);
    }
    const datatype = raw.datatype;
    if (typeof datatype !== 'string' || !FLOAT_TYPES[datatype]) {
      throw protocolError(`${what} "${name}" has datatype ${JSON.stringify(datatype)}; FP32 or FP64 are accepted`);
    }
    const count = elementCount(shape as number[]);
    const params = isRecord(raw.parameters) ? raw.parameters : {};
    let data: Float32Array | Float64Array;
    if (params.binary_data_size !== undefined) {
      const size = params.binary_data_size;
      if (!Number.isSafeInteger(size) || (size as number) < 0) throw protocolError(`${what} "${name}" has an invalid binary_data_size`);
      if ((size as number) !== count * bytesPerElement(datatype)) {
        throw protocolError(`${what} "${name}" has binary_data_size ${String(size)}; shape [${shape.join(',')}] of ${datatype} needs ${count * bytesPerElement(datatype)}`);
      }
      if (at + (size as number) > binary.byteLength) throw protocolError(`The body ends before ${what} "${name}"'s ${String(size)} binary bytes`);
      data = floatsFromBytes(binary.subarray(at, at + (size as number)), datatype);
      at += size as number;
    } else {
      if (raw.data === undefined) throw protocolError(`${what} "${name}" has neither "data" nor binary_data_size`);
      const flat: number[] = [];
      flatten(raw.data, flat);
      if (flat.length !== count) throw protocolError(`${what} "${name}" has ${flat.length} values; shape [${shape.join(',')}] needs ${count}`);
      if (flat.some((v) => typeof v !== 'number')) throw protocolError(`${what} "${name}" data holds non-numbers`);
      data = datatype === 'FP64' ? Float64Array.from(flat) : Float32Array.from(flat);
    }
    tensors.push({ name, datatype, shape: shape as number[], data });
  }
  if (at !== binary.byteLength) throw protocolError(`The body has ${binary.byteLength - at} bytes after its last binary tensor`);
  return tensors;
}

/** Encodes tensors as `$request_input`/`$response_output` items (binary or JSON `data`). */
function writeTensors(tensors: Readonly<Record<string, Tensor>>, binary: boolean, binaries: Uint8Array[]): KsTensorMessage[] {
  return Object.entries(tensors).map(([name, t]) => {
    const datatype = datatypeOf(t.type);
    if (binary) {
      binaries.push(rawBytes(t.data));
      return { name, shape: [...t.dims], datatype, parameters: { binary_data_size: t.data.byteLength } };
    }
    for (const v of t.data) {
      if (!Number.isFinite(v)) throw protocolError(`Tensor "${name}" holds ${v}, which JSON cannot carry; use the binary tensor extension`);
    }
    return { name, shape: [...t.dims], datatype, data: Array.from(t.data) };
  });
}

export interface RequestOptions {
  /** Send inputs and ask for outputs as binary tensors (the server must list `binary_tensor_data`). */
  readonly binary: boolean;
  /** Outputs to return; all of the model's when omitted. */
  readonly outputs?: readonly string[];
  readonly id?: string;
}

/** An inference request body for `POST /v2/models/{name}/infer`. */
export function encodeInferRequest(inputs: Readonly<Record<string, Tensor>>, options: RequestOptions): EncodedMessage {
  const binaries: Uint8Array[] = [];
  const request: KsInferRequest = {
    ...(options.id !== undefined ? { id: options.id } : {}),
    inputs: writeTensors(inputs, options.binary, binaries),
    ...(options.outputs ? { outputs: options.outputs.map((name) => ({ name, ...(options.binary ? { parameters: { binary_data: true } } : {}) })) } : {}),
    ...(options.binary && !options.outputs ? { parameters: { binary_data_output: true } } : {}),
  };
  return joinBody(JSON.stringify(request), binaries);
}

/** A decoded request: its tensors, the outputs asked for and whether each comes back binary. */
export interface DecodedRequest {
  readonly id?: string;
  readonly inputs: readonly DecodedTensor[];
  /** Requested output names (undefined: all), each with whether it is wanted binary. */
  readonly outputs?: ReadonlyArray<{ readonly name: string; readonly binary: boolean }>;
  /** `binary_data_output`: every output binary unless an output says otherwise. */
  readonly binaryOutput: boolean;
}

export function decodeInferRequest(body: Uint8Array, headerLength: string | undefined): DecodedRequest {
  const { message, binary } = splitBody(body, headerLength);
  if (!isRecord(message)) throw protocolError('The request must be a JSON object');
  const params = isRecord(message.parameters) ? message.parameters : {};
  const binaryOutput = params.binary_data_output === true;
  let outputs: Array<{ name: string; binary: boolean }> | undefined;
  if (message.outputs !== undefined) {
    if (!Array.isArray(message.outputs)) throw protocolError('"outputs" must be an array');
    outputs = message.outputs.map((o, i) => {
      if (!isRecord(o) || typeof o.name !== 'string') throw protocolError(`Requested output ${i} has no name`);
      const p = isRecord(o.parameters) ? o.parameters : {};
      return { name: o.name, binary: p.binary_data === undefined ? binaryOutput : p.binary_data === true };
    });
  }
  if (message.id !== undefined && typeof message.id !== 'string') throw protocolError('"id" must be a string');
  return {
    ...(typeof message.id === 'string' ? { id: message.id } : {}),
    inputs: readTensors(message.inputs, binary, 'input'),
    ...(outputs ? { outputs } : {}),
    binaryOutput,
  };
}

/** An inference response body; `binary` says per output name whether it goes binary. */
export function encodeInferResponse(
  model: { readonly name: string; readonly version?: string },
  outputs: Readonly<Record<string, Tensor>>,
  binary: (name: string) => boolean,
  id?: string,
): EncodedMessage {
  const binaries: Uint8Array[] = [];
  const items = Object.entries(outputs).map(([name, t]) => writeTensors({ [name]: t }, binary(name), binaries)[0]);
  const response: KsInferResponse = {
    model_name: model.name,
    ...(model.version !== undefined ? { model_version: model.version } : {}),
    ...(id !== undefined ? { id } : {}),
    outputs: items,
  };
  return joinBody(JSON.stringify(response), binaries);
}

/** Decodes a response's outputs into engine tensors (FP32 → float32, FP64 → float64). */
export function decodeInferResponse(body: Uint8Array, headerLength: string | undefined): Record<string, Tensor> {
  const { message, binary } = splitBody(body, headerLength);
  if (!isRecord(message)) throw protocolError('The response must be a JSON object');
  const out: Record<string, Tensor> = {};
  for (const t of readTensors(message.outputs, binary, 'output')) {
    out[t.name] = t.data instanceof Float64Array ? { type: 'float64', data: t.data, dims: t.shape } : { type: 'float32', data: t.data, dims: t.shape };
  }
  return out;
}

/** The `error` of a KServe error body (`{"error": "..."}`), or the body's start when it is not one. */
export function errorMessageOf(body: Uint8Array): string {
  const text = decodeUtf8(body.subarray(0, 2000));
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 300) || '(empty body)';
}

/** `{"error": message}` as the protocol's error responses carry it. */
export function encodeError(message: string): Uint8Array {
  return encodeUtf8(JSON.stringify({ error: message }));
}
