/**
 * Importing model files through the manager on the Node host: every shared model imports cleanly in its role
 * (the 170 MB GFPGAN stand-in included), `--as <catalog id>` installs at the catalog path with its own checksum,
 * and wrong roles, truncated and non-ONNX files are refused with what was expected and found, writing nothing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RestoreError } from '../src/core/errors';
import { createModelManager, type ModelManager } from '../src/core/model-manager';
import { loadCatalog } from '../src/host/node/catalog-file';
import { createNodeModelHost } from '../src/host/node/model-host';
import { sharedImage, sharedModel, sharedModelsDir } from './helpers/shared';
import { sha256Of } from './helpers/test-catalog';

let tmp: string;
let counter = 0;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-import-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function fresh(): { dir: string; manager: ModelManager; warnings: Array<[string, string]> } {
  const dir = path.join(tmp, `models-${++counter}`);
  const warnings: Array<[string, string]> = [];
  const manager = createModelManager({ catalog: loadCatalog({}), host: createNodeModelHost({ root: dir, warn: (c, m) => warnings.push([c, m]) }) });
  return { dir, manager, warnings };
}

/** Every file under `dir`, relative. */
function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath, d.name))).sort();
}

describe('each shared model imports in its role', () => {
  const cases: Array<[string, 'restorer' | 'detector' | 'upsampler']> = [
    ...fs.readdirSync(path.join(sharedModelsDir(), 'restore')).map((f): [string, 'restorer'] => [`restore/${f}`, 'restorer']),
    ...fs.readdirSync(path.join(sharedModelsDir(), 'detection')).map((f): [string, 'detector'] => [`detection/${f}`, 'detector']),
    ...fs.readdirSync(path.join(sharedModelsDir(), 'upscale')).map((f): [string, 'upsampler'] => [`upscale/${f}`, 'upsampler']),
  ];

  /** Files named like a catalog model (its id, install name or a publisher's name) become that model. */
  const ids: Readonly<Record<string, string>> = {
    'restore/gfpgan-v1.4-arch-random.fp16w.onnx': 'gfpgan-v1.4-arch-random.fp16w', 'restore/identity-512.onnx': 'identity-512',
    'restore/unsharp-512.onnx': 'unsharp-512', 'detection/retinaface-mobilenet0.25.onnx': 'retinaface-mobilenet0.25',
    'detection/scrfd-500m-kps-dynamic.onnx': 'scrfd-500m-kps', 'detection/yunet-2023mar-640.onnx': 'yunet-2023mar',
    'detection/yunet-2023mar-dynamic.onnx': 'yunet-2023mar', 'upscale/2x-nomos-uni-compact.onnx': '2x-nomos-uni-compact',
    'upscale/realesr-animevideov3-x4.onnx': 'realesr-animevideov3-x4', 'upscale/realesr-general-x4v3.onnx': 'realesr-general-x4v3',
  };

  it.each(cases)('%s imports with the role %s', async (relative, role) => {
    const { dir, manager } = fresh();
    const source = sharedModel(relative);
    const bytes = fs.readFileSync(source);
    const record = await manager.importModel(bytes, { as: role, source });
    expect(record.role).toBe(role);
    expect(record.id).toBe(ids[relative]);
    // The official YuNet file is the published one; everything else is recorded at import.
    expect(record.trust).toBe(relative === 'detection/yunet-2023mar-640.onnx' ? 'published' : 'imported');
    expect(record.size).toBe(bytes.length);
    expect(record.sha256).toBe(sha256Of(bytes));
    expect(record.source).toBe(`file:${source}`);
    const installed = path.join(dir, ...record.file.split('/'));
    expect(fs.statSync(installed).size).toBe(bytes.length);
    expect(files(dir)).toEqual([record.file, `${record.file}.json`].map((f) => path.join(...f.split('/'))).sort());
    const [verified] = await manager.verify(record.id);
    expect(verified.state).toBe('ok');
    expect((await manager.list()).find((m) => m.id === record.id)?.record?.sha256).toBe(record.sha256);
  });
});

