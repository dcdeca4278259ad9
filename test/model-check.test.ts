/**
 * checkModelBytes (ONNX contract checks on a file's bytes) on the real shared models: each fits its own role (and
 * its catalog entry) and is refused in the others with a message saying what was expected, what was found and which
 * role it looks like; truncated and non-ONNX files are refused before any contract check. A tiny model with a
 * CodeFormer-style `weight` input is written here byte by byte (a minimal protobuf encoder) and also loaded in
 * onnxruntime-node, which proves the hand-built bytes are a real model.
 */
import * as fs from 'fs';
import * as ort from 'onnxruntime-node';
import * as path from 'path';
import { findEntry, parseCatalog, type CatalogEntry, type ModelRole, type TensorSpec } from '../src/core/catalog';
import type { DetectorKind } from '../src/core/detect/types';
import { RestoreError } from '../src/core/errors';
import { checkModelBytes, type ModelCheck } from '../src/core/model-check';
import type { TensorInfo } from '../src/core/runtime';
import { sharedImage, sharedModel, sharedModelsDir } from './helpers/shared';

const catalog = parseCatalog(JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'models', 'catalog.json'), 'utf8')));
const entry = (id: string): CatalogEntry => findEntry(catalog, id);

/** Each shared file is read once (the GFPGAN stand-in is 170 MB). */
const cache = new Map<string, Uint8Array>();
function bytesOf(relative: string): Uint8Array {
  let bytes = cache.get(relative);
  if (!bytes) {
    bytes = new Uint8Array(fs.readFileSync(sharedModel(relative)));
    cache.set(relative, bytes);
  }
  return bytes;
}
afterAll(() => cache.clear());

const onnxIn = (folder: string): string[] =>
  fs.readdirSync(path.join(sharedModelsDir(), folder)).filter((f) => f.endsWith('.onnx')).sort().map((f) => `${folder}/${f}`);
const RESTORERS = onnxIn('restore');
const DETECTORS = onnxIn('detection');
const UPSAMPLERS = onnxIn('upscale');
const GFPGAN_STANDIN = 'restore/gfpgan-v1.4-arch-random.fp16w.onnx';

const KIND: Readonly<Record<string, DetectorKind>> = {
  'detection/yunet-2023mar-640.onnx': 'yunet',
  'detection/yunet-2023mar-dynamic.onnx': 'yunet',
  'detection/retinaface-mobilenet0.25.onnx': 'retinaface',
  'detection/scrfd-500m-kps-dynamic.onnx': 'scrfd',
};

/** The catalog entry installed at `relative` (its file or an alias), if any. */
function entryAt(relative: string): CatalogEntry | undefined {
  const want = relative.toLowerCase();
  return catalog.models.find((m) => [m.file, ...m.aliases].some((p) => p.toLowerCase() === want));
}

/** The RestoreError `run` throws, null when it passes (anything else is rethrown). */
function refusalOrNull(run: () => unknown): RestoreError | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof RestoreError) return error;
    throw error;
  }
}

/** The RestoreError `run` throws (fails the test when it passes). */
function refusal(run: () => unknown): RestoreError {
  const error = refusalOrNull(run);
  if (!error) throw new Error('the check passed');
  return error;
}

function expectRefusal(check: () => unknown, code: 'MODEL_CONTRACT' | 'MODEL_LOAD_FAILED', says: ReadonlyArray<string | RegExp>, saysNot: readonly string[] = []): RestoreError {
  const error = refusal(check);
  expect(error.code).toBe(code);
  for (const part of says) {
    if (typeof part === 'string') expect(error.message).toContain(part);
    else expect(error.message).toMatch(part);
  }
  for (const part of saysNot) expect(error.message).not.toContain(part);
  return error;
}

const check = (relative: string, role: ModelRole, withEntry?: CatalogEntry): ModelCheck =>
  checkModelBytes(bytesOf(relative), role, { label: path.basename(relative), ...(withEntry ? { entry: withEntry } : {}) });

