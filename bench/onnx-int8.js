'use strict';
/**
 * Bench-only (section `graphs`): int8 weight-only quantisation of an ONNX model's largest float32 initializers, done
 * as a rewrite of the model's protobuf, with no library. Each chosen initializer W (float32, raw_data) is replaced by
 * `W.int8` (int8, per-output-channel symmetric: scale = max|row| ÷ 127, zero point 0) with `W.scale` and
 * `W.zero_point`, and a DequantizeLinear node (opset ≥ 13, `axis` 0) whose output is named W, so every consumer is
 * unchanged. The new nodes go first in the graph (their inputs are all initializers, so the order stays
 * topological); every other field of the model and graph is copied byte for byte.
 *
 * It is here and not in src/core/convert because it is an experiment on the converter's output: the converter's
 * GraphBuilder writes whole graphs from a state dict, and rebuilding the GFPGAN graph with a different weight path
 * would need changes in src.
 *
 * Field numbers (onnx.proto): ModelProto graph 7; GraphProto node 1, initializer 5; NodeProto input 1, output 2,
 * name 3, op_type 4, attribute 5; AttributeProto name 1, i 3, type 20; TensorProto dims 1, data_type 2, float_data 4,
 * name 8, raw_data 9, external data 13/14.
 */
const FLOAT = 1;
const INT8 = 3;

function readVarint(buf, pos) {
  let value = 0;
  let scale = 1;
  let b;
  do {
    b = buf[pos++];
    value += (b & 0x7f) * scale;
    scale *= 128;
  } while (b & 0x80);
  return [value, pos];
}

/** The fields of one message, each {field, wire, start (its tag), end, value (varint) or data (bytes, no copy)}. */
function fields(buf, start = 0, end = buf.length) {
  const out = [];
  let pos = start;
  while (pos < end) {
    const at = pos;
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    const f = { field, wire, start: at };
    if (wire === 0) [f.value, pos] = readVarint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let length;
      [length, pos] = readVarint(buf, pos);
      f.data = buf.subarray(pos, pos + length);
      pos += length;
    } else throw new Error(`onnx-int8: unsupported protobuf wire type ${wire} at byte ${at}`);
    f.end = pos;
    out.push(f);
  }
  if (pos !== end) throw new Error('onnx-int8: truncated protobuf message');
  return out;
}

function varint(n) {
  const out = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

const tag = (field, wire) => varint(field * 8 + wire);
const int = (field, value) => Buffer.concat([tag(field, 0), varint(value)]);
const bytes = (field, data) => Buffer.concat([tag(field, 2), varint(data.length), data]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));

function tensorProto(name, dataType, dims, raw) {
  return Buffer.concat([...dims.map((d) => int(1, d)), int(2, dataType), str(8, name), bytes(9, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength))]);
}

function dequantizeNode(name) {
  const axis = Buffer.concat([str(1, 'axis'), int(3, 0), int(20, 2)]);
  return Buffer.concat([str(1, `${name}.int8`), str(1, `${name}.scale`), str(1, `${name}.zero_point`), str(2, name),
    str(3, `DequantizeLinear_${name}`), str(4, 'DequantizeLinear'), bytes(5, axis)]);
}

/** A float32 TensorProto's name, dims and values (null for other types or data not in raw_data). */
function readTensor(data) {
  const t = { name: '', dims: [], dataType: 0, raw: null };
  for (const f of fields(data)) {
    if (f.field === 1 && f.wire === 0) t.dims.push(f.value);
    else if (f.field === 1 && f.wire === 2) {
      for (let p = 0; p < f.data.length;) {
        let d;
        [d, p] = readVarint(f.data, p);
        t.dims.push(d);
      }
    } else if (f.field === 2) t.dataType = f.value;
    else if (f.field === 8) t.name = f.data.toString('utf8');
    else if (f.field === 9) t.raw = f.data;
  }
  return t;
}

