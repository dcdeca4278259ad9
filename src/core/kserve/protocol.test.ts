/**
 * The KServe v2 / Open Inference Protocol codec against the specifications' own examples, quoted verbatim, then the
 * edges our own messages reach: binary layout, bit-exact JSON floats, and every malformed body refused by name.
 */
import { RestoreError } from '../errors';
import type { Tensor } from '../runtime';
import {
  HEADER_LENGTH, datatypeOf, decodeInferRequest, decodeInferResponse, encodeError, encodeInferRequest, encodeInferResponse,
  errorMessageOf, tensorTypeOf,
} from './protocol';

// "Inference Request Examples", verbatim (the same text is in kserve/kserve docs/predict-api/v2/required_api.md and on
// https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol/rest-protocol):
//   https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md#inference-request-examples
const SPEC_REQUEST = `{
  "id" : "42",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "data" : [ 1, 2, 3, 4 ]
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "data" : [ true ]
    }
  ],
  "outputs" : [
    {
      "name" : "output0"
    }
  ]
}`;
// Verbatim too, typo included: the spec prints no comma after "id" : "42".
const SPEC_RESPONSE = `{
  "id" : "42"
  "outputs" : [
    {
      "name" : "output0",
      "shape" : [ 3, 2 ],
      "datatype"  : "FP32",
      "data" : [ 1.0, 1.1, 2.0, 2.1, 3.0, 3.1 ]
    }
  ]
}`;
// The same document's "Tensor Data" section: the matrix [1 2; 4 5] "in its natural format" and flattened.
const SPEC_NESTED = '"data" : [ [ 1, 2 ], [ 4, 5 ] ]';
const SPEC_FLAT = '"data" : [ 1, 2, 4, 5 ]';

// Binary Tensor Data Extension, "Examples", verbatim JSON parts (each followed by its raw bytes):
//   https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/protocol/extension_binary_data.html
//   https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol/binary-tensor-data-extension
const SPEC_BINARY_REQUEST = `{
  "model_name" : "mymodel",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "parameters" : {
        "binary_data_size" : 16
      }
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "parameters" : {
        "binary_data_size" : 3
      }
    }
  ],
  "outputs" : [
    {
      "name" : "output0",
      "parameters" : {
        "binary_data" : true
      }
    }
  ]
}`;
const SPEC_BINARY_RESPONSE = `{
  "outputs" : [
    {
      "name" : "output0",
      "shape" : [ 3, 2 ],
      "datatype"  : "FP32",
      "parameters" : {
        "binary_data_size" : 24
      }
    }
  ]
}`;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const OUTPUT0 = [1.0, 1.1, 2.0, 2.1, 3.0, 3.1];

/** The JSON header followed by the binary parts, and the Inference-Header-Content-Length the spec asks for. */
function binaryBody(json: string, ...parts: Uint8Array[]): { body: Uint8Array; header: string } {
  const head = utf8(json);
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, head.length));
  body.set(head);
  let at = head.length;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return { body, header: String(head.length) };
}

/** Little-endian bytes written one by one with DataView (independent of the host's byte order and of protocol.ts). */
function le(kind: 'f32' | 'u32', values: readonly number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => (kind === 'f32' ? view.setFloat32(i * 4, v, true) : view.setUint32(i * 4, v, true)));
  return new Uint8Array(view.buffer);
}

function refusal(fn: () => unknown): RestoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RestoreError && error.code === 'PROTOCOL_ERROR') return error;
    throw error;
  }
  throw new Error('expected a PROTOCOL_ERROR; nothing was thrown');
}

const f32 = (values: readonly number[], dims: readonly number[]): Tensor => ({ type: 'float32', data: Float32Array.from(values), dims });
const bits = (a: Float32Array | Float64Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));