/** True when a declared tensor can be the catalog's spec: same name, type and rank, every fixed dimension equal. */
function fitsSpec(spec: TensorSpec, found: TensorInfo | undefined): boolean {
  return (
    !!found &&
    found.name === spec.name &&
    found.type === spec.type &&
    found.shape.length === spec.shape.length &&
    spec.shape.every((d, i) => d === null || typeof found.shape[i] !== 'number' || (found.shape[i] as number) < 0 || found.shape[i] === d)
  );
}

test('the shared models folder holds the models these tests name', () => {
  expect(RESTORERS).toEqual(expect.arrayContaining([GFPGAN_STANDIN, 'restore/identity-512.onnx', 'restore/unsharp-512.onnx']));
  expect(DETECTORS).toEqual(Object.keys(KIND).sort());
  expect(UPSAMPLERS).toEqual(expect.arrayContaining(['upscale/realesr-general-x4v3.onnx', 'upscale/realesr-animevideov3-x4.onnx', 'upscale/2x-nomos-uni-compact.onnx']));
});

describe('real models pass in their own role', () => {
  test.each(RESTORERS)('%s is a restorer, also as the gfpgan-1.4 entry', (relative) => {
    const result = check(relative, 'restorer');
    expect(result.role).toBe('restorer');
    expect(result.signature.inputs).toEqual([{ name: 'input', type: 'float32', shape: [1, 3, 512, 512] }]);
    expect(result.signature.outputs).toEqual([{ name: 'output', type: 'float32', shape: [1, 3, 512, 512] }]);
    expect(check(relative, 'restorer', entry('gfpgan-1.4')).role).toBe('restorer');
  });

  test.each(DETECTORS)('%s is a detector of the right kind, also as its catalog entry', (relative) => {
    expect(check(relative, 'detector')).toMatchObject({ role: 'detector', detector: KIND[relative] });
    const own = entryAt(relative);
    expect(own?.role === 'detector' && own.contract.decoder).toBe(KIND[relative]);
    expect(check(relative, 'detector', own)).toMatchObject({ role: 'detector', detector: KIND[relative] });
  });

  test('the YuNet catalog entry accepts the official 640×640 file', () => {
    expect(entryAt('detection/yunet-2023mar-640.onnx')?.id).toBe('yunet-2023mar');
    expect(check('detection/yunet-2023mar-640.onnx', 'detector', entry('yunet-2023mar'))).toMatchObject({ detector: 'yunet' });
  });

  test.each(UPSAMPLERS)('%s is an upsampler (dynamic size: no declared scale), also as its catalog entry when it has one', (relative) => {
    const result = check(relative, 'upsampler');
    expect(result.role).toBe('upsampler');
    expect(result.scale).toBeUndefined();
    const own = entryAt(relative);
    if (own) expect(check(relative, 'upsampler', own).role).toBe('upsampler');
  });

  test('the catalog entries at the shared paths declare the tensors the files have', () => {
    const checked: string[] = [];
    for (const relative of [...DETECTORS, ...UPSAMPLERS]) {
      const own = entryAt(relative);
      if (!own) continue;
      const { inputs, outputs } = check(relative, own.role).signature;
      const c = own.contract;
      const mismatches = [
        !fitsSpec(c.input, inputs.find((i) => i.name === c.input.name)) && 'input',
        own.role === 'detector' && own.contract.outputs.filter((name) => !outputs.some((o) => o.name === name)).join(','),
        own.role === 'upsampler' && !fitsSpec(own.contract.output, outputs[0]) && 'output',
      ].filter(Boolean);
      expect([relative, own.id, mismatches]).toEqual([relative, own.id, []]);
      checked.push(own.id);
    }
    expect(checked).toEqual(['retinaface-mobilenet0.25', 'scrfd-500m-kps', 'yunet-2023mar', 'yunet-2023mar', 'realesr-animevideov3-x4', 'realesr-general-x4v3']);
    const standIn = check(GFPGAN_STANDIN, 'restorer').signature;
    const gfpgan = entry('gfpgan-1.4');
    expect(gfpgan.role === 'restorer' && [fitsSpec(gfpgan.contract.input, standIn.inputs[0]), fitsSpec(gfpgan.contract.output, standIn.outputs[0])]).toEqual([true, true]);
  });
});

