/**
 * The model manager over the Node host against a real HTTP server on 127.0.0.1: verified downloads with progress,
 * resume after a dropped connection (Range), checksum and size refusals that leave nothing behind, HTTP errors,
 * stalls, redirects, URL policy, first-download trust, verify/remove, cancel and resume, a full disk, and one
 * download when several pulls (in this process, or two CLI processes) ask for the same model at once.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isAbortError, RestoreError } from '../src/core/errors';
import type { ModelStore } from '../src/core/model-host';
import { createModelManager, type ModelManager } from '../src/core/model-manager';
import type { ProgressEvent } from '../src/core/progress';
import { acquireFileLock } from '../src/host/node/file-lock';
import { createNodeModelHost, createNodeModelStore } from '../src/host/node/model-host';
import { startModelServer, type ModelServer } from './helpers/model-server';
import { sharedModel } from './helpers/shared';
import { loadTestCatalog, sha256Of, writeTestCatalog, type TestSource } from './helpers/test-catalog';

const YUNET = sharedModel('detection/yunet-2023mar-640.onnx');
const X4 = sharedModel('upscale/realesr-general-x4v3.onnx');
const ANIME = sharedModel('upscale/realesr-animevideov3-x4.onnx');
const ROOT = path.resolve(__dirname, '..');
/** Small retry budget and short waits, so failure paths take a moment. */
const FAST = { retries: 2, backoffMs: 10, idleTimeoutMs: 400, connectTimeoutMs: 5000 };
/** Slow enough (≈3 MB/s) that speed is measured and a cancel lands midway. */
const SLOW = { chunk: 32 * 1024, everyMs: 10 };

let server: ModelServer;
let tmp: string;
let counter = 0;

beforeAll(async () => {
  server = await startModelServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-download-'));
});
afterAll(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Setup {
  readonly dir: string;
  readonly manager: ModelManager;
  readonly warnings: Array<[string, string]>;
  readonly catalogFile: string;
}

/** A fresh models folder and a manager whose catalog has `sources` pointing where the test says. */
function setup(sources: Readonly<Record<string, TestSource>>, wrapStore?: (store: ModelStore) => ModelStore): Setup {
  const dir = path.join(tmp, `models-${++counter}`);
  const catalogFile = writeTestCatalog(path.join(tmp, `catalog-${counter}`), sources);
  const warnings: Array<[string, string]> = [];
  const host = createNodeModelHost({ root: dir, warn: (code, message) => warnings.push([code, message]) });
  const manager = createModelManager({ catalog: loadTestCatalog(catalogFile), host: wrapStore ? { ...host, store: wrapStore(host.store) } : host });
  return { dir, manager, warnings, catalogFile };
}

const at = (dir: string, file: string): string => path.join(dir, ...file.split('/'));
const requestsTo = (p: string) => server.requests.filter((r) => r.path === p);

async function failure(promise: Promise<unknown>): Promise<RestoreError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RestoreError);
  return error as RestoreError;
}