describe('the Open Inference Protocol REST examples', () => {
  it('the response example as printed is not JSON (missing comma) and is refused as such', () => {
    expect(() => JSON.parse(SPEC_RESPONSE)).toThrow(SyntaxError);
    expect(refusal(() => decodeInferResponse(utf8(SPEC_RESPONSE), undefined)).message).toMatch(/^The message is not valid JSON \(/);
  });

  it('the response example with its comma restored decodes to output0: FP32 [3,2]', () => {
    const fixed = SPEC_RESPONSE.replace('"id" : "42"\n', '"id" : "42",\n');
    expect(fixed).not.toBe(SPEC_RESPONSE);
    const out = decodeInferResponse(utf8(fixed), undefined);
    expect(Object.keys(out)).toEqual(['output0']);
    expect(out.output0.type).toBe('float32');
    expect(out.output0.dims).toEqual([3, 2]);
    expect(out.output0.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.output0.data)).toEqual(Array.from(Float32Array.from(OUTPUT0)));
    expect(out.output0.data[1]).toBe(Math.fround(1.1));
  });

  it('reads nested row-major data as the spec allows, equal to the flattened form', () => {
    const msg = (data: string): Uint8Array => utf8(`{"outputs":[{"name":"m","shape":[2,2],"datatype":"FP32",${data}}]}`);
    const nested = decodeInferResponse(msg(SPEC_NESTED), undefined).m;
    expect(Array.from(nested.data)).toEqual([1, 2, 4, 5]);
    expect(Array.from(nested.data)).toEqual(Array.from(decodeInferResponse(msg(SPEC_FLAT), undefined).m.data));
    const rows = SPEC_RESPONSE.replace('"42"\n', '"42",\n').replace('[ 1.0, 1.1, 2.0, 2.1, 3.0, 3.1 ]', '[[1.0, 1.1], [2.0, 2.1], [3.0, 3.1]]');
    expect(Array.from(decodeInferResponse(utf8(rows), undefined).output0.data)).toEqual(Array.from(Float32Array.from(OUTPUT0)));
  });

  it('refuses the request example: input0 is UINT32, and FP32 or FP64 are accepted', () => {
    const e = refusal(() => decodeInferRequest(utf8(SPEC_REQUEST), undefined));
    expect(e.message).toBe('input "input0" has datatype "UINT32"; FP32 or FP64 are accepted');
  });

  it('refuses its BOOL input1, and BYTES tensors, naming the tensor', () => {
    const spec = JSON.parse(SPEC_REQUEST) as { inputs: unknown[] };
    const only1 = JSON.stringify({ ...spec, inputs: [spec.inputs[1]] });
    expect(refusal(() => decodeInferRequest(utf8(only1), undefined)).message).toBe('input "input1" has datatype "BOOL"; FP32 or FP64 are accepted');
    const bytes = '{"outputs":[{"name":"label","shape":[1],"datatype":"BYTES","data":["positive"]}]}';
    expect(refusal(() => decodeInferResponse(utf8(bytes), undefined)).message).toBe('output "label" has datatype "BYTES"; FP32 or FP64 are accepted');
  });
});