describe('a model in the wrong role is refused, saying what was expected and found, and what it looks like', () => {
  test.each(DETECTORS)('detector %s as a restorer', (relative) => {
    const error = expectRefusal(() => check(relative, 'restorer'), 'MODEL_CONTRACT', [
      `Refused ${path.basename(relative)} as a restorer`,
      '[1,3,512,512]',
      `It looks like a face detector (${KIND[relative]}): import it with that role instead`,
    ]);
    expect(error.cause).toBeInstanceOf(RestoreError);
  });

  test('the fixed YuNet as a restorer: the 640×640 input it takes', () => {
    expectRefusal(() => check('detection/yunet-2023mar-640.onnx', 'restorer'), 'MODEL_CONTRACT', ['must take input [1,3,512,512]', 'takes [1,3,640,640]', 'face detector']);
  });

  test.each(['upscale/realesr-general-x4v3.onnx', 'upscale/realesr-animevideov3-x4.onnx'])('upsampler %s as a restorer', (relative) => {
    expectRefusal(() => check(relative, 'restorer'), 'MODEL_CONTRACT', [
      `Refused ${path.basename(relative)} as a restorer`,
      'expected a restorer returning the 512×512 face it takes',
      'found output [1,3,?,?] (out_height×out_width) declared unlike its input (height×width)',
    ]);
  });

  test.each(RESTORERS)('restorer %s as an upsampler: it keeps the size', (relative) => {
    expectRefusal(() => check(relative, 'upsampler'), 'MODEL_CONTRACT', [
      new RegExp(`^Refused ${path.basename(relative).replace(/\./g, '\\.')} as an? upsampler\\. `),
      'expected an upsampler (output larger than input)',
      'found inputs "input" float32 [1,3,512,512]; outputs "output" float32 [1,3,512,512], which keeps the size',
      'It looks like a face restorer: import it with that role instead',
    ]);
  });

  test.each(RESTORERS)('restorer %s as a detector', (relative) => {
    expectRefusal(() => check(relative, 'detector'), 'MODEL_CONTRACT', [
      `Refused ${path.basename(relative)} as a detector`,
      'expected a face detector with the outputs of one of yunet, retinaface, scrfd',
      'found inputs "input" float32 [1,3,512,512]; outputs "output" float32 [1,3,512,512]',
      'It looks like a face restorer',
    ]);
  });

  test('the fixed YuNet as an upsampler', () => {
    expectRefusal(() => check('detection/yunet-2023mar-640.onnx', 'upsampler'), 'MODEL_CONTRACT', [
      'its output "cls_8" is [1,6400,1]; expected [1,3,s·H,s·W] RGB',
      'It looks like a face detector (yunet)',
    ]);
  });

  test("RetinaFace as the YuNet entry: the outputs YuNet's decoder needs", () => {
    expectRefusal(() => check('detection/retinaface-mobilenet0.25.onnx', 'detector', entry('yunet-2023mar')), 'MODEL_CONTRACT', [
      'Refused retinaface-mobilenet0.25.onnx as YuNet 2023mar (detector)',
      'yunet detector model must have outputs cls_8',
      'has loc, conf, iou',
    ]);
  });

  test('the CodeFormer entry refuses identity-512: no weight input', () => {
    expectRefusal(() => check('restore/identity-512.onnx', 'restorer', entry('codeformer')), 'MODEL_CONTRACT', [
      'Refused identity-512.onnx as CodeFormer (restorer)',
      'expected a second input "weight" (float64 fidelity weight) as CodeFormer has',
      'found inputs "input" float32 [1,3,512,512]; outputs "output" float32 [1,3,512,512]',
    ], ['It looks like']);
  });
});

