/**
 * The browser bundle of the engine (dist/web/facerestore-engine.js, built by webpack in `npm run build`) runs in a
 * bare JavaScript realm with no require, process, Buffer, window or document, and restores a photo exactly as
 * the engine does in Node, given an injected runtime. This is what "the engine is host-free" means in practice.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import type * as Engine from '../src/core';
import { createRestorer } from '../src/core';
import { readImage } from '../src/host/node/image-io';
import { createNodeRuntime } from '../src/host/node/ort';
import { sharedImage, sharedModel } from './helpers/shared';

const BUNDLE = path.resolve(__dirname, '..', 'dist', 'web', 'facerestore-engine.js');

it('loads in a bare realm and gives the same composite as the engine in Node', async () => {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` (npm test does it first)`);
  // Only the language's own globals, plus the typed arrays shared so the injected onnxruntime-node accepts them.
  const sandbox: Record<string, unknown> = {};
  for (const name of ['Float32Array', 'Float64Array', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Int32Array', 'ArrayBuffer']) {
    sandbox[name] = (globalThis as Record<string, unknown>)[name];
  }
  const context = vm.createContext(sandbox);
  vm.runInContext(fs.readFileSync(BUNDLE, 'utf8'), context, { filename: BUNDLE });
  const bundled = vm.runInContext('globalThis.FaceRestore', context) as typeof Engine;
  expect(vm.runInContext('typeof require + typeof process + typeof window + typeof document', context)).toBe('undefinedundefinedundefinedundefined');

  const config = {
    runtime: createNodeRuntime(),
    detector: { kind: 'yunet' as const, source: { label: 'yunet', location: sharedModel('detection/yunet-2023mar-640.onnx') } },
    restorer: { source: { label: 'unsharp', location: sharedModel('restore/unsharp-512.onnx') } },
  };
  const { image } = await readImage(sharedImage('codeformer_whole_00.jpg'));
  const fromBundle = bundled.createRestorer(config);
  const fromSource = createRestorer(config);
  const [a, b] = await Promise.all([fromBundle.restore(image), fromSource.restore(image)]);
  expect(a.faces).toHaveLength(4);
  expect(Buffer.compare(Buffer.from(a.image?.data ?? []), Buffer.from(b.image?.data ?? []))).toBe(0);
  await Promise.all([fromBundle.dispose(), fromSource.dispose()]);
});