describe('the binary tensor data extension examples', () => {
  it('builds the request example (JSON + 16 + 3 bytes) and refuses its UINT32 input0 by name', () => {
    const { body, header } = binaryBody(SPEC_BINARY_REQUEST, le('u32', [1, 2, 3, 4]), Uint8Array.of(1, 0, 1));
    expect(body.length).toBe(Number(header) + 19); // "the total size of the binary data is 19 bytes"
    expect(refusal(() => decodeInferRequest(body, header)).message).toBe('input "input0" has datatype "UINT32"; FP32 or FP64 are accepted');
  });

  it('decodes the same request shape when input0 is FP32 (16 bytes = 4 floats), with output0 wanted binary', () => {
    const spec = JSON.parse(SPEC_BINARY_REQUEST) as { inputs: Array<Record<string, unknown>> };
    const json = JSON.stringify({ ...spec, inputs: [{ ...spec.inputs[0], datatype: 'FP32' }] });
    const { body, header } = binaryBody(json, le('f32', [0.5, -2, 3.25, 1e-30]));
    const req = decodeInferRequest(body, header);
    expect(req.inputs.map((t) => [t.name, t.datatype, t.shape])).toEqual([['input0', 'FP32', [2, 2]]]);
    expect(Array.from(req.inputs[0].data)).toEqual(Array.from(Float32Array.of(0.5, -2, 3.25, 1e-30)));
    expect(req.outputs).toEqual([{ name: 'output0', binary: true }]);
    expect(req.binaryOutput).toBe(false);
  });

  it('binary_data_output makes every output binary unless the output\'s own binary_data says otherwise', () => {
    const json = (outputs: unknown): string => JSON.stringify({ parameters: { binary_data_output: true }, inputs: [], outputs });
    const req = decodeInferRequest(utf8(json([{ name: 'a' }, { name: 'b', parameters: { binary_data: false } }])), undefined);
    expect(req).toEqual({ inputs: [], binaryOutput: true, outputs: [{ name: 'a', binary: true }, { name: 'b', binary: false }] });
  });

  it('decodes the response example: JSON header, then 24 little-endian bytes of output0', () => {
    const { body, header } = binaryBody(SPEC_BINARY_RESPONSE, le('f32', OUTPUT0));
    expect(body.length).toBe(Number(header) + 24);
    const out = decodeInferResponse(body, header);
    expect(out.output0.dims).toEqual([3, 2]);
    expect(Array.from(out.output0.data)).toEqual(Array.from(Float32Array.from(OUTPUT0)));
  });
});

describe('encodeInferRequest', () => {
  const input = f32([1, -2.5, 3e-41, 4, 5, 6], [1, 2, 3]);

  it('binary: the first Inference-Header-Content-Length bytes are the JSON, then the raw little-endian floats', () => {
    const { body, headers } = encodeInferRequest({ input }, { binary: true });
    expect(headers['content-type']).toBe('application/octet-stream');
    const n = Number(headers[HEADER_LENGTH]);
    const message = JSON.parse(new TextDecoder().decode(body.subarray(0, n))) as Record<string, unknown>;
    expect(message).toEqual({
      inputs: [{ name: 'input', shape: [1, 2, 3], datatype: 'FP32', parameters: { binary_data_size: 24 } }],
      parameters: { binary_data_output: true },
    });
    expect(Array.from(body.subarray(n))).toEqual(Array.from(le('f32', Array.from(input.data))));
    const withOutputs = encodeInferRequest({ input }, { binary: true, outputs: ['out'] });
    const named = JSON.parse(new TextDecoder().decode(withOutputs.body.subarray(0, Number(withOutputs.headers[HEADER_LENGTH])))) as Record<string, unknown>;
    expect(named.outputs).toEqual([{ name: 'out', parameters: { binary_data: true } }]);
    expect(named.parameters).toBeUndefined();
  });

  it('counts the header in bytes, keeps tensor order and encodes only a subarray\'s own bytes', () => {
    const big = Float32Array.of(9, 9, 7, 8, 9);
    const view = big.subarray(2, 4);
    const wide: Tensor = { type: 'float64', data: Float64Array.of(Math.PI, -1e-300), dims: [2] };
    const { body, headers } = encodeInferRequest({ 'visage-é': { type: 'float32', data: view, dims: [2] }, wide }, { binary: true });
    const n = Number(headers[HEADER_LENGTH]);
    expect(body.length).toBe(n + 8 + 16);
    expect(new TextDecoder().decode(body.subarray(0, n)).length).toBe(n - 1); // é is two bytes
    const req = decodeInferRequest(body, headers[HEADER_LENGTH]);
    expect(req.inputs.map((t) => [t.name, t.datatype, Array.from(t.data)])).toEqual([['visage-é', 'FP32', [7, 8]], ['wide', 'FP64', [Math.PI, -1e-300]]]);
  });

  it('JSON mode carries float32 values bit-exactly, denormals and extremes included', () => {
    const values = new Float32Array(4096);
    let seed = 12345;
    const bitsView = new Uint32Array(values.buffer);
    for (let i = 0; i < values.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      bitsView[i] = ((seed >>> 23) & 0xff) === 0xff ? seed ^ (1 << 23) : seed; // any sign and exponent, never Inf/NaN
    }
    const denormals = [2 ** -149, -(2 ** -149), 1e-40, 2 ** -126 - 2 ** -149];
    values.set([...denormals, 2 ** -126, 3.4028234663852886e38, -3.4028234663852886e38, 0, 0.1, 1 / 3], 0);
    expect(denormals.every((d) => Math.fround(d) !== 0 && Math.abs(Math.fround(d)) < 2 ** -126)).toBe(true);
    const { body, headers } = encodeInferRequest({ x: { type: 'float32', data: values, dims: [64, 64] } }, { binary: false });
    expect(headers).toEqual({ 'content-type': 'application/json' });
    const back = decodeInferRequest(body, undefined).inputs[0].data as Float32Array;
    expect(bits(back)).toEqual(bits(values));
  });

  it('JSON mode turns -0 into +0 (JSON has no negative zero); binary keeps it', () => {
    const t = f32([-0], [1]);
    expect(Object.is(decodeInferRequest(encodeInferRequest({ t }, { binary: false }).body, undefined).inputs[0].data[0], 0)).toBe(true);
    const b = encodeInferRequest({ t }, { binary: true });
    expect(Object.is(decodeInferRequest(b.body, b.headers[HEADER_LENGTH]).inputs[0].data[0], -0)).toBe(true);
  });

  it('JSON mode refuses NaN and Infinity by tensor name; binary mode carries them', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const e = refusal(() => encodeInferRequest({ face: f32([0, bad], [2]) }, { binary: false }));
      expect(e.message).toBe(`Tensor "face" holds ${bad}, which JSON cannot carry; use the binary tensor extension`);
    }
    const b = encodeInferRequest({ face: f32([NaN, Infinity], [2]) }, { binary: true });
    expect(Array.from(decodeInferRequest(b.body, b.headers[HEADER_LENGTH]).inputs[0].data)).toEqual([NaN, Infinity]);
  });
});