describe('truncated and non-ONNX files are refused before any contract check', () => {
  const CUTS: ReadonlyArray<readonly [string, (n: number) => number]> = [
    ['the first 1000 bytes', () => 1000],
    ['the first half', (n) => Math.floor(n / 2)],
    ['all but the last 10 bytes', (n) => n - 10],
  ];
  const MODELS: ReadonlyArray<readonly [string, ModelRole]> = [
    ['detection/yunet-2023mar-640.onnx', 'detector'],
    ['detection/retinaface-mobilenet0.25.onnx', 'detector'],
    ['upscale/realesr-general-x4v3.onnx', 'upsampler'],
    [GFPGAN_STANDIN, 'restorer'],
  ];
  test.each(MODELS.flatMap(([relative, role]) => CUTS.map(([cut, length]) => [cut, relative, role, length] as const)))(
    '%s of %s (role %s)',
    (_cut, relative, role, length) => {
      const bytes = bytesOf(relative);
      const part = bytes.subarray(0, length(bytes.length));
      for (const asRole of [role, 'restorer', 'detector', 'upsampler'] as const) {
        expectRefusal(() => checkModelBytes(part, asRole, { label: 'part.onnx' }), 'MODEL_LOAD_FAILED', [
          'part.onnx cannot be used',
          `it ends in the middle of the model (${part.length} bytes): an incomplete download or copy`,
        ]);
      }
    },
  );

  test('a JPEG photo', () => {
    const jpeg = new Uint8Array(fs.readFileSync(sharedImage('facexlib_test.jpg')));
    expectRefusal(() => checkModelBytes(jpeg, 'restorer', { label: 'photo.onnx' }), 'MODEL_LOAD_FAILED', [
      'photo.onnx cannot be used',
      'it does not start like an ONNX model (first bytes ff d8 ff',
    ]);
  });

  test('a PyTorch checkpoint (.pth, a zip file)', () => {
    const pth = new Uint8Array(fs.readFileSync(sharedModel('pth/rrdb-x2-b2.pth')));
    expectRefusal(() => checkModelBytes(pth, 'upsampler', { label: 'rrdb-x2-b2.pth' }), 'MODEL_LOAD_FAILED', [
      'rrdb-x2-b2.pth cannot be used',
      'it does not start like an ONNX model (first bytes 50 4b 03 04)',
    ]);
  });

  test('an empty file', () => {
    expectRefusal(() => checkModelBytes(new Uint8Array(0), 'detector', { label: 'empty.onnx' }), 'MODEL_LOAD_FAILED', ['empty.onnx cannot be used', 'the file is empty (0 bytes)']);
  });
});

// A minimal protobuf encoder, enough for an ONNX ModelProto (onnx.proto3 field numbers). Messages are byte arrays.
type Bytes = number[];
const FLOAT = 1;
const DOUBLE = 11;

function varint(value: number): Bytes {
  const out: Bytes = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}
