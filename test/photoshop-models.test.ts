/**
 * The panel's Models section against the in-memory Photoshop and a REAL HTTP server on 127.0.0.1, through Node's own
 * fetch injected as the plugin's fetch: the list with each model's state, downloads with progress (and cancel,
 * resume, HTTP errors, checksum mismatches), imports through the file picker (and refusals of wrong files), removal,
 * and what the Restore button says while a model is missing or still downloading. The test catalog is
 * models/catalog.json with a few sources pointing at the server; sizes and SHA-256 come from the shared files now.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseCatalog, type Catalog, type CatalogEntry } from '../src/core/catalog';
import { formatSize } from '../src/host/panel/model-format';
import { createUxpModelStore } from '../src/host/photoshop/uxp-model-store';
import type { FetchLike } from '../src/host/photoshop/uxp-model-host';
import type { PanelModel } from '../ui/panel-controller';
import { createFakeUxp } from './fakes/fake-uxp';
import { loadPhoto, makeHarness, openPhotoAsBackground, type Harness } from './helpers/photoshop-harness';
import { sharedImage, sharedModel } from './helpers/shared';

const ROOT = path.resolve(__dirname, '..');
const YUNET = sharedModel('detection/yunet-2023mar-640.onnx');
const X4V3 = sharedModel('upscale/realesr-general-x4v3.onnx');
const ANIME = sharedModel('upscale/realesr-animevideov3-x4.onnx');
const IDENTITY = sharedModel('restore/identity-512.onnx');
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const BUNDLED = parseCatalog(JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'catalog.json'), 'utf8')));
/** Catalog names, so the expectations follow models/catalog.json. */
const NAME = (id: string): string => BUNDLED.models.find((m) => m.id === id)!.name;
const X4V3_NAME = NAME('realesr-general-x4v3');
const esc = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Route {
  readonly data: Buffer;
  /** Bytes per write and the pause between writes (a slow server). */
  readonly chunk?: number;
  readonly pauseMs?: number;
  /** The body waits for this (headers are sent at once). */
  gate?: Promise<void>;
  readonly status?: number;
  /** Answer 302 to this path. */
  readonly redirect?: string;
}