describe('malformed bodies are refused with PROTOCOL_ERROR', () => {
  const good = encodeInferRequest({ input: f32([1, 2, 3, 4, 5, 6], [2, 3]) }, { binary: true });
  const n = Number(good.headers[HEADER_LENGTH]);
  const header = (over: Record<string, unknown>): string => JSON.stringify({ inputs: [{ name: 'input', shape: [2, 3], datatype: 'FP32', ...over }] });
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['a non-numeric header length', () => decodeInferRequest(good.body, 'abc'), /^Inference-Header-Content-Length is "abc" but the body has \d+ bytes$/],
    ['a negative header length', () => decodeInferRequest(good.body, '-1'), /Inference-Header-Content-Length is "-1"/],
    ['a header length past the body', () => decodeInferRequest(good.body, String(good.body.length + 1)), /Inference-Header-Content-Length is "\d+" but the body has \d+ bytes/],
    ['a header length that cuts the JSON', () => decodeInferRequest(good.body, String(n - 1)), /^The message is not valid JSON/],
    ['binary bytes without the header', () => decodeInferRequest(good.body, undefined), /^The message is not valid JSON/],
    ['a truncated binary part', () => decodeInferRequest(good.body.subarray(0, good.body.length - 4), String(n)), /^The body ends before input "input"'s 24 binary bytes$/],
    ['extra trailing bytes', () => decodeInferRequest(Uint8Array.from([...good.body, 0, 0, 0, 0]), String(n)), /^The body has 4 bytes after its last binary tensor$/],
    ['a wrong binary_data_size', () => {
      const wrong = binaryBody(header({ parameters: { binary_data_size: 20 } }), new Uint8Array(20));
      return decodeInferRequest(wrong.body, wrong.header);
    }, /^input "input" has binary_data_size 20; shape \[2,3\] of FP32 needs 24$/],
    ['a non-integer binary_data_size', () => decodeInferRequest(utf8(header({ parameters: { binary_data_size: '24' } })), undefined), /^input "input" has an invalid binary_data_size$/],
    ['too few JSON values', () => decodeInferRequest(utf8(header({ data: [1, 2, 3, 4, 5] })), undefined), /^input "input" has 5 values; shape \[2,3\] needs 6$/],
    ['too many JSON values', () => decodeInferRequest(utf8(header({ data: [[1, 2, 3], [4, 5, 6, 7]] })), undefined), /^input "input" has 7 values; shape \[2,3\] needs 6$/],
    ['non-numbers in data', () => decodeInferRequest(utf8(header({ data: [1, 2, 3, 4, 5, '6'] })), undefined), /^input "input" data holds non-numbers$/],
    ['no data at all', () => decodeInferRequest(utf8(header({})), undefined), /^input "input" has neither "data" nor binary_data_size$/],
    ['a dynamic (-1) shape', () => decodeInferRequest(utf8(header({ shape: [-1, 3], data: [] })), undefined), /^input "input" needs "shape", an array of non-negative integers$/],
    ['a duplicate name', () => decodeInferResponse(utf8(`{"outputs":[${[1, 2].map(() => '{"name":"o","shape":[1],"datatype":"FP32","data":[1]}').join(',')}]}`), undefined), /^output "o" appears twice$/],
    ['an unnamed tensor', () => decodeInferResponse(utf8('{"outputs":[{"shape":[1],"datatype":"FP32","data":[1]}]}'), undefined), /^output 0 has no name$/],
    ['no outputs array', () => decodeInferResponse(utf8('{"error":"x"}'), undefined), /^The message has no "outputs" array$/],
    ['a JSON array body', () => decodeInferRequest(utf8('[]'), undefined), /^The request must be a JSON object$/],
    ['non-JSON', () => decodeInferResponse(utf8('<html>502 Bad Gateway</html>'), undefined), /^The message is not valid JSON \(/],
  ];
  it.each(cases)('%s', (_, fn, message) => {
    expect(refusal(fn).message).toMatch(message);
  });
});

describe('responses, errors and datatypes', () => {
  it('encodeInferResponse mixes binary and JSON outputs as asked, in order', () => {
    const a = f32([1, 2], [2]);
    const b: Tensor = { type: 'float64', data: Float64Array.of(0.1), dims: [1, 1] };
    const { body, headers } = encodeInferResponse({ name: 'm', version: '1' }, { a, b }, (name) => name === 'a', 'r7');
    const n = Number(headers[HEADER_LENGTH]);
    expect(JSON.parse(new TextDecoder().decode(body.subarray(0, n)))).toEqual({
      model_name: 'm', model_version: '1', id: 'r7',
      outputs: [{ name: 'a', shape: [2], datatype: 'FP32', parameters: { binary_data_size: 8 } }, { name: 'b', shape: [1, 1], datatype: 'FP64', data: [0.1] }],
    });
    const out = decodeInferResponse(body, headers[HEADER_LENGTH]);
    expect(out.a).toEqual({ type: 'float32', data: Float32Array.of(1, 2), dims: [2] });
    expect(out.b).toEqual({ type: 'float64', data: Float64Array.of(0.1), dims: [1, 1] });
  });

  it('errorMessageOf reads {"error": …} bodies and falls back to the text', () => {
    expect(errorMessageOf(encodeError('model "x" is not ready'))).toBe('model "x" is not ready');
    expect(errorMessageOf(utf8('  upstream connect error  '))).toBe('upstream connect error');
    expect(errorMessageOf(new Uint8Array(0))).toBe('(empty body)');
  });

  it('maps engine types and protocol datatypes both ways', () => {
    expect(['float32', 'float64', 'int64', 'int32', 'uint8', 'float16', 'bool', 'string'].map(datatypeOf)).toEqual(['FP32', 'FP64', 'INT64', 'INT32', 'UINT8', 'FP16', 'BOOL', 'BYTES']);
    expect(['FP32', 'FP64', 'INT64', 'BOOL', 'FP16', 'BYTES', 'UINT16'].map(tensorTypeOf)).toEqual(['float32', 'float64', 'int64', 'bool', 'float16', 'string', 'uint16']);
  });
});