/** Wire type 0: a varint field. */
const int = (field: number, value: number): Bytes => [...varint(field * 8), ...varint(value)];
/** Wire type 2: a length-delimited field (sub-message, string or bytes). */
const sub = (field: number, ...parts: Bytes[]): Bytes => {
  const payload = parts.flat();
  return [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
};
const text = (field: number, value: string): Bytes => sub(field, Array.from(new TextEncoder().encode(value)));

/** ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1, shape = 2: { dim = 1: { dim_value = 1 | dim_param = 2 } } } } }. */
function valueInfo(name: string, elemType: number, dims: ReadonlyArray<number | string>): Bytes {
  const shape = dims.map((d) => sub(1, typeof d === 'number' ? int(1, d) : text(2, d)));
  return [...text(1, name), ...sub(2, sub(1, int(1, elemType), sub(2, ...shape)))];
}

interface TinyModel {
  readonly inputs: ReadonlyArray<readonly [string, number, ReadonlyArray<number | string>]>;
  readonly outputs: ReadonlyArray<readonly [string, number, ReadonlyArray<number | string>]>;
  /** NodeProto { input = 1, output = 2, op_type = 4 }. */
  readonly nodes: ReadonlyArray<{ readonly inputs: readonly string[]; readonly outputs: readonly string[]; readonly op: string }>;
}

/** ModelProto { ir_version = 1, graph = 7: GraphProto { node = 1, name = 2, input = 11, output = 12 }, opset_import = 8: { domain = 1, version = 2 } }. */
function onnxModel(model: TinyModel): Uint8Array {
  const graph = [
    ...model.nodes.map((n) => sub(1, ...n.inputs.map((i) => text(1, i)), ...n.outputs.map((o) => text(2, o)), text(4, n.op))),
    text(2, 'tiny'),
    ...model.inputs.map(([name, type, dims]) => sub(11, valueInfo(name, type, dims))),
    ...model.outputs.map(([name, type, dims]) => sub(12, valueInfo(name, type, dims))),
  ];
  return Uint8Array.from([...int(1, 8), ...sub(7, ...graph), ...sub(8, text(1, ''), int(2, 17))]);
}

describe('a restorer with a weight input (hand-built ONNX)', () => {
  const FACE = [1, 3, 512, 512];
  const bytes = onnxModel({
    inputs: [['input', FLOAT, FACE], ['weight', DOUBLE, [1]]],
    outputs: [['output', FLOAT, FACE]],
    nodes: [{ inputs: ['input'], outputs: ['output'], op: 'Identity' }],
  });

  test('is accepted as a restorer and as the CodeFormer entry', () => {
    const result = checkModelBytes(bytes, 'restorer', { label: 'tiny-codeformer.onnx' });
    expect(result.signature).toEqual({
      inputs: [{ name: 'input', type: 'float32', shape: FACE }, { name: 'weight', type: 'float64', shape: [1] }],
      outputs: [{ name: 'output', type: 'float32', shape: FACE }],
    });
    expect(checkModelBytes(bytes, 'restorer', { label: 'tiny-codeformer.onnx', entry: entry('codeformer') }).role).toBe('restorer');
  });

  test('is a real model: onnxruntime-node loads and runs it', async () => {
    const session = await ort.InferenceSession.create(bytes);
    try {
      expect([...session.inputNames]).toEqual(['input', 'weight']);
      expect([...session.outputNames]).toEqual(['output']);
      const data = Float32Array.from({ length: 3 * 512 * 512 }, (_, i) => (i % 255) / 255);
      const result = await session.run({ input: new ort.Tensor('float32', data, FACE), weight: new ort.Tensor('float64', new Float64Array([0.5]), [1]) });
      expect(result.output.dims).toEqual(FACE);
      expect(Buffer.from((result.output.data as Float32Array).buffer).equals(Buffer.from(data.buffer))).toBe(true);
    } finally {
      await session.release();
    }
  });

  test('cut anywhere before the end of its graph, it is refused as incomplete', () => {
    // Bytes: ir_version, then the graph, then opset_import. A cut right after ir_version reads as "holds no ONNX
    // graph"; cuts inside the trailing opset_import (after the complete graph) are not detected (see the report).
    const graphStart = int(1, 8).length;
    const graphEnd = bytes.length - sub(8, text(1, ''), int(2, 17)).length;
    for (let length = 1; length < graphEnd; length++) {
      const error = refusalOrNull(() => checkModelBytes(bytes.subarray(0, length), 'restorer', { label: 'tiny.onnx' }));
      const says = length === graphStart ? 'it holds no ONNX graph' : 'ends in the middle';
      expect([length, error?.code, error?.message.includes(says)]).toEqual([length, 'MODEL_LOAD_FAILED', true]);
    }
  });
});

describe('an upsampler with a declared static size (hand-built ONNX, never run)', () => {
  const x2 = onnxModel({
    inputs: [['input', FLOAT, [1, 3, 64, 64]]],
    outputs: [['output', FLOAT, [1, 3, 128, 128]]],
    nodes: [{ inputs: ['input'], outputs: ['output'], op: 'Identity' }],
  });

  test('reports its scale', () => {
    expect(checkModelBytes(x2, 'upsampler', { label: 'x2.onnx' })).toMatchObject({ role: 'upsampler', scale: 2 });
  });

  test('is refused as a ×4 catalog entry', () => {
    expectRefusal(() => checkModelBytes(x2, 'upsampler', { label: 'x2.onnx', entry: entry('realesr-general-x4v3') }), 'MODEL_CONTRACT', [
      'Refused x2.onnx as Real-ESRGAN general x4 v3 (upsampler)',
      'expected a ×4 upsampler (Real-ESRGAN general x4 v3); found a ×2 one',
    ]);
  });
});
