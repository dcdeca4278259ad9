/**
 * The model manager installs catalog models from their publishers' PyTorch checkpoints: download (verified,
 * resumable) → convert → contract check → atomic install, with one progress stream, an install record that says
 * where the checkpoint came from and what built the file, and nothing left behind when the checkpoint is refused.
 * A real HTTP server on 127.0.0.1 serves the shared converter fixtures (../shared/models/pth).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { convertCheckpoint } from '../src/core/convert/index';
import { RestoreError } from '../src/core/errors';
import { createModelManager } from '../src/core/model-manager';
import type { ProgressEvent } from '../src/core/progress';
import { main } from '../src/host/node/cli';
import { createNodeModelHost } from '../src/host/node/model-host';
import { fixture, floats, relativeError, runNode } from './helpers/convert-fixtures';
import { startModelServer, type ModelServer } from './helpers/model-server';
import { sharedModel } from './helpers/shared';
import { loadTestCatalog, sha256Of, writeTestCatalog, type TestSource } from './helpers/test-catalog';

const SRVGG = sharedModel('pth/srvgg-x4-c32.pth');
const LEGACY = sharedModel('pth/srvgg-x4-c32-legacy.pth');
const RRDB = sharedModel('pth/rrdb-x2-b2.pth');
const GFPGAN = sharedModel('pth/gfpgan-clean-narrow0.125.pth');

let server: ModelServer;
let tmp: string;
let counter = 0;

beforeAll(async () => {
  server = await startModelServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-convert-install-'));
  server.serve('/srvgg.pth', fs.readFileSync(SRVGG), { throttle: { chunk: 256 * 1024, everyMs: 5 } });
  server.serve('/legacy.pth', fs.readFileSync(LEGACY));
  server.serve('/rrdb.pth', fs.readFileSync(RRDB));
  server.serve('/gfpgan.pth', fs.readFileSync(GFPGAN));
});
afterAll(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function setup(sources: Readonly<Record<string, TestSource>>) {
  const dir = path.join(tmp, `models-${++counter}`);
  const catalogFile = writeTestCatalog(path.join(tmp, `catalog-${counter}`), sources);
  const warnings: Array<[string, string]> = [];
  const manager = createModelManager({ catalog: loadTestCatalog(catalogFile), host: createNodeModelHost({ root: dir, warn: (code, message) => warnings.push([code, message]) }) });
  return { dir, manager, warnings, catalogFile };
}

/** Every file under `dir`, relative, sorted. */
function filesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

async function failure(promise: Promise<unknown>): Promise<RestoreError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RestoreError);
  return error as RestoreError;
}

it('downloads the published checkpoint, converts it, installs the ONNX file with a record of how it was made', async () => {
  const { dir, manager, warnings } = setup({ 'realesr-general-x4v3': { url: server.url('/srvgg.pth'), file: SRVGG, arch: 'SRVGGNetCompact' } });
  expect((await manager.status('realesr-general-x4v3')).downloadable).toBe(true);
  const events: ProgressEvent[] = [];
  const r = await manager.pull('realesr-general-x4v3', { onProgress: (e) => events.push(e) });
  expect(r.status).toBe('downloaded');
  const installed = fs.readFileSync(path.join(dir, 'upscale', 'realesr-general-x4v3.onnx'));
  // Deterministic: the very bytes the converter makes from this checkpoint.
  expect(Buffer.compare(installed, Buffer.from(convertCheckpoint(new Uint8Array(fs.readFileSync(SRVGG))).model))).toBe(0);
  expect(r.record).toMatchObject({
    id: 'realesr-general-x4v3', file: 'upscale/realesr-general-x4v3.onnx', size: installed.length, sha256: sha256Of(installed), trust: 'converted',
    source: server.url('/srvgg.pth'),
    converted: { checkpoint: { url: server.url('/srvgg.pth'), sha256: sha256Of(fs.readFileSync(SRVGG)), size: fs.statSync(SRVGG).size, trust: 'published' }, arch: 'SRVGGNetCompact', converter: '1', weights: 'float32' },
  });
  expect(warnings).toEqual([]);
  // Only the model and its record remain: no checkpoint, no partial files.
  expect(filesIn(dir)).toEqual(['upscale/realesr-general-x4v3.onnx', 'upscale/realesr-general-x4v3.onnx.json']);
  // One progress stream: download, then convert; never backwards; exactly one event at 1, the last.
  expect(events.some((e) => e.stage === 'download' && e.done > 0)).toBe(true);
  expect(events.filter((e) => e.stage === 'convert').map((e) => e.done)).toEqual([0, 1, 2]);
  for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
  expect(events.filter((e) => e.fraction === 1)).toEqual([events[events.length - 1]]);
  // verify checks against the recorded checksum of our own build, not the catalog's (which describes another file).
  expect(await manager.verify('realesr-general-x4v3')).toEqual([expect.objectContaining({ state: 'ok', basis: 'recorded', sha256: sha256Of(installed) })]);
  // And it is the network: the fixture's PyTorch output.
  const f = fixture('srvgg-x4-c32');
  const { outputs } = await runNode(new Uint8Array(installed), floats(f.input), f.input_shape);
  expect(relativeError(outputs[0], floats(f.expected))).toBeLessThanOrEqual(1e-4);
});