/** A file server with Range/If-Range support that records every request's Range header. */
async function startServer(): Promise<{ url: (p: string) => string; routes: Map<string, Route>; ranges: Array<string | undefined>; close: () => Promise<void> }> {
  const routes = new Map<string, Route>();
  const ranges: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    ranges.push(req.headers.range);
    if (route?.redirect) {
      res.writeHead(302, { location: route.redirect }).end();
      return;
    }
    if (!route || route.status) {
      res.writeHead(route?.status ?? 404, { 'content-type': 'text/plain' }).end('no');
      return;
    }
    const etag = `"${sha256(route.data).slice(0, 16)}"`;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m && (req.headers['if-range'] === undefined || req.headers['if-range'] === etag) ? Number(m[1]) : 0;
    const headers: http.OutgoingHttpHeaders = { etag, 'content-length': route.data.length - start, 'content-type': 'application/octet-stream' };
    if (m && start > 0) headers['content-range'] = `bytes ${start}-${route.data.length - 1}/${route.data.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    res.flushHeaders();
    void (async () => {
      await route.gate;
      const chunk = route.chunk ?? 64 * 1024;
      for (let at = start; at < route.data.length && !res.destroyed; at += chunk) {
        res.write(route.data.subarray(at, at + chunk));
        if (route.pauseMs) await new Promise((r) => setTimeout(r, route.pauseMs));
      }
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    routes,
    ranges,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

type Server = Awaited<ReturnType<typeof startServer>>;

/**
 * models/catalog.json with these entries downloadable from the server (size and SHA-256 of the served bytes), or
 * pointing at a path it does not serve. parseCatalog takes https sources only while downloads also accept plain http
 * to 127.0.0.1, so the loopback URLs are parsed as https and turned back afterwards.
 */
function testCatalog(server: Server, sources: Record<string, { path: string; file?: string; sha256?: string | null }>): Catalog {
  const json = JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'catalog.json'), 'utf8')) as { models: Array<Record<string, unknown>> };
  for (const [id, s] of Object.entries(sources)) {
    const entry = json.models.find((m) => m.id === id)!;
    const url = server.url(s.path).replace(/^http:/, 'https:');
    if (!s.file) {
      entry.sources = [{ url, format: 'onnx' }];
      continue;
    }
    const data = fs.readFileSync(s.file);
    server.routes.set(s.path, { data });
    Object.assign(entry, { sources: [{ url, format: 'onnx' }], size: data.length, sizeExact: true, sha256: s.sha256 === undefined ? sha256(data) : s.sha256 });
  }
  const parsed = parseCatalog(json);
  const http = (url: string): string => url.replace(/^https:\/\/127\.0\.0\.1:/, 'http://127.0.0.1:');
  return { version: 1, models: parsed.models.map((m) => ({ ...m, sources: m.sources.map((x) => ({ ...x, url: http(x.url) })) }) as CatalogEntry) };
}

const nodeFetch: FetchLike = (url, init) => fetch(url, init);

/** `catalog` with the model `id` downloaded from `urlPath` on the server instead. */
function redirected(catalog: Catalog, id: string, urlPath: string): Catalog {
  return { version: 1, models: catalog.models.map((m) => (m.id === id ? { ...m, sources: [{ url: server.url(urlPath), format: 'onnx' as const }] } : m)) };
}
const row = (h: Harness, id: string): PanelModel => {
  const found = h.controller.state.catalogModels.find((m) => m.id === id);
  if (!found) throw new Error(`no row ${id} in ${h.controller.state.catalogModels.map((m) => m.id).join(', ')}`);
  return found;
};
const modelsDir = (h: Harness): string => path.join(h.dataDir, 'models');
const filesIn = (h: Harness, sub: string): string[] => (fs.existsSync(path.join(modelsDir(h), sub)) ? fs.readdirSync(path.join(modelsDir(h), sub)).sort() : []);

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let server: Server;
let catalog: Catalog;
let picked: string | null = null;
const harnesses: Harness[] = [];

async function harness(modelFiles: readonly string[] = []): Promise<Harness> {
  const h = await makeHarness({
    modelFiles,
    fake: { pickFile: () => picked },
    models: { catalog, fetch: nodeFetch, download: { retries: 0, backoffMs: 10, idleTimeoutMs: 10_000 } },
  });
  harnesses.push(h);
  return h;
}

beforeAll(async () => {
  server = await startServer();
  catalog = testCatalog(server, {
    'yunet-2023mar': { path: '/yunet.onnx', file: YUNET },
    'realesr-general-x4v3': { path: '/x4v3.onnx', file: X4V3 },
    'gfpgan-1.4': { path: '/gfpgan-1.4.onnx', file: IDENTITY },
    'gfpgan-1.2': { path: '/damaged.onnx', file: IDENTITY, sha256: '0'.repeat(64) },
    'gfpgan-1.3': { path: '/moved.onnx' },
    'realesr-animevideov3-x4': { path: '/anime.onnx', file: ANIME },
    'retinaface-mobilenet0.25': { path: '/retinaface.onnx', file: sharedModel('detection/retinaface-mobilenet0.25.onnx'), sha256: null },
  });
});

afterEach(async () => {
  picked = null;
  for (const h of harnesses.splice(0)) await h.controller.dispose();
});

afterAll(() => server.close());

describe('the Models section lists', () => {
  it('every catalog model with its state, size and source, plus files put into the folder by hand', async () => {
    const h = await harness(['restore/identity-512.onnx']);
    const { state } = h.controller;
    expect(state.canDownload).toBe(true);
    const roles = state.catalogModels.map((m) => m.role);
    expect(roles.indexOf('detector')).toBeGreaterThan(roles.lastIndexOf('restorer')); // grouped by role
    expect(roles.indexOf('upsampler')).toBeGreaterThan(roles.lastIndexOf('detector'));
    expect(catalog.models.every((e) => state.catalogModels.some((m) => m.id === e.id))).toBe(true);
    expect(row(h, 'yunet-2023mar')).toMatchObject({ role: 'detector', name: 'YuNet 2023mar', state: 'missing', sizeLabel: formatSize(fs.statSync(YUNET).size), isDownloading: false });
    expect(row(h, 'yunet-2023mar').detail).toBe('From 127.0.0.1 · MIT (OpenCV Zoo)');
    expect(row(h, 'codeformer')).toMatchObject({ state: 'pth-only' });
    expect(row(h, 'codeformer').detail).toMatch(/^Published only as a PyTorch checkpoint FaceRestore cannot convert: import an ONNX export of it · S-Lab License/);
    expect(row(h, 'file:restore/identity-512.onnx')).toMatchObject({ role: 'restorer', name: 'identity-512', state: 'installed', sizeLabel: '143 B', detail: 'Put into the models folder by hand' });
  });
});

describe('Download', () => {
  it('shows progress in the row, installs the file with its record and offers it as the upscaler', async () => {
    const h = await harness();
    server.routes.set('/x4v3.onnx', { data: fs.readFileSync(X4V3), chunk: 256 * 1024, pauseMs: 30 });
    const seen: PanelModel[] = [];
    const unsubscribe = h.controller.subscribe(() => seen.push(row(h, 'realesr-general-x4v3')));
    await h.controller.downloadModel('realesr-general-x4v3');
    unsubscribe();
    const during = seen.filter((m) => m.isDownloading && m.progress);
    expect(during.length).toBeGreaterThan(2);
    const fractions = during.map((m) => m.progress!.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(during.at(-1)!.progress!.label).toMatch(/^\d+\.\d of 4\.6 MB( · \d+\.\d MB\/s)?( · \d+ (s|min) left)?$/);

    expect(row(h, 'realesr-general-x4v3')).toMatchObject({ state: 'installed', isDownloading: false, sizeLabel: '4.6 MB', detail: 'Checksum verified · 127.0.0.1 · BSD-3-Clause (xinntao/Real-ESRGAN)' });
    expect(h.controller.state.status).toEqual({ kind: 'success', text: `${X4V3_NAME} is installed (4.6 MB, checksum verified).` });
    expect(filesIn(h, 'upscale')).toEqual(['realesr-general-x4v3.onnx', 'realesr-general-x4v3.onnx.json']);
    expect(fs.readFileSync(path.join(modelsDir(h), 'upscale', 'realesr-general-x4v3.onnx')).equals(fs.readFileSync(X4V3))).toBe(true);
    const record = JSON.parse(fs.readFileSync(path.join(modelsDir(h), 'upscale', 'realesr-general-x4v3.onnx.json'), 'utf8'));
    expect(record).toMatchObject({ id: 'realesr-general-x4v3', role: 'upsampler', sha256: sha256(fs.readFileSync(X4V3)), trust: 'published', source: server.url('/x4v3.onnx') });
    expect(h.controller.state.upscalers).toEqual([{ id: 'realesr-general-x4v3.onnx', label: X4V3_NAME }]);
    expect(h.controller.state.upscalerId).toBe('realesr-general-x4v3.onnx');
    expect(h.controller.state.phase).toBe('idle');
  });

  it('installs the missing detector, after which Restore works (and refuses while it downloads)', async () => {
    const h = await harness(['restore/identity-512.onnx']);
    expect(h.controller.state.status.text).toMatch(/^The face detector YuNet 2023mar is not installed\. Download it in Models below \(227\.1 KB\), import an \.onnx file, or put one into .*detection\.$/);
    let open!: () => void;
    server.routes.set('/yunet.onnx', { data: fs.readFileSync(YUNET), gate: new Promise<void>((r) => { open = r; }) });
    const doc = openPhotoAsBackground(h.fake, await loadPhoto('gfpgan_whole_00.jpg'));
    const download = h.controller.downloadModel('yunet-2023mar');
    await until('the download to start', () => row(h, 'yunet-2023mar').isDownloading);
    await h.controller.restore();
    expect(h.controller.state.status).toEqual({ kind: 'error', text: 'YuNet 2023mar is still downloading (0%). Restore when it has finished, or cancel the download in Models below.' });
    expect(h.fake.history(doc)).toEqual(['Open']);
    open();
    await download;
    expect(h.controller.state.detectors).toEqual([{ id: 'yunet', label: 'YuNet' }]);
    await h.controller.restore();
    expect(h.controller.state.status.text).toContain('Restored 2 faces into the group “Restored faces (identity-512)”');
  }, 120_000);

  it('Cancel stops a slow download: no final file, the panel idle, and Download resumes with a Range request', async () => {
    const h = await harness();
    const data = fs.readFileSync(X4V3);
    server.routes.set('/x4v3.onnx', { data, chunk: 64 * 1024, pauseMs: 40 });
    const download = h.controller.downloadModel('realesr-general-x4v3');
    await until('some progress', () => (row(h, 'realesr-general-x4v3').progress?.fraction ?? 0) > 0.05);
    h.controller.cancelDownload('realesr-general-x4v3');
    await download;
    const r = row(h, 'realesr-general-x4v3');
    expect(r).toMatchObject({ state: 'partial', isDownloading: false });
    expect(h.controller.state.status.kind).toBe('info');
    expect(h.controller.state.status.text).toMatch(new RegExp(`^Download of ${esc(X4V3_NAME)} cancelled\\. \\d+\\.\\d (KB|MB) are kept: Download resumes from there\\.$`));
    expect(h.controller.state.phase).toBe('idle');
    expect(filesIn(h, 'upscale').filter((f) => !f.includes('.part'))).toEqual([]);
    expect(h.controller.state.upscalers).toEqual([]);

    server.routes.set('/x4v3.onnx', { data });
    server.ranges.length = 0;
    await h.controller.downloadModel('realesr-general-x4v3');
    expect(server.ranges).toHaveLength(1);
    expect(server.ranges[0]).toMatch(/^bytes=[1-9]\d*-$/);
    expect(row(h, 'realesr-general-x4v3').state).toBe('installed');
    expect(fs.readFileSync(path.join(modelsDir(h), 'upscale', 'realesr-general-x4v3.onnx')).equals(data)).toBe(true);
    expect(filesIn(h, 'upscale')).toEqual(['realesr-general-x4v3.onnx', 'realesr-general-x4v3.onnx.json']);
  });

  it('works where fetch gives no body stream (the whole body at once) and follows redirects', async () => {
    // UXP's fetch may not stream bodies (UNVERIFIED): without body.getReader the transport reads arrayBuffer().
    const buffered: FetchLike = async (url, init) => {
      const r = await fetch(url, init);
      return { status: r.status, url: r.url, headers: r.headers, body: null, arrayBuffer: () => r.arrayBuffer() };
    };
    const h = await makeHarness({ modelFiles: [], models: { catalog: redirected(catalog, 'realesr-animevideov3-x4', '/anime-moved.onnx'), fetch: buffered } });
    harnesses.push(h);
    server.routes.set('/anime-moved.onnx', { data: Buffer.alloc(0), redirect: '/anime.onnx' });
    await h.controller.downloadModel('realesr-animevideov3-x4');
    expect(h.controller.state.status.kind).toBe('success');
    expect(row(h, 'realesr-animevideov3-x4').state).toBe('installed');
    const record = JSON.parse(fs.readFileSync(path.join(modelsDir(h), 'upscale', 'realesr-animevideov3-x4.onnx.json'), 'utf8'));
    expect(record.source).toBe(server.url('/anime.onnx')); // the URL the bytes came from, after the redirect
    expect(fs.readFileSync(path.join(modelsDir(h), 'upscale', 'realesr-animevideov3-x4.onnx')).equals(fs.readFileSync(ANIME))).toBe(true);
  });

  it('installs a model whose publisher gives no checksum, recording this download’s (trust on first use)', async () => {
    const h = await harness();
    await h.controller.downloadModel('retinaface-mobilenet0.25');
    expect(h.controller.state.status).toEqual({
      kind: 'success',
      text: `${NAME('retinaface-mobilenet0.25')} is installed (1.6 MB, its publisher gives no checksum; this download’s is recorded for later checks).`,
    });
    expect(row(h, 'retinaface-mobilenet0.25').detail).toMatch(/^From 127\.0\.0\.1 · no published checksum; recorded at download · MIT/);
    expect(h.controller.state.detectors).toEqual([{ id: 'retinaface', label: 'RetinaFace' }]);
  });

  it.each([
    ['an HTTP 404', 'gfpgan-1.3', /^Downloading GFPGAN v1\.3 failed: http:\/\/127\.0\.0\.1:\d+\/moved\.onnx answered HTTP 404: the file is not there/],
    ['a checksum mismatch', 'gfpgan-1.2', /^GFPGAN v1\.2 from http:\/\/127\.0\.0\.1:\d+\/damaged\.onnx has SHA-256 [0-9a-f]{64}, not the published 0{64}.*nothing was installed/],
  ])('%s shows an error and installs nothing', async (_, id, message) => {
    const h = await harness();
    await h.controller.downloadModel(id);
    expect(h.controller.state.status.kind).toBe('error');
    expect(h.controller.state.status.text).toMatch(message);
    expect(row(h, id)).toMatchObject({ state: 'missing', isDownloading: false });
    expect(filesIn(h, 'restore')).toEqual([]);
    expect(h.controller.state.models).toEqual([]);
  });
});

describe('Import .onnx…', () => {
  it('installs a picked restore model and offers it; a publisher-named detector becomes the catalog model', async () => {
    const h = await harness();
    picked = IDENTITY;
    await h.controller.importModel();
    expect(h.controller.state.status).toEqual({ kind: 'success', text: 'Imported identity-512.onnx as the restore model “identity-512”.' });
    expect(h.controller.state.models).toEqual([{ id: 'identity-512.onnx', label: 'identity-512' }]);
    expect(h.controller.state.modelId).toBe('identity-512.onnx');
    expect(row(h, 'identity-512')).toMatchObject({ role: 'restorer', state: 'installed', detail: 'Imported from identity-512.onnx' });
    expect(filesIn(h, 'restore')).toEqual(['identity-512.onnx', 'identity-512.onnx.json']);
    expect(h.controller.state.isImporting).toBe(false);

    picked = YUNET;
    await h.controller.importModel();
    expect(h.controller.state.status.text).toBe('Imported yunet-2023mar-640.onnx as the face detector “YuNet 2023mar”.');
    expect(row(h, 'yunet-2023mar')).toMatchObject({ state: 'installed', detail: 'Checksum verified · imported from yunet-2023mar-640.onnx · MIT (OpenCV Zoo)' });
    expect(h.controller.state.detectors).toEqual([{ id: 'yunet', label: 'YuNet' }]);
  });

  it('a file named as a catalog restore model is installed as that model, under its catalog name, with a warning if it differs', async () => {
    const h = await harness(['detection/yunet-2023mar-640.onnx']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fr-pick-'));
    picked = path.join(dir, 'GFPGANv1.4.onnx'); // a publisher's name for GFPGAN v1.4, holding other bytes
    fs.copyFileSync(sharedModel('restore/unsharp-512.onnx'), picked);
    await h.controller.importModel();
    expect(h.controller.state.status.kind).toBe('success');
    expect(h.controller.state.status.text).toMatch(
      /^Imported GFPGANv1\.4\.onnx as the restore model “GFPGAN v1\.4”\. GFPGANv1\.4\.onnx is not the published GFPGAN v1\.4 file \(its SHA-256 differs\)/,
    );
    expect(row(h, 'gfpgan-1.4')).toMatchObject({ state: 'installed' });
    expect(row(h, 'gfpgan-1.4').detail).toMatch(/^Imported from GFPGANv1\.4\.onnx · Apache-2\.0/);
    expect(h.controller.state.models).toEqual([{ id: 'gfpgan-v1.4.onnx', label: 'GFPGAN v1.4' }]);
    expect(filesIn(h, 'restore')).toEqual(['gfpgan-v1.4.onnx', 'gfpgan-v1.4.onnx.json']);
    // The catalog descriptor goes to the engine: the restore runs and names the group after the catalog model.
    const doc = openPhotoAsBackground(h.fake, await loadPhoto('gfpgan_whole_00.jpg'));
    await h.controller.restore();
    expect(h.controller.state.status.text).toContain('into the group “Restored faces (GFPGAN v1.4)”');
    expect(h.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
  }, 120_000);

  it.each([
    ['a JPEG', () => sharedImage('facexlib_test.jpg'), 'Not imported: facexlib_test.jpg cannot be used: it does not start like an ONNX model (first bytes ff d8 ff e1). Choose an .onnx restore model, face detector or upscaler.'],
    ['a truncated model', () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fr-pick-')), 'half.onnx');
      const bytes = fs.readFileSync(YUNET);
      fs.writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
      return file;
    }, /^Not imported: half\.onnx cannot be used: it ends in the middle of the model \(\d+ bytes\): an incomplete download or copy\./],
  ])('refuses %s saying what was expected and found, installing nothing', async (_, file, message) => {
    const h = await harness();
    picked = file();
    await h.controller.importModel();
    expect(h.controller.state.status.kind).toBe('error');
    if (typeof message === 'string') expect(h.controller.state.status.text).toBe(message);
    else expect(h.controller.state.status.text).toMatch(message);
    for (const sub of ['restore', 'detection', 'upscale']) expect(filesIn(h, sub)).toEqual([]);
    expect(h.controller.state.isImporting).toBe(false);
  });

  it('says nothing was imported when the picker is cancelled', async () => {
    const h = await harness();
    await h.controller.importModel();
    expect(h.controller.state.status).toEqual({ kind: 'info', text: 'Nothing imported: no file was chosen.' });
  });
});

describe('Remove', () => {
  it('deletes an installed model and its record, and takes it out of the choices', async () => {
    const h = await harness(['detection/yunet-2023mar-640.onnx', 'restore/unsharp-512.onnx']);
    picked = IDENTITY;
    await h.controller.importModel();
    await h.controller.downloadModel('gfpgan-1.4');
    expect(h.controller.state.models.map((m) => m.id)).toEqual(['gfpgan-v1.4.onnx', 'identity-512.onnx', 'unsharp-512.onnx']);
    expect(h.controller.state.modelId).toBe('unsharp-512.onnx'); // the user's choice stays while its file is there
    h.controller.setModel('gfpgan-v1.4.onnx');

    await h.controller.removeModel('gfpgan-1.4');
    expect(h.controller.state.status).toEqual({ kind: 'info', text: `GFPGAN v1.4 was removed from ${modelsDir(h)}.` });
    expect(filesIn(h, 'restore')).toEqual(['identity-512.onnx', 'identity-512.onnx.json', 'unsharp-512.onnx']);
    expect(h.controller.state.models.map((m) => m.id)).toEqual(['identity-512.onnx', 'unsharp-512.onnx']);
    expect(h.controller.state.modelId).toBe('identity-512.onnx');
    expect(row(h, 'gfpgan-1.4').state).toBe('missing');

    await h.controller.removeModel('file:restore/unsharp-512.onnx'); // a file put there by hand
    expect(h.controller.state.status.text).toBe(`unsharp-512 was removed from ${modelsDir(h)}.`);
    expect(h.controller.state.models.map((m) => m.id)).toEqual(['identity-512.onnx']);
    await h.controller.removeModel('yunet-2023mar'); // found under a catalog name, without an install record
    expect(filesIn(h, 'detection')).toEqual([]);
    expect(fs.existsSync(YUNET)).toBe(true); // the shared file behind the link is untouched
    expect(h.controller.state.detectors.map((d) => d.id)).toEqual(['yunet', 'retinaface', 'scrfd']); // placeholders
    await h.controller.restore();
    expect(h.controller.state.status.text).toMatch(/^The face detector YuNet 2023mar is not installed\./);
  });
});

describe('Restore with no models installed', () => {
  it('says exactly which models are missing and how to get them (bundled catalog)', async () => {
    const h = await makeHarness({ modelFiles: [], models: { fetch: nodeFetch } });
    harnesses.push(h);
    const doc = openPhotoAsBackground(h.fake, await loadPhoto('facexlib_test.jpg'));
    await h.controller.restore();
    expect(h.controller.state.status).toEqual({
      kind: 'error',
      text: `GFPGAN v1.4 and the face detector YuNet 2023mar are not installed. Download them in Models below (${formatSize(BUNDLED.models.find((m) => m.id === 'gfpgan-1.4')!.size!)} and ${formatSize(fs.statSync(YUNET).size)}), import .onnx files, or put them into ${path.join(h.dataDir, 'models', 'restore')} and ${path.join(h.dataDir, 'models', 'detection')}.`,
    });
    // A panel that cannot download does not advise it.
    const offline = await makeHarness({ modelFiles: [] });
    harnesses.push(offline);
    openPhotoAsBackground(offline.fake, await loadPhoto('facexlib_test.jpg'));
    await offline.controller.restore();
    expect(offline.controller.state.status.text).toBe(`GFPGAN v1.4 and the face detector YuNet 2023mar are not installed. Import .onnx files in Models below, or put them into ${path.join(offline.dataDir, 'models', 'restore')} and ${path.join(offline.dataDir, 'models', 'detection')}.`);
    expect(h.fake.history(doc)).toEqual(['Open']);
    expect(h.fake.modalCalls).toHaveLength(0);
    // Without an injected fetch the panel cannot download: the rows say so.
    expect(offline.controller.state.canDownload).toBe(false);
    expect(offline.controller.state.catalogModels.find((m) => m.id === 'gfpgan-1.4')!.detail).toMatch(/^Downloads are unavailable here: import an \.onnx file/);
  });
});

describe('the UXP model store', () => {
  it('writes, appends, reads in chunks from an offset, renames over, lists, removes and closes every file', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fr-store-'));
    const fake = createFakeUxp({ dataDir });
    const store = createUxpModelStore({ fs: fake.fs, location: path.join(dataDir, 'models') });
    const w = await store.open('restore/a.onnx.part', { append: false });
    await w.write(Uint8Array.from([1, 2, 3]));
    await w.write(new Uint8Array([9, 4, 5, 9]).subarray(1, 3)); // a view into a larger buffer
    await w.close();
    await w.close();
    const a = await store.open('restore/a.onnx.part', { append: true });
    await a.write(Uint8Array.from([6]));
    await a.close();
    expect(await store.size('restore/a.onnx.part')).toBe(6);
    const chunks: number[] = [];
    for await (const c of store.read('restore/a.onnx.part', 2)) chunks.push(...c);
    expect(chunks).toEqual([3, 4, 5, 6]);
    await store.writeText('restore/a.onnx.json', 'first “é”');
    await store.writeText('restore/a.onnx.json', 'second “é” 😀');
    expect(await store.readText('restore/a.onnx.json')).toBe('second “é” 😀');
    await store.rename('restore/a.onnx.part', 'restore/a.onnx');
    expect((await store.list('restore')).sort()).toEqual(['a.onnx', 'a.onnx.json']);
    await store.remove('restore/a.onnx');
    await store.remove('restore/a.onnx'); // already gone: no error
    expect(await store.size('restore/a.onnx')).toBeUndefined();
    expect(await store.list('nowhere')).toEqual([]);
    expect(await store.readText('nowhere.json')).toBeUndefined();
    expect(fake.openFileCount()).toBe(0);
  });

  it('serialises holders of one lock and gives up a wait when cancelled', async () => {
    const fake = createFakeUxp();
    const store = createUxpModelStore({ fs: fake.fs, location: '/x' });
    const order: string[] = [];
    const release1 = await store.lock('m', {});
    const waits: string[] = [];
    const second = store.lock('m', { onWait: (holder) => waits.push(holder) }).then((release) => {
      order.push('second');
      return release;
    });
    const listeners: Array<() => void> = [];
    const signal = { aborted: false, addEventListener: (_: 'abort', l: () => void) => listeners.push(l), removeEventListener: () => undefined };
    const third = store.lock('m', { signal });
    signal.aborted = true;
    listeners.forEach((l) => l());
    await expect(third).rejects.toMatchObject({ name: 'AbortError' });
    order.push('first done');
    await release1();
    await (await second)();
    expect(order).toEqual(['first done', 'second']);
    expect(waits).toEqual(['another download in this panel']);
    await (await store.lock('m', {}))(); // free again
  });
});

describe('manifest.json', () => {
  it('lets the plugin reach every host of the catalog’s ONNX sources, and use the file picker', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')) as { requiredPermissions: { localFileSystem: string; network: { domains: string[] } } };
    const domains = manifest.requiredPermissions.network.domains.map((d) => /^https:\/\/([^/]+)$/.exec(d)?.[1]);
    const bundled = parseCatalog(JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'catalog.json'), 'utf8')));
    const hosts = bundled.models.flatMap((m) => m.sources.filter((s) => s.format === 'onnx').map((s) => /^https:\/\/([^/:]+)/.exec(s.url)![1]));
    expect(hosts.length).toBeGreaterThan(0);
    for (const host of hosts) expect(domains).toContain(host);
    // GitHub answers release and raw URLs with redirects to these hosts; fetch follows them, so they need permission too.
    for (const host of ['objects.githubusercontent.com', 'release-assets.githubusercontent.com', 'raw.githubusercontent.com', 'media.githubusercontent.com']) {
      expect(domains).toContain(host);
    }
    expect(manifest.requiredPermissions.localFileSystem).toBe('request');
  });
});
