/**
 * SRVGGNetCompact converted from its PyTorch checkpoint (../shared/models/pth fixtures: the full realesr-general-x4v3
 * layout with random weights, zip and legacy pickle) reproduces the output the PyTorch reference computed, on
 * onnxruntime-node and onnxruntime-web: max |error| ≤ 1e-4 × max |expected| (issue 9's bound).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readCheckpoint } from '../src/core/convert/checkpoint';
import { buildSrvgg, srvggShape } from '../src/core/convert/srvgg';
import { float32Tensor, type ModelRuntime } from '../src/core/runtime';
import { createNodeRuntime } from '../src/host/node/ort';
import { sharedModel } from './helpers/shared';

interface Fixture { pth: string; input: string; expected: string; input_shape: number[]; output_shape: number[]; num_feat: number; num_conv: number; upscale: number }

const fixtures = JSON.parse(fs.readFileSync(sharedModel('pth/fixtures.json'), 'utf8')) as Record<string, Fixture>;

function floats(file: string): Float32Array {
  const bytes = fs.readFileSync(sharedModel(`pth/${file}`));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

async function run(runtime: ModelRuntime, model: Uint8Array, f: Fixture): Promise<Float32Array> {
  const loaded = await runtime.load({ label: f.pth, location: model });
  try {
    const out = await loaded.run({ [loaded.inputs[0].name]: float32Tensor(floats(f.input), f.input_shape) });
    const tensor = out[loaded.outputs[0].name];
    expect(tensor.dims).toEqual(f.output_shape);
    return tensor.data as Float32Array;
  } finally {
    await loaded.release();
  }
}

const BUILD = path.resolve(__dirname, '..', 'build');

/**
 * onnxruntime-web loads its wasm glue with a dynamic import, which jest's VM refuses: the web run happens in a child
 * Node process on the compiled engine (build/, from `npm run build`), which prints the output's relative error.
 */
function webRelativeError(model: Uint8Array, f: Fixture): number {
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
    expect(result.length).toBe(f.output_shape.reduce((a, b) => a * b, 1));
    return result.error;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let err = 0;
  let peak = 0;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    peak = Math.max(peak, Math.abs(expected[i]));
  }
  return err / peak;
}

describe.each(['srvgg-x4-c32', 'srvgg-x4-c32-legacy'])('%s', (id) => {
  const f = fixtures[id];
  let model: Uint8Array;
  beforeAll(() => {
    const checkpoint = readCheckpoint(new Uint8Array(fs.readFileSync(sharedModel(`pth/${f.pth}`))));
    expect(srvggShape(checkpoint.tensors)).toEqual({ numFeat: f.num_feat, numConv: f.num_conv, scale: f.upscale, act: 'prelu' });
    model = buildSrvgg(checkpoint.tensors);
  });

  it('reproduces the PyTorch output on onnxruntime-node', async () => {
    expect(relativeError(await run(createNodeRuntime(), model, f), floats(f.expected))).toBeLessThanOrEqual(1e-4);
  });

  it('reproduces the PyTorch output on onnxruntime-web', () => {
    expect(webRelativeError(model, f)).toBeLessThanOrEqual(1e-4);
  });
});