it('with no published checksum, trusts the first download and says so', async () => {
  const { manager, warnings } = setup({ 'realesr-general-x4v3': { url: server.url('/legacy.pth'), file: LEGACY, sha256: null, arch: 'SRVGGNetCompact' } });
  const r = await manager.pull('realesr-general-x4v3');
  expect(r.record.converted?.checkpoint.trust).toBe('first-download');
  expect(warnings.map(([code]) => code)).toEqual(['NO_PUBLISHED_CHECKSUM']);
  expect(warnings[0][1]).toContain(sha256Of(fs.readFileSync(LEGACY)));
});

it('installs x2plus (RRDBNet) and GFPGAN from their checkpoints, checked against their catalog contracts', async () => {
  const { dir, manager } = setup({
    'realesrgan-x2plus': { url: server.url('/rrdb.pth'), file: RRDB, arch: 'RRDBNet' },
    'gfpgan-1.4': { url: server.url('/gfpgan.pth'), file: GFPGAN, arch: 'GFPGANv1Clean' },
  });
  expect((await manager.pull('realesrgan-x2plus')).record.converted?.arch).toBe('RRDBNet');
  const g = await manager.pull('gfpgan-1.4');
  expect(g.record).toMatchObject({ file: 'restore/gfpgan-v1.4.onnx', trust: 'converted', converted: { arch: 'GFPGANv1Clean' } });
  expect(filesIn(dir)).toEqual(['restore/gfpgan-v1.4.onnx', 'restore/gfpgan-v1.4.onnx.json', 'upscale/realesrgan-x2plus.onnx', 'upscale/realesrgan-x2plus.onnx.json']);
  expect(await manager.pull('gfpgan-1.4')).toMatchObject({ status: 'present' });
});

it('refuses a checkpoint of another network, a hostile pickle and a damaged download, leaving the folder empty', async () => {
  const hostile = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cos\nsystem\n(S\'touch /tmp/pwned\'\ntR.', 'latin1')]);
  server.serve('/hostile.pth', hostile);
  const { dir, manager } = setup({
    'realesr-general-x4v3': { url: server.url('/rrdb.pth'), file: RRDB, arch: 'SRVGGNetCompact' },
    'realesr-animevideov3-x4': { url: server.url('/hostile.pth'), file: undefined, sha256: null, arch: 'SRVGGNetCompact' },
    'realesrgan-x4plus': { url: server.url('/rrdb.pth'), file: SRVGG, size: null, arch: 'RRDBNet' }, // another file's checksum
  });
  const wrong = await failure(manager.pull('realesr-general-x4v3'));
  expect(wrong.code).toBe('MODEL_CONTRACT');
  expect(wrong.message).toMatch(/^Not an SRVGGNetCompact checkpoint/);
  const evil = await failure(manager.pull('realesr-animevideov3-x4'));
  expect(evil.code).toBe('CHECKPOINT_REFUSED');
  expect(evil.message).toContain('os.system');
  const damaged = await failure(manager.pull('realesrgan-x4plus'));
  expect(damaged.code).toBe('CHECKSUM_MISMATCH');
  expect(filesIn(dir)).toEqual([]);
  for (const id of ['realesr-general-x4v3', 'realesr-animevideov3-x4', 'realesrgan-x4plus']) expect((await manager.status(id)).file).toBeUndefined();
});