describe('a verified download', () => {
  it('reports monotonic progress with bytes, speed and time left, ending at 1, and installs the checked file', async () => {
    server.serve('/progress/anime.onnx', ANIME, { throttle: SLOW });
    const { dir, manager } = setup({ 'realesr-animevideov3-x4': { url: server.url('/progress/anime.onnx'), file: ANIME } });
    const size = fs.statSync(ANIME).size;
    const events: ProgressEvent[] = [];
    const r = await manager.pull('realesr-animevideov3-x4', { onProgress: (e) => events.push(e) });
    expect(r.status).toBe('downloaded');
    expect(r.record).toMatchObject({ id: 'realesr-animevideov3-x4', role: 'upsampler', file: 'upscale/realesr-animevideov3-x4.onnx', size, trust: 'published' });
    expect(sha256Of(fs.readFileSync(at(dir, r.record.file)))).toBe(sha256Of(fs.readFileSync(ANIME)));
    expect(events.length).toBeGreaterThan(3);
    for (const [i, e] of events.entries()) {
      expect(e.stage).toBe('download');
      if (i > 0) {
        expect(e.fraction).toBeGreaterThanOrEqual(events[i - 1].fraction);
        expect(e.done).toBeGreaterThanOrEqual(events[i - 1].done);
      }
      expect(e.total).toBe(size);
    }
    expect(events.slice(0, -1).every((e) => e.fraction < 1)).toBe(true);
    const last = events[events.length - 1];
    expect(last).toMatchObject({ fraction: 1, done: size, total: size });
    const measured = events.filter((e) => e.rate !== undefined);
    expect(measured.length).toBeGreaterThan(0);
    expect(measured.every((e) => (e.rate ?? 0) > 0 && e.secondsLeft !== undefined && e.secondsLeft >= 0)).toBe(true);
    // One request, no leftovers, the record beside the file, our User-Agent.
    expect(requestsTo('/progress/anime.onnx')).toHaveLength(1);
    expect(requestsTo('/progress/anime.onnx')[0].userAgent).toMatch(/^facerestore\/\d/);
    expect(fs.readdirSync(path.join(dir, 'upscale')).sort()).toEqual(['realesr-animevideov3-x4.onnx', 'realesr-animevideov3-x4.onnx.json']);
    const again = await manager.pull('realesr-animevideov3-x4');
    expect(again.status).toBe('present');
    expect(requestsTo('/progress/anime.onnx')).toHaveLength(1);
  });

  it('resumes with a Range request after the server drops the connection, fetching every byte once', async () => {
    const size = fs.statSync(X4).size;
    const drop = Math.floor(size / 2);
    server.serve('/drop/x4.onnx', X4, { dropAfter: drop });
    const { dir, manager } = setup({ 'realesr-general-x4v3': { url: server.url('/drop/x4.onnx'), file: X4 } });
    const r = await manager.pull('realesr-general-x4v3', FAST);
    expect(sha256Of(fs.readFileSync(at(dir, r.record.file)))).toBe(sha256Of(fs.readFileSync(X4)));
    const reqs = requestsTo('/drop/x4.onnx');
    expect(reqs).toHaveLength(2);
    expect(reqs[0].range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(reqs[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(drop);
    expect(reqs[1].ifRange).toMatch(/^"[0-9a-f]+"$/);
    // Bytes sent overall: the first half (up to what was in flight when the socket died) plus the rest, not 1.5×.
    expect(server.bytesSent('/drop/x4.onnx')).toBeGreaterThanOrEqual(size);
    expect(server.bytesSent('/drop/x4.onnx')).toBeLessThanOrEqual(size + (drop - resumedAt));
    expect(server.bytesSent('/drop/x4.onnx')).toBeLessThan(size * 1.1);
  });

  it('a chunked body cut short is resumed, not installed truncated (no size or checksum to catch it)', async () => {
    const size = fs.statSync(X4).size;
    server.serve('/chunked-drop/x4.onnx', X4, { dropAfter: size >> 1, noLength: true });
    const { dir, manager } = setup({ 'realesr-general-x4v3': { url: server.url('/chunked-drop/x4.onnx'), sha256: null, size: null } });
    const r = await manager.pull('realesr-general-x4v3', FAST);
    expect(requestsTo('/chunked-drop/x4.onnx').map((q) => q.range === undefined)).toEqual([true, false]);
    expect(r.record.size).toBe(size);
    expect(sha256Of(fs.readFileSync(at(dir, r.record.file)))).toBe(sha256Of(fs.readFileSync(X4)));
  });

  it('follows a redirect and records where the bytes came from', async () => {
    server.serve('/redirect/from.onnx', YUNET, { redirect: '/redirect/to.onnx' });
    server.serve('/redirect/to.onnx', YUNET);
    const { manager } = setup({ 'yunet-2023mar': { url: server.url('/redirect/from.onnx'), file: YUNET } });
    const r = await manager.pull('yunet-2023mar', FAST);
    expect(r.record.source).toBe(server.url('/redirect/to.onnx'));
    expect(r.record.trust).toBe('published');
    expect(requestsTo('/redirect/from.onnx')).toHaveLength(1);
    expect(requestsTo('/redirect/to.onnx')).toHaveLength(1);
  });

  it('records a model without a published checksum as trusted on first download, and says so', async () => {
    server.serve('/tofu/x4.onnx', X4);
    const { manager, warnings } = setup({ 'realesr-general-x4v3': { url: server.url('/tofu/x4.onnx'), file: X4, sha256: null, sizeExact: false } });
    const r = await manager.pull('realesr-general-x4v3', FAST);
    expect(r.record.trust).toBe('first-download');
    expect(r.record.sha256).toBe(sha256Of(fs.readFileSync(X4)));
    expect(warnings.map(([code]) => code)).toEqual(['NO_PUBLISHED_CHECKSUM']);
    expect(warnings[0][1]).toContain(r.record.sha256);
    const [v] = await manager.verify('realesr-general-x4v3');
    expect(v).toMatchObject({ state: 'ok', basis: 'recorded', expected: r.record.sha256 });
  });
});

describe('refused downloads leave nothing behind', () => {
  const leftovers = (dir: string): string[] => (fs.existsSync(path.join(dir, 'detection')) ? fs.readdirSync(path.join(dir, 'detection')).filter((f) => !f.endsWith('.lock')) : []);

  it('wrong bytes: CHECKSUM_MISMATCH naming both checksums, no file, no .part', async () => {
    const wrong = Buffer.from(fs.readFileSync(YUNET));
    wrong[wrong.length >> 1] ^= 0xff;
    server.serve('/wrong/yunet.onnx', wrong);
    const { dir, manager } = setup({ 'yunet-2023mar': { url: server.url('/wrong/yunet.onnx'), file: YUNET } });
    const error = await failure(manager.pull('yunet-2023mar', FAST));
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toContain(sha256Of(wrong));
    expect(error.message).toContain(sha256Of(fs.readFileSync(YUNET)));
    expect(leftovers(dir)).toEqual([]);
    expect((await manager.status('yunet-2023mar')).file).toBeUndefined();
  });

  it('HTTP 404: DOWNLOAD_FAILED naming the URL, without retries', async () => {
    server.serve('/gone/yunet.onnx', YUNET, { status: 404 });
    const { dir, manager } = setup({ 'yunet-2023mar': { url: server.url('/gone/yunet.onnx'), file: YUNET } });
    const error = await failure(manager.pull('yunet-2023mar', FAST));
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.message).toContain(server.url('/gone/yunet.onnx'));
    expect(error.message).toContain('HTTP 404');
    expect(requestsTo('/gone/yunet.onnx')).toHaveLength(1);
    expect(leftovers(dir)).toEqual([]);
  });

  it('a server that stalls after the headers: NETWORK_ERROR after every retry', async () => {
    server.serve('/stall/yunet.onnx', YUNET, { stall: true });
    const { dir, manager } = setup({ 'yunet-2023mar': { url: server.url('/stall/yunet.onnx'), file: YUNET } });
    const error = await failure(manager.pull('yunet-2023mar', FAST));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/failed after 3 attempts: no data from 127\.0\.0\.1/);
    expect(requestsTo('/stall/yunet.onnx')).toHaveLength(FAST.retries + 1);
    expect(fs.existsSync(at(dir, 'detection/yunet-2023mar-640.onnx'))).toBe(false);
  });

  it('nobody listening: NETWORK_ERROR after the retries, keeping the system\'s code (ECONNREFUSED)', async () => {
    const closed = await startModelServer();
    const url = closed.url('/yunet.onnx');
    await closed.close();
    const { manager } = setup({ 'yunet-2023mar': { url, file: YUNET } });
    const error = await failure(manager.pull('yunet-2023mar', FAST));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.message).toMatch(/failed after 3 attempts: .*\(ECONNREFUSED\)\. Is this computer online\? 127\.0\.0\.1 could not be reached/);
  });

  it('plain http to another computer is refused: in the catalog, and as a redirect before any connection', async () => {
    expect(() => setup({ 'yunet-2023mar': { url: 'http://models.example.com/yunet.onnx', file: YUNET } })).toThrow(/sources\[0\]\.url must be/);
    server.serve('/insecure/yunet.onnx', YUNET, { redirect: 'http://models.example.com/yunet.onnx' });
    const { manager } = setup({ 'yunet-2023mar': { url: server.url('/insecure/yunet.onnx'), file: YUNET } });
    const error = await failure(manager.pull('yunet-2023mar', FAST));
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.message).toBe('Refused to download from http://models.example.com/yunet.onnx: only https:// URLs are allowed (plain http only to this computer)');
  });

  it.each([
    ['a Content-Length above the catalog size', {}],
    ['more streamed bytes than the catalog allows (no Content-Length)', { noLength: true }],
  ])('TOO_LARGE for %s', async (_what, behaviour) => {
    const p = `/large/${counter}.onnx`;
    const yunet = fs.readFileSync(YUNET);
    server.serve(p, yunet, { ...behaviour, body: Buffer.concat([yunet, yunet]) });
    const { dir, manager } = setup({ 'yunet-2023mar': { url: server.url(p), file: YUNET, sha256: null, sizeExact: false } });
    const error = await failure(manager.pull('yunet-2023mar', FAST));
    expect(error.code).toBe('TOO_LARGE');
    expect(error.message).toMatch(/catalog allows/);
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('installed models', () => {
  it('verify finds a byte changed after install; remove deletes the file and its record', async () => {
    server.serve('/verify/yunet.onnx', YUNET);
    const { dir, manager } = setup({ 'yunet-2023mar': { url: server.url('/verify/yunet.onnx'), file: YUNET } });
    const { record } = await manager.pull('yunet-2023mar', FAST);
    expect(await manager.verify('yunet-2023mar')).toEqual([expect.objectContaining({ state: 'ok', basis: 'published' })]);
    const file = at(dir, record.file);
    const bytes = fs.readFileSync(file);
    bytes[1000] ^= 1;
    fs.writeFileSync(file, bytes);
    const [v] = await manager.verify();
    expect(v).toMatchObject({ id: 'yunet-2023mar', state: 'mismatch', sha256: sha256Of(bytes), expected: record.sha256 });
    expect(await manager.remove('yunet-2023mar')).toEqual([record.file, `${record.file}.json`]);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(`${file}.json`)).toBe(false);
    expect((await manager.list()).find((m) => m.id === 'yunet-2023mar')?.file).toBeUndefined();
  });
});

describe('cancel and resume', () => {
  it('an aborted download keeps its .part; the next pull resumes from it', async () => {
    const size = fs.statSync(ANIME).size;
    server.serve('/abort/anime.onnx', ANIME, { throttle: SLOW });
    const { dir, manager } = setup({ 'realesr-animevideov3-x4': { url: server.url('/abort/anime.onnx'), file: ANIME } });
    const controller = new AbortController();
    const onProgress = (e: ProgressEvent): void => {
      if (e.done > size / 3) controller.abort();
    };
    const error = await failure(manager.pull('realesr-animevideov3-x4', { ...FAST, signal: controller.signal, onProgress }));
    expect(isAbortError(error)).toBe(true);
    expect(error.code).toBe('ABORTED');
    const final = at(dir, 'upscale/realesr-animevideov3-x4.onnx');
    expect(fs.existsSync(final)).toBe(false);
    const kept = fs.statSync(`${final}.part`).size;
    expect(kept).toBeGreaterThan(size / 3);
    expect(kept).toBeLessThan(size);
    expect((await manager.status('realesr-animevideov3-x4')).partial).toBe(kept);

    server.serve('/abort/anime.onnx', ANIME); // full speed now
    server.reset();
    const r = await manager.pull('realesr-animevideov3-x4', FAST);
    expect(requestsTo('/abort/anime.onnx').map((q) => q.range)).toEqual([`bytes=${kept}-`]);
    expect(server.bytesSent('/abort/anime.onnx')).toBe(size - kept);
    expect(sha256Of(fs.readFileSync(final))).toBe(r.record.sha256);
    expect(r.record.sha256).toBe(sha256Of(fs.readFileSync(ANIME)));
    expect(fs.existsSync(`${final}.part`)).toBe(false);
  });

  it('the speed of a resumed download counts only the bytes this transfer brought', async () => {
    // A clock that moves 1 s per reading, so speeds are bytes per reading: the 1 MB already on disk must not count.
    const kept = 1024 * 1024;
    const whole = fs.readFileSync(ANIME);
    server.serve('/speed/anime.onnx', ANIME);
    const { dir, catalogFile } = setup({ 'realesr-animevideov3-x4': { url: server.url('/speed/anime.onnx'), file: ANIME } });
    fs.mkdirSync(path.join(dir, 'upscale'), { recursive: true });
    fs.writeFileSync(at(dir, 'upscale/realesr-animevideov3-x4.onnx.part'), whole.subarray(0, kept));
    fs.writeFileSync(at(dir, 'upscale/realesr-animevideov3-x4.onnx.part.json'), JSON.stringify({ url: server.url('/speed/anime.onnx'), total: whole.length }));
    const host = createNodeModelHost({ root: dir });
    let t = 0;
    const manager = createModelManager({ catalog: loadTestCatalog(catalogFile), host: { ...host, clock: { ...host.clock, now: () => (t += 1000) } } });
    const rates: number[] = [];
    await manager.pull('realesr-animevideov3-x4', { ...FAST, onProgress: (e) => (e.rate !== undefined ? rates.push(e.rate) : undefined) });
    expect(requestsTo('/speed/anime.onnx').map((q) => q.range)).toEqual([`bytes=${kept}-`]);
    expect(rates.length).toBeGreaterThan(0);
    expect(Math.max(...rates)).toBeLessThan(kept / 2);
  });

  it('a full disk: DISK_FULL saying so, keeping the cause', async () => {
    // The .part is a link to /dev/full, where every write fails with ENOSPC. The manager deletes a stale .part
    // before a fresh download, so the store keeps this one in place.
    server.serve('/full/x4.onnx', X4);
    const keepPart = (store: ModelStore): ModelStore => ({ ...store, remove: (p) => (p.endsWith('.part') ? Promise.resolve() : store.remove(p)) });
    const { dir, manager } = setup({ 'realesr-general-x4v3': { url: server.url('/full/x4.onnx'), file: X4 } }, keepPart);
    fs.mkdirSync(path.join(dir, 'upscale'), { recursive: true });
    fs.symlinkSync('/dev/full', at(dir, 'upscale/realesr-general-x4v3.onnx.part'));
    const error = await failure(manager.pull('realesr-general-x4v3', FAST));
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toContain(`The disk holding ${dir} is full`);
    expect(((error.cause as RestoreError).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(fs.existsSync(at(dir, 'upscale/realesr-general-x4v3.onnx'))).toBe(false);
  });

  it('the Node store reports ENOSPC as DISK_FULL on write', async () => {
    const dir = path.join(tmp, 'full-store');
    fs.mkdirSync(dir);
    fs.symlinkSync('/dev/full', path.join(dir, 'x.part'));
    const writer = await createNodeModelStore(dir).open('x.part', { append: false });
    const error = await failure(writer.write(new Uint8Array(4096)));
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toMatch(/disk is full \(ENOSPC\)/);
    await writer.close();
  });
});

describe('one download per model', () => {
  it('two pulls at once in one process share one download', async () => {
    server.serve('/twice/anime.onnx', ANIME, { throttle: SLOW });
    const { manager } = setup({ 'realesr-animevideov3-x4': { url: server.url('/twice/anime.onnx'), file: ANIME } });
    const [a, b] = await Promise.all([manager.pull('realesr-animevideov3-x4', FAST), manager.pull('realesr-animevideov3-x4', FAST)]);
    expect(a).toEqual(b);
    expect(requestsTo('/twice/anime.onnx')).toHaveLength(1);
  });

  it('a second pull joins the running one: it sees the progress, and its cancel detaches only itself', async () => {
    server.serve('/join/anime.onnx', ANIME, { throttle: SLOW });
    const { manager } = setup({ 'realesr-animevideov3-x4': { url: server.url('/join/anime.onnx'), file: ANIME } });
    const first = manager.pull('realesr-animevideov3-x4', FAST);
    const joined: ProgressEvent[] = [];
    const second = manager.pull('realesr-animevideov3-x4', { ...FAST, onProgress: (e) => joined.push(e) });
    const controller = new AbortController();
    const third = manager.pull('realesr-animevideov3-x4', { ...FAST, signal: controller.signal });
    controller.abort();
    expect(isAbortError(await third.then(() => undefined, (e: unknown) => e))).toBe(true);
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe('downloaded');
    expect(b).toEqual(a);
    expect(joined.length).toBeGreaterThan(1);
    expect(joined[joined.length - 1]).toMatchObject({ stage: 'download', fraction: 1, done: fs.statSync(ANIME).size });
    expect(requestsTo('/join/anime.onnx')).toHaveLength(1);
  });

  it('a published model already put there by hand (a publisher\'s file name) is adopted, not downloaded again', async () => {
    server.serve('/byhand/yunet.onnx', YUNET);
    const { dir, manager } = setup({ 'yunet-2023mar': { url: server.url('/byhand/yunet.onnx'), file: YUNET } });
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(YUNET, path.join(dir, 'face_detection_yunet_2023mar.onnx'));
    const r = await manager.pull('yunet-2023mar', FAST);
    expect(r).toMatchObject({ status: 'present', record: { file: 'face_detection_yunet_2023mar.onnx', trust: 'published' } });
    expect(requestsTo('/byhand/yunet.onnx')).toHaveLength(0);
    // A damaged hand-placed copy is not adopted: the published file is downloaded to the catalog path.
    const other = setup({ 'yunet-2023mar': { url: server.url('/byhand/yunet.onnx'), file: YUNET } });
    fs.mkdirSync(other.dir, { recursive: true });
    const damaged = fs.readFileSync(YUNET);
    damaged[1000] ^= 0xff;
    fs.writeFileSync(path.join(other.dir, 'face_detection_yunet_2023mar.onnx'), damaged);
    expect(await other.manager.pull('yunet-2023mar', FAST)).toMatchObject({ status: 'downloaded', record: { file: 'detection/yunet-2023mar-640.onnx' } });
    expect(requestsTo('/byhand/yunet.onnx')).toHaveLength(1);
  });

  it('two managers on one folder: the second waits for the lock and finds the model installed', async () => {
    // The body is held back until one of them says it waits: the download is surely in progress meanwhile.
    let open = (): void => undefined;
    server.serve('/two-managers/anime.onnx', ANIME, { gate: new Promise<void>((resolve) => (open = resolve)) });
    const first = setup({ 'realesr-animevideov3-x4': { url: server.url('/two-managers/anime.onnx'), file: ANIME } });
    const waits: string[] = [];
    const other = createModelManager({
      catalog: first.manager.catalog,
      host: createNodeModelHost({ root: first.dir, warn: (code, message) => waits.push(`${code}: ${message}`) }),
    });
    const watch = setInterval(() => (waits.length + first.warnings.length > 0 ? open() : undefined), 20);
    const [a, b] = await Promise.all([first.manager.pull('realesr-animevideov3-x4'), other.pull('realesr-animevideov3-x4')])
      .finally(() => clearInterval(watch));
    expect([a.status, b.status].sort()).toEqual(['downloaded', 'present']);
    expect(requestsTo('/two-managers/anime.onnx')).toHaveLength(1);
    expect(waits.length + first.warnings.length).toBe(1);
    expect([...waits, ...first.warnings.map(([c, m]) => `${c}: ${m}`)][0]).toMatch(/^DOWNLOAD_WAIT: .* is being downloaded by process \d+/);
  });

  it('two `facerestore models pull` processes: one transfer of the body, both exit 0', async () => {
    const cli = path.join(ROOT, 'build', 'host', 'node', 'cli.js');
    if (!fs.existsSync(cli)) throw new Error('build/ is missing: run `npm run build` (npm test does it first)');
    // The body is held back until one process says it waits for the other.
    let open = (): void => undefined;
    server.serve('/processes/anime.onnx', ANIME, { gate: new Promise<void>((resolve) => (open = resolve)) });
    const { dir, catalogFile } = setup({ 'realesr-animevideov3-x4': { url: server.url('/processes/anime.onnx'), file: ANIME } });
    const pull = () => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'facerestore.js'), 'models', 'pull', 'realesr-animevideov3-x4', '--models-dir', dir],
        { env: { ...process.env, FACERESTORE_CATALOG: catalogFile } });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.includes('waiting for it to finish')) open();
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    const runs = await Promise.all([pull(), pull()]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const full = requestsTo('/processes/anime.onnx').filter((q) => q.range === undefined);
    expect(full).toHaveLength(1);
    expect(server.bytesSent('/processes/anime.onnx')).toBe(fs.statSync(ANIME).size);
    const outs = runs.map((r) => r.stdout).sort();
    expect(outs[0]).toMatch(/^Downloaded Real-ESRGAN anime video v3 x4/);
    expect(outs[1]).toMatch(/^Real-ESRGAN anime video v3 x4 is already installed/);
    expect(runs.map((r) => r.stderr).join('')).toMatch(/is being downloaded by process \d+; waiting for it to finish/);
    expect(sha256Of(fs.readFileSync(at(dir, 'upscale/realesr-animevideov3-x4.onnx')))).toBe(sha256Of(fs.readFileSync(ANIME)));
  });
});

describe('the lock file', () => {
  const deadPid = (): Promise<number> => new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('exit', () => resolve(child.pid as number));
  });

  it('a lock left by a process that died is taken over', async () => {
    const file = path.join(tmp, 'locks', 'dead.onnx.lock');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ pid: await deadPid(), host: os.hostname(), at: new Date().toISOString() }));
    const waits: string[] = [];
    const release = await acquireFileLock(file, { onWait: (h) => waits.push(h) });
    expect(waits).toEqual([]);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a lock held by a live process is waited for, once announced, until the signal fires', async () => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const file = path.join(tmp, 'locks', 'live.onnx.lock');
      fs.writeFileSync(file, JSON.stringify({ pid: holder.pid, host: os.hostname(), at: new Date().toISOString() }));
      const waits: string[] = [];
      const controller = new AbortController();
      const taking = acquireFileLock(file, { signal: controller.signal, onWait: (h) => { waits.push(h); setTimeout(() => controller.abort(), 500); } });
      const error = await failure(taking);
      expect(isAbortError(error)).toBe(true);
      expect(waits).toEqual([`process ${holder.pid}`]);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).pid).toBe(holder.pid);
    } finally {
      holder.kill();
    }
  });

  it('a lock not refreshed for over an hour is taken over, whoever holds it', async () => {
    const file = path.join(tmp, 'locks', 'old.onnx.lock');
    fs.writeFileSync(file, JSON.stringify({ pid: 1, host: 'another-computer', at: '2020-01-01T00:00:00.000Z' }));
    const old = new Date(Date.now() - 2 * 3600 * 1000);
    fs.utimesSync(file, old, old);
    const release = await acquireFileLock(file);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).host).toBe(os.hostname());
    await release();
  });
});