describe('imports as a catalog model', () => {
  it('identity-512 --as gfpgan-1.4 installs at restore/gfpgan-v1.4.onnx, trusted as imported, with a warning', async () => {
    const { dir, manager, warnings } = fresh();
    const source = sharedModel('restore/identity-512.onnx');
    const record = await manager.importModel(fs.readFileSync(source), { as: 'gfpgan-1.4', source });
    expect(record).toMatchObject({ id: 'gfpgan-1.4', role: 'restorer', file: 'restore/gfpgan-v1.4.onnx', trust: 'imported' });
    expect(fs.existsSync(path.join(dir, 'restore', 'gfpgan-v1.4.onnx'))).toBe(true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0][0]).toBe('IMPORT_DIFFERS');
    expect(warnings[0][1]).toContain('identity-512.onnx is not the published GFPGAN v1.4 file');
    // Verified against its own checksum, not the publisher's.
    expect(await manager.verify('gfpgan-1.4')).toEqual([expect.objectContaining({ state: 'ok', basis: 'recorded' })]);
  });

  it('upscale/realesr-general-x4v3.onnx --as upsampler becomes the catalog model realesr-general-x4v3', async () => {
    const { manager } = fresh();
    const source = sharedModel('upscale/realesr-general-x4v3.onnx');
    const record = await manager.importModel(fs.readFileSync(source), { as: 'upsampler', source });
    expect(record).toMatchObject({ id: 'realesr-general-x4v3', file: 'upscale/realesr-general-x4v3.onnx', trust: 'imported' });
    const status = await manager.status('realesr-general-x4v3');
    expect(status.entry?.id).toBe('realesr-general-x4v3');
    expect(status.file).toBe('upscale/realesr-general-x4v3.onnx');
  });
});

describe('refused imports write nothing', () => {
  const half = (file: string): Buffer => {
    const bytes = fs.readFileSync(file);
    return bytes.subarray(0, bytes.length >> 1);
  };
  it.each([
    ['a detector as a restorer', () => fs.readFileSync(sharedModel('detection/yunet-2023mar-640.onnx')), 'yunet-2023mar-640.onnx', 'restorer', 'MODEL_CONTRACT',
      ['Refused yunet-2023mar-640.onnx as a restorer', 'must take input [1,3,512,512]', 'takes [1,3,640,640]', 'It looks like a face detector (yunet)']],
    ['a detector as GFPGAN v1.4', () => fs.readFileSync(sharedModel('detection/retinaface-mobilenet0.25.onnx')), 'retinaface-mobilenet0.25.onnx', 'gfpgan-1.4', 'MODEL_CONTRACT',
      ['as GFPGAN v1.4 (restorer)', 'It looks like a face detector (retinaface)']],
    ['an upsampler as a restorer', () => fs.readFileSync(sharedModel('upscale/realesr-general-x4v3.onnx')), 'realesr-general-x4v3.onnx', 'restorer', 'MODEL_CONTRACT',
      ['expected a restorer returning the 512×512 face it takes', 'found output [1,3,?,?]']],
    ['a restorer as an upsampler', () => fs.readFileSync(sharedModel('restore/unsharp-512.onnx')), 'unsharp-512.onnx', 'upsampler', 'MODEL_CONTRACT',
      ['expected an upsampler (output larger than input)', 'which keeps the size', 'It looks like a face restorer']],
    ['the first half of a real model', () => half(sharedModel('upscale/realesr-animevideov3-x4.onnx')), 'realesr-animevideov3-x4.onnx', 'upsampler', 'MODEL_LOAD_FAILED',
      ['realesr-animevideov3-x4.onnx cannot be used', 'ends in the middle of the model', 'an incomplete download or copy']],
    ['a JPEG', () => fs.readFileSync(sharedImage('facexlib_test.jpg')), 'facexlib_test.jpg', 'restorer', 'MODEL_LOAD_FAILED',
      ['facexlib_test.jpg cannot be used', 'does not start like an ONNX model', 'ff d8 ff']],
    ['a PyTorch checkpoint', () => fs.readFileSync(sharedModel('pth/srvgg-x4-c32.pth')), 'srvgg-x4-c32.pth', 'realesr-general-x4v3', 'MODEL_LOAD_FAILED',
      ['srvgg-x4-c32.pth cannot be used', 'does not start like an ONNX model']],
  ] as const)('%s', async (_what, read, name, as, code, fragments) => {
    const { dir, manager, warnings } = fresh();
    const error = await manager.importModel(read(), { as, source: path.join(tmp, name) }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RestoreError);
    expect((error as RestoreError).code).toBe(code);
    for (const f of fragments) expect((error as RestoreError).message).toContain(f);
    expect(files(dir)).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