/** Symmetric int8 per row of a [rows, …] float32 tensor; returns the int8 values, the scales and the dequantised copy. */
function quantizeRows(values, rows) {
  const cols = values.length / rows;
  const q = new Int8Array(values.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let i = r * cols; i < (r + 1) * cols; i++) max = Math.max(max, Math.abs(values[i]));
    const s = max > 0 ? max / 127 : 1;
    scales[r] = s;
    for (let i = r * cols; i < (r + 1) * cols; i++) q[i] = Math.max(-127, Math.min(127, Math.round(values[i] / s)));
  }
  return { q, scales };
}

/**
 * Rewrites `model` (a Buffer or Uint8Array of an ONNX model) with every float32 initializer of at least
 * `minElements` values, whose first dimension is > 1, stored as int8 behind a DequantizeLinear. Returns
 * {model: Buffer, quantised: [{name, dims, elements}], weightRelRms: √(Σ(w−ŵ)²/Σw²) over the quantised weights}.
 */
function quantizeLargestInitializers(model, { minElements = 1 << 20 } = {}) {
  const buf = Buffer.isBuffer(model) ? model : Buffer.from(model.buffer, model.byteOffset, model.byteLength);
  const top = fields(buf);
  const graphField = top.find((f) => f.field === 7 && f.wire === 2);
  if (!graphField) throw new Error('onnx-int8: the model has no graph');
  const graph = fields(graphField.data);
  const newNodes = [];
  const newInits = [];
  const kept = [];
  const quantised = [];
  let errSq = 0;
  let sumSq = 0;
  for (const f of graph) {
    if (f.field === 5 && f.wire === 2) {
      const t = readTensor(f.data);
      const elements = t.dims.reduce((a, b) => a * b, 1);
      if (t.dataType === FLOAT && t.raw && elements >= minElements && t.dims[0] > 1) {
        const aligned = new Float32Array(elements);
        new Uint8Array(aligned.buffer).set(t.raw);
        const rows = t.dims[0];
        const { q, scales } = quantizeRows(aligned, rows);
        const cols = elements / rows;
        for (let i = 0; i < elements; i++) {
          const d = aligned[i] - q[i] * scales[Math.floor(i / cols)];
          errSq += d * d;
          sumSq += aligned[i] * aligned[i];
        }
        newInits.push(bytes(5, tensorProto(`${t.name}.int8`, INT8, t.dims, q)));
        newInits.push(bytes(5, tensorProto(`${t.name}.scale`, FLOAT, [rows], scales)));
        newInits.push(bytes(5, tensorProto(`${t.name}.zero_point`, INT8, [rows], new Int8Array(rows))));
        newNodes.push(bytes(1, dequantizeNode(t.name)));
        quantised.push({ name: t.name, dims: t.dims, elements });
        continue;
      }
    }
    kept.push(graphField.data.subarray(f.start, f.end));
  }
  const graphBytes = Buffer.concat([...newNodes, ...kept, ...newInits]);
  const parts = [];
  for (const f of top) parts.push(f === graphField ? bytes(7, graphBytes) : buf.subarray(f.start, f.end));
  return { model: Buffer.concat(parts), quantised, weightRelRms: Math.sqrt(errSq / sumSq) };
}

/** Every initializer's name, data type and dims (for a look at a model). */
function listInitializers(model) {
  const buf = Buffer.isBuffer(model) ? model : Buffer.from(model.buffer, model.byteOffset, model.byteLength);
  const graph = fields(fields(buf).find((f) => f.field === 7 && f.wire === 2).data);
  return graph.filter((f) => f.field === 5 && f.wire === 2).map((f) => {
    const t = readTensor(f.data);
    return { name: t.name, dataType: t.dataType, dims: t.dims, elements: t.dims.reduce((a, b) => a * b, 1) };
  });
}

module.exports = { quantizeLargestInitializers, listInitializers };