it('a cancel during the conversion keeps the verified checkpoint; the next pull converts it without downloading again', async () => {
  server.serve('/kept.pth', fs.readFileSync(RRDB));
  const { dir, manager } = setup({ 'realesrgan-x2plus': { url: server.url('/kept.pth'), file: RRDB, arch: 'RRDBNet' } });
  const controller = new AbortController();
  const cancelled = await manager.pull('realesrgan-x2plus', {
    signal: controller.signal,
    onProgress: (e) => { if (e.stage === 'convert') controller.abort(); },
  }).then(() => undefined, (e: unknown) => e);
  expect(cancelled).toMatchObject({ name: 'AbortError' });
  // No model, no partial ONNX file: the checkpoint and the note of what it is.
  expect(filesIn(dir)).toEqual(['upscale/realesrgan-x2plus.onnx.pth', 'upscale/realesrgan-x2plus.onnx.pth.json']);
  expect(await manager.status('realesrgan-x2plus')).toMatchObject({ partial: fs.statSync(RRDB).size });
  expect((await manager.status('realesrgan-x2plus')).file).toBeUndefined();
  const bytesBefore = server.bytesSent('/kept.pth');

  const events: ProgressEvent[] = [];
  const r = await manager.pull('realesrgan-x2plus', { onProgress: (e) => events.push(e) });
  expect(server.bytesSent('/kept.pth')).toBe(bytesBefore); // not one byte downloaded again
  expect(r.record.converted?.checkpoint).toEqual({ url: server.url('/kept.pth'), sha256: sha256Of(fs.readFileSync(RRDB)), size: fs.statSync(RRDB).size, trust: 'published' });
  const installed = fs.readFileSync(path.join(dir, 'upscale', 'realesrgan-x2plus.onnx'));
  expect(Buffer.compare(installed, Buffer.from(convertCheckpoint(new Uint8Array(fs.readFileSync(RRDB))).model))).toBe(0);
  expect(filesIn(dir)).toEqual(['upscale/realesrgan-x2plus.onnx', 'upscale/realesrgan-x2plus.onnx.json']);
  for (let i = 1; i < events.length; i++) expect(events[i].fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
  expect(events[events.length - 1].fraction).toBe(1);
});

it('a kept checkpoint that changed on disk, or that another URL made, is downloaded again; remove deletes it', async () => {
  server.serve('/kept2.pth', fs.readFileSync(RRDB));
  const { dir, manager } = setup({ 'realesrgan-x2plus': { url: server.url('/kept2.pth'), file: RRDB, arch: 'RRDBNet' } });
  const cancelOnConvert = async (): Promise<void> => {
    const controller = new AbortController();
    await expect(manager.pull('realesrgan-x2plus', { signal: controller.signal, onProgress: (e) => { if (e.stage === 'convert') controller.abort(); } }))
      .rejects.toMatchObject({ name: 'AbortError' });
  };
  await cancelOnConvert();
  const kept = path.join(dir, 'upscale', 'realesrgan-x2plus.onnx.pth');
  const bytes = fs.readFileSync(kept);
  bytes[bytes.length >> 1] ^= 0xff; // same size, other bytes
  fs.writeFileSync(kept, bytes);
  const before = server.bytesSent('/kept2.pth');
  await manager.pull('realesrgan-x2plus');
  expect(server.bytesSent('/kept2.pth') - before).toBe(fs.statSync(RRDB).size);
  expect(filesIn(dir)).toEqual(['upscale/realesrgan-x2plus.onnx', 'upscale/realesrgan-x2plus.onnx.json']);

  // A note written for another URL is not trusted either.
  expect(await manager.remove('realesrgan-x2plus')).toEqual(['upscale/realesrgan-x2plus.onnx', 'upscale/realesrgan-x2plus.onnx.json']);
  await cancelOnConvert();
  const note = path.join(dir, 'upscale', 'realesrgan-x2plus.onnx.pth.json');
  fs.writeFileSync(note, fs.readFileSync(note, 'utf8').replace(server.url('/kept2.pth'), server.url('/elsewhere.pth')));
  const again = server.bytesSent('/kept2.pth');
  await manager.pull('realesrgan-x2plus');
  expect(server.bytesSent('/kept2.pth') - again).toBe(fs.statSync(RRDB).size);

  await manager.remove('realesrgan-x2plus');
  await cancelOnConvert();
  expect((await manager.remove('realesrgan-x2plus')).sort()).toEqual(['upscale/realesrgan-x2plus.onnx.pth', 'upscale/realesrgan-x2plus.onnx.pth.json']);
  expect(filesIn(dir)).toEqual([]);
});

it('facerestore models pull converts, and list shows how the model was installed', async () => {
  const { dir, catalogFile } = setup({ 'realesr-general-x4v3': { url: server.url('/legacy.pth'), file: LEGACY, arch: 'SRVGGNetCompact' } });
  const io = () => {
    const s = { isTTY: false, columns: 120, text: '', write(chunk: string | Uint8Array) { s.text += String(chunk); return true; } };
    return s as unknown as NodeJS.WriteStream & { text: string };
  };
  const [stdout, stderr] = [io(), io()];
  const env = { FACERESTORE_CATALOG: catalogFile, HOME: tmp };
  expect(await main(['models', 'pull', 'realesr-general-x4v3', '--models-dir', dir], { stdout, stderr, env })).toBe(0);
  const installed = fs.readFileSync(path.join(dir, 'upscale', 'realesr-general-x4v3.onnx'));
  expect(stdout.text).toContain(`Downloaded Real-ESRGAN general x4 v3's PyTorch checkpoint (4.6 MB, SHA-256 ${sha256Of(fs.readFileSync(LEGACY))}, matches the published checksum)`);
  expect(stdout.text).toContain(`and converted it (SRVGGNetCompact, converter 1, float32 weights) to ${path.join(dir, 'upscale', 'realesr-general-x4v3.onnx')} (4.6 MB)`);
  expect(stdout.text).toContain(`SHA-256 ${sha256Of(installed)} (built here by the converter; recorded at conversion)`);
  expect(stderr.text).toContain('converting the PyTorch checkpoint to ONNX…');
  const list = io();
  expect(await main(['models', 'list', '--models-dir', dir], { stdout: list, stderr: io(), env })).toBe(0);
  expect(list.text.split('\n').find((l) => l.startsWith('realesr-general-x4v3 '))).toMatch(/installed ✓ \(converted\)/);
});
