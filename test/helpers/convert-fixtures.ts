/**
 * The converter fixtures in ../shared/models/pth (fixtures.json: random-weight checkpoints in the official layouts,
 * each with an input and the output the PyTorch reference computed) and the ways the tests run converted graphs:
 * onnxruntime-node in jest, onnxruntime-web in a child Node process (jest's VM refuses its dynamic import).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fields, utf8 } from '../../src/core/onnx-signature';
import { float32Tensor } from '../../src/core/runtime';
import { createNodeRuntime } from '../../src/host/node/ort';
import { sharedModel } from './shared';

export interface Fixture {
  readonly arch: string;
  readonly pth: string;
  readonly input: string;
  readonly expected: string;
  readonly input_shape: number[];
  readonly output_shape: number[];
  readonly params: number;
  readonly [key: string]: unknown;
}

export function fixture(id: string): Fixture {
  const all = JSON.parse(fs.readFileSync(sharedModel('pth/fixtures.json'), 'utf8')) as Record<string, Fixture>;
  if (!all[id]) throw new Error(`fixtures.json has no ${id}`);
  return all[id];
}

export function fixtureBytes(file: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(sharedModel(`pth/${file}`)));
}

export function floats(file: string): Float32Array {
  const bytes = fs.readFileSync(sharedModel(`pth/${file}`));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** max |a − b| ÷ max |b|: issue 9's measure. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) throw new Error(`${actual.length} values against ${expected.length}`);
  let err = 0;
  let peak = 0;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    peak = Math.max(peak, Math.abs(expected[i]));
  }
  return err / peak;
}

/** Runs a model's single input → output on onnxruntime-node (calls times, for models with random noise). */
export async function runNode(model: Uint8Array, input: Float32Array, dims: readonly number[], calls = 1): Promise<{ dims: readonly number[]; outputs: Float32Array[] }> {
  const loaded = await createNodeRuntime().load({ label: 'converted', location: model });
  try {
    const outputs: Float32Array[] = [];
    let outDims: readonly number[] = [];
    for (let i = 0; i < calls; i++) {
      const out = await loaded.run({ [loaded.inputs[0].name]: float32Tensor(input, dims) });
      const tensor = out[loaded.outputs[0].name];
      outDims = tensor.dims;
      outputs.push(tensor.data as Float32Array);
    }
    return { dims: outDims, outputs };
  } finally {
    await loaded.release();
  }
}

/** Runs `model` on the fixture's input on onnxruntime-node: the output's shape must be the fixture's; returns its relative error. */
export async function nodeRelativeError(model: Uint8Array, f: Fixture): Promise<number> {
  const { dims, outputs } = await runNode(model, floats(f.input), f.input_shape);
  if (JSON.stringify(dims) !== JSON.stringify(f.output_shape)) throw new Error(`output [${dims.join(',')}], expected [${f.output_shape.join(',')}]`);
  return relativeError(outputs[0], floats(f.expected));
}

const BUILD = path.resolve(__dirname, '..', '..', 'build');

/** onnxruntime-web (1 thread) in a child process on the compiled engine: the output's relative error (its length checked). */
export function webRelativeError(model: Uint8Array, f: Fixture): number {
  if (!fs.existsSync(path.join(BUILD, 'host', 'node', 'ort-web.js'))) throw new Error('build/ is missing: run `npm run build`');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fr-convert-'));
  try {
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, model);
    const script = `
      const fs = require('fs');
      const { createWebRuntimeForNode } = require(${JSON.stringify(path.join(BUILD, 'host', 'node', 'ort-web.js'))});
      const [file, input, expected, dims] = process.argv.slice(1);
      const floats = (p) => { const b = fs.readFileSync(p); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
      (async () => {
        const model = await createWebRuntimeForNode({ threads: 1 }).load({ label: 'model', location: new Uint8Array(fs.readFileSync(file)) });
        const out = await model.run({ [model.inputs[0].name]: { type: 'float32', data: floats(input), dims: JSON.parse(dims) } });
        const got = out[model.outputs[0].name].data, want = floats(expected);
        let err = 0, peak = 0;
        for (let i = 0; i < want.length; i++) { err = Math.max(err, Math.abs(got[i] - want[i])); peak = Math.max(peak, Math.abs(want[i])); }
        process.stdout.write(JSON.stringify({ error: err / peak, length: got.length }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = execFileSync(process.execPath, ['-e', script, file, sharedModel(`pth/${f.input}`), sharedModel(`pth/${f.expected}`), JSON.stringify(f.input_shape)], { encoding: 'utf8' });
    const result = JSON.parse(out) as { error: number; length: number };
    const length = f.output_shape.reduce((a, b) => a * b, 1);
    if (result.length !== length) throw new Error(`onnxruntime-web returned ${result.length} values, expected ${length}`);
    return result.error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface GraphNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** The nodes and initializer names (with their element type) of an ONNX model, read from its protobuf. */
export function readGraph(bytes: Uint8Array): { nodes: GraphNode[]; initializers: Map<string, number> } {
  const nodes: GraphNode[] = [];
  const initializers = new Map<string, number>();
  for (const m of fields(bytes, 0, bytes.length)) {
    if (m.number !== 7 || m.wire !== 2) continue;
    for (const g of fields(bytes, m.start, m.end)) {
      if (g.number === 1 && g.wire === 2) {
        const node = { op: '', inputs: [] as string[], outputs: [] as string[] };
        for (const f of fields(bytes, g.start, g.end)) {
          if (f.wire !== 2) continue;
          if (f.number === 1) node.inputs.push(utf8(bytes, f.start, f.end));
          if (f.number === 2) node.outputs.push(utf8(bytes, f.start, f.end));
          if (f.number === 4) node.op = utf8(bytes, f.start, f.end);
        }
        nodes.push(node);
      } else if (g.number === 5 && g.wire === 2) {
        let name = '';
        let type = 0;
        for (const f of fields(bytes, g.start, g.end)) {
          if (f.number === 8 && f.wire === 2) name = utf8(bytes, f.start, f.end);
          if (f.number === 2 && f.wire === 0) type = f.value;
        }
        initializers.set(name, type);
      }
    }
  }
  return { nodes, initializers };
}
