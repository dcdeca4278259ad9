/**
 * The web page's host in real Chromium: image files decoded by the browser against Node's decode (sharp), PNG
 * encoding, the OPFS model store, Web Locks between two tabs, and the model manager importing and downloading YuNet
 * into OPFS and finding it again after a reload. The code runs as the page ships it: bundled by webpack
 * (test/fixtures/browser-host-entry.ts), served over http://127.0.0.1 (a secure context, as OPFS and locks need).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { buildBundle } from './helpers/webpack-build';
import { startDemoServer, type DemoServer } from '../scripts/demo-server';
import { readImage } from '../src/host/node/image-io';
import type { WireError, WireImage } from './fixtures/browser-host-entry';
import { collectPageErrors, launchChromium } from './helpers/browser';
import { sharedImage, sharedModel } from './helpers/shared';

type Settled<T> = { ok: T } | { error: WireError };

const PNG_PHOTO = 'codeformer_whole_06.png';
const JPEG_PHOTO = 'gfpgan_whole_00.jpg';
const YUNET_FILE = 'detection/yunet-2023mar-640.onnx';

let workDir = '';
let site = '';
let server: DemoServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Uncaught exceptions and console errors of every page opened. */
const pageErrors: string[][] = [];

function ok<T>(result: Settled<T>): T {
  if ('error' in result) throw new Error(`The page failed: ${result.error.name} ${result.error.code ?? ''}: ${result.error.message}`);
  return result.ok;
}

function failure<T>(result: Settled<T>): WireError {
  if (!('error' in result)) throw new Error('The page succeeded where it should have failed');
  return result.error;
}

const bytesOf = (image: WireImage): Buffer => Buffer.from(image.base64, 'base64');

/** Largest and mean absolute difference of two sample arrays, and the share of samples that differ. */
function difference(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number; share: number } {
  let max = 0, sum = 0, differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    sum += d;
    if (d > 0) differing++;
  }
  return { max, mean: sum / a.length, share: differing / a.length };
}

const decodeInPage = (p: Page, name: string): Promise<Settled<WireImage>> =>
  p.evaluate(({ name }) => window.frTest.decodeUrl(name, name), { name });

/** Background work in a page (test/fixtures/browser-host-entry.ts `background`): start, look, wait, release. */
const lockIn = (p: Page, name: string) => p.evaluate((n) => window.frTest.lockInBackground(n), name);
const stateIn = (p: Page, name: string) => p.evaluate((n) => window.frTest.background.get(n), name);
/** Waits (no time limit of ours) until the background work `name` has been told to wait, or has finished. */
const until = (p: Page, name: string, what: 'waitedFor' | 'done') =>
  p.waitForFunction(([n, w]) => Boolean(window.frTest.background.get(n)?.[w]), [name, what] as const);
const release = (p: Page, name: string) => p.evaluate((n) => window.frTest.releases.get(n)?.(), name);

async function openPage(): Promise<Page> {
  const p = await context.newPage();
  pageErrors.push(collectPageErrors(p));
  await p.goto(server.url);
  await p.waitForFunction(() => 'frTest' in window);
  return p;
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-browser-'));
  site = path.join(workDir, 'site');
  await buildBundle({
    mode: 'development', target: 'web', devtool: false,
    entry: path.join(__dirname, 'fixtures', 'browser-host-entry.ts'),
    output: { path: site, filename: 'bundle.js' },
    resolve: { extensions: ['.ts', '.js'], fallback: {} },
    // Types are checked by `tsc -p tsconfig.web.json`; here only the bundle matters.
    module: { rules: [{ test: /\.ts$/, loader: 'ts-loader', options: { configFile: path.resolve(__dirname, '..', 'tsconfig.web.json'), transpileOnly: true } }] },
    optimization: { minimize: false },
  });
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><meta charset="utf-8"><title>browser host test</title><link rel="icon" href="data:,"><script src="bundle.js"></script>\n');
  // The served files live in the temporary folder only: no photo, model or derivative enters the project.
  fs.copyFileSync(sharedImage(PNG_PHOTO), path.join(site, PNG_PHOTO));
  fs.copyFileSync(sharedImage(JPEG_PHOTO), path.join(site, JPEG_PHOTO));
  fs.copyFileSync(sharedModel(YUNET_FILE), path.join(site, 'yunet.onnx'));
  const jpeg = fs.readFileSync(sharedImage(JPEG_PHOTO));
  fs.writeFileSync(path.join(site, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.4)));
  fs.writeFileSync(path.join(site, 'notes.txt'), 'These are notes, not a photo.\n');
  fs.writeFileSync(path.join(site, 'scan.jpg'), '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n');
  server = await startDemoServer({ root: site, port: 0, isolated: true });
  browser = await launchChromium();
  context = await browser.newContext();
  page = await openPage();
}, 240000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('decodeImageFile in Chromium', () => {
  it('decodes the PNG photo bit-identically to Node (sharp), as RGB since every pixel is opaque', async () => {
    const node = (await readImage(sharedImage(PNG_PHOTO))).image;
    const web = ok(await decodeInPage(page, PNG_PHOTO));
    expect(node.channels).toBe(4);
    expect(node.data.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    expect(web).toMatchObject({ width: node.width, height: node.height, channels: 3, maxValue: 255, type: 'Uint8Array' });
    expect(bytesOf(web).equals(Buffer.from(node.data.filter((_, i) => i % 4 !== 3)))).toBe(true);
  });

  it('decodes the JPEG photo at its size, within a few levels of Node (decoders may round the IDCT differently)', async () => {
    const node = (await readImage(sharedImage(JPEG_PHOTO))).image;
    const web = ok(await decodeInPage(page, JPEG_PHOTO));
    expect(web).toMatchObject({ width: node.width, height: node.height, channels: 3, maxValue: 255, type: 'Uint8Array' });
    const { max, mean, share } = difference(bytesOf(web), node.data);
    process.stdout.write(`[browser-host] ${JPEG_PHOTO}: Chromium vs sharp max difference ${max}, mean ${mean.toFixed(4)}, `
      + `${(100 * share).toFixed(2)}% of samples differ\n`);
    expect(max).toBeLessThanOrEqual(8);
    expect(mean).toBeLessThan(1);
  });

  it('refuses what is not a JPEG, PNG or WebP, saying what it looks like', async () => {
    expect(failure(await decodeInPage(page, 'notes.txt'))).toEqual({
      name: 'RestoreError', code: 'DECODE_FAILED',
      message: 'notes.txt is not a JPEG, PNG or WebP image (it starts like text). Open a photo in one of those formats.',
    });
    expect(failure(await decodeInPage(page, 'scan.jpg'))).toMatchObject({
      code: 'DECODE_FAILED', message: 'scan.jpg is not a JPEG, PNG or WebP image (it starts like a PDF document). Open a photo in one of those formats.',
    });
  });

  it('reports a truncated JPEG as DECODE_FAILED with the browser\'s reason', async () => {
    const error = failure(await decodeInPage(page, 'truncated.jpg'));
    expect(error.code).toBe('DECODE_FAILED');
    expect(error.message).toMatch(
      /^truncated\.jpg looks like a JPEG image but could not be decoded: it is damaged or incomplete \(the browser says: .+\)\. Export or download it again\.$/,
    );
    process.stdout.write(`[browser-host] truncated JPEG: ${error.message}\n`);
  });

  it('keeps four channels and the exact alpha of a PNG with real transparency', async () => {
    const width = 64, height = 48;
    const rgba = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const d = (y * width + x) * 4;
        rgba.set([(x * 4) & 255, (y * 5) & 255, (x * 3 + y * 7) & 255, (x * 7 + y * 13) % 256], d);
      }
    }
    fs.writeFileSync(path.join(site, 'alpha.png'), await sharp(rgba, { raw: { width, height, channels: 4 } }).png().toBuffer());
    const web = ok(await decodeInPage(page, 'alpha.png'));
    expect(web).toMatchObject({ width, height, channels: 4, maxValue: 255 });
    const data = bytesOf(web);
    let colourOpaque = 0, colourHalf = 0, colourAny = 0, alphaWrong = 0;
    for (let i = 0; i < width * height; i++) {
      const a = rgba[i * 4 + 3];
      if (data[i * 4 + 3] !== a) alphaWrong++;
      for (let c = 0; c < 3; c++) {
        const diff = Math.abs(data[i * 4 + c] - rgba[i * 4 + c]);
        if (a === 255) colourOpaque = Math.max(colourOpaque, diff);
        if (a >= 128) colourHalf = Math.max(colourHalf, diff);
        if (a > 0) colourAny = Math.max(colourAny, diff);
      }
    }
    process.stdout.write(`[browser-host] RGBA PNG colour difference (canvas premultiplication): alpha 255: ${colourOpaque}, `
      + `alpha ≥ 128: ${colourHalf}, alpha ≥ 1: ${colourAny}\n`);
    expect(alphaWrong).toBe(0);
    expect(colourOpaque).toBe(0);
    expect(colourHalf).toBeLessThanOrEqual(1);
  });

  it('turns a JPEG upright by its EXIF orientation, as Node does', async () => {
    const crop = sharp(sharedImage(JPEG_PHOTO)).extract({ left: 0, top: 0, width: 320, height: 200 });
    fs.writeFileSync(path.join(site, 'rotated.jpg'), await crop.jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer());
    const node = (await readImage(path.join(site, 'rotated.jpg'))).image;
    const web = ok(await decodeInPage(page, 'rotated.jpg'));
    expect([node.width, node.height]).toEqual([200, 320]);
    expect(web).toMatchObject({ width: 200, height: 320, channels: 3 });
    expect(difference(bytesOf(web), node.data).max).toBeLessThanOrEqual(8);
  });

  it('decodes a lossless WebP exactly', async () => {
    const crop = sharp(sharedImage(PNG_PHOTO)).removeAlpha().extract({ left: 100, top: 100, width: 200, height: 150 });
    const data = await crop.clone().raw().toBuffer();
    fs.writeFileSync(path.join(site, 'crop.webp'), await crop.webp({ lossless: true }).toBuffer());
    const web = ok(await decodeInPage(page, 'crop.webp'));
    expect(web).toMatchObject({ width: 200, height: 150, channels: 3 });
    expect(bytesOf(web).equals(data)).toBe(true);
  });

  it('refuses an image above the pixel limit from its header, naming the size', async () => {
    // A PNG signature and header declaring 20000×10000 = 200 MP; nothing after it needs to exist.
    const header = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x4e, 0x20, 0, 0, 0x27, 0x10, 8, 6, 0, 0, 0]);
    fs.writeFileSync(path.join(site, 'huge.png'), header);
    expect(failure(await decodeInPage(page, 'huge.png'))).toMatchObject({
      code: 'INVALID_IMAGE', message: 'huge.png is 20000×10000 = 200.0 MP, above the limit of 100.0 MP; reduce it first',
    });
  });
});

describe('encodePng in Chromium', () => {
  it('round-trips an opaque RGB photo exactly (read back by sharp and by the browser)', async () => {
    const photo = ok(await decodeInPage(page, PNG_PHOTO));
    const result = ok(await page.evaluate((image) => window.frTest.encodeRoundTrip(image), photo));
    expect(result.type).toBe('image/png');
    const png = Buffer.from(result.png, 'base64');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: photo.width, height: photo.height });
    const rgb = info.channels === 3 ? data : Buffer.from(data.filter((_, i) => i % 4 !== 3));
    expect(rgb.equals(bytesOf(photo))).toBe(true);
    expect(result.decoded).toEqual(photo);
  });

  it('writes gray as R = G = B, opaque', async () => {
    const gray = Buffer.from(Array.from({ length: 30 * 20 }, (_, i) => (i * 37) % 256));
    const image: WireImage = { width: 30, height: 20, channels: 1, maxValue: 255, type: 'Uint8Array', base64: gray.toString('base64') };
    const result = ok(await page.evaluate((img) => window.frTest.encodeRoundTrip(img), image));
    const { data, info } = await sharp(Buffer.from(result.png, 'base64')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 30, height: 20, channels: 4 });
    const expected = Buffer.from([...gray].flatMap((v) => [v, v, v, 255]));
    expect(data.equals(expected)).toBe(true);
  });
});

describe('the OPFS model store', () => {
  beforeAll(async () => {
    await page.evaluate(async () => {
      await (await navigator.storage.getDirectory()).removeEntry('models', { recursive: true }).catch(() => undefined);
    });
  });

  it('writes, appends, reads from an offset, renames, removes and lists, with folders made as needed', async () => {
    const result = await page.evaluate(() => window.frTest.storeTour());
    const refused = { error: expect.objectContaining({ code: 'HOST_FAILURE', message: expect.stringContaining('must be relative') }) };
    expect(result).toEqual({
      location: `this browser's storage for ${new URL(server.url).origin}`,
      afterAppend: { size: 12, text: 'Hello, world', tail: 'world' }, afterTruncate: 'new', json: '{"v":2}', top: 'at the root',
      missingText: null, missingSize: null /* a folder is no file */, moved: { from: null, to: 'new' }, removed: null,
      listed: { ab: ['file.json'], a: ['b', 'c'], root: ['a', 'top.txt'], none: [] }, refused: new Array(6).fill(refused),
    });
  });

  it('turns a full quota into DISK_FULL saying how to free the site\'s storage', async () => {
    const error = await page.evaluate(() => window.frTest.writeWhenFull('full.part'));
    expect(failure(error)).toMatchObject({
      code: 'DISK_FULL', message: expect.stringMatching(/^This browser's storage for http:\/\/127\.0\.0\.1:\d+ is full: writing full\.part failed\. Free space by removing models/),
    });
  });
});

describe('locks between two tabs of the page', () => {
  let other: Page;
  beforeAll(async () => {
    other = await openPage();
  });
  afterAll(() => other.close());

  const lockQuery = (p: Page) => p.evaluate(async () => {
    const { held = [], pending = [] } = await navigator.locks.query();
    return { held: held.map((l) => l.name).sort(), pending: pending.map((l) => l.name).sort() };
  });

  it('makes the second tab wait, telling it so, until the first releases', async () => {
    await lockIn(page, 'detection/x.onnx');
    await until(page, 'detection/x.onnx', 'done');
    expect(await stateIn(page, 'detection/x.onnx')).toEqual({ done: true, result: { ok: true } }); // free: no onWait
    await lockIn(other, 'detection/x.onnx');
    await until(other, 'detection/x.onnx', 'waitedFor');
    // Both tabs see one holder and one waiter; the second tab has not got it.
    expect(await lockQuery(page)).toEqual({ held: ['facerestore-model:detection/x.onnx'], pending: ['facerestore-model:detection/x.onnx'] });
    expect(await stateIn(other, 'detection/x.onnx')).toEqual({ waitedFor: 'another tab or window of this page', done: false });
    await release(page, 'detection/x.onnx');
    await until(other, 'detection/x.onnx', 'done');
    expect(await stateIn(other, 'detection/x.onnx')).toMatchObject({ done: true, result: { ok: true } });
    await release(other, 'detection/x.onnx');
    expect(await lockQuery(other)).toEqual({ held: [], pending: [] });
  });

  it('stops waiting with ABORTED when the signal fires, and leaves no request behind', async () => {
    await lockIn(page, 'y');
    await until(page, 'y', 'done');
    await lockIn(other, 'y');
    await until(other, 'y', 'waitedFor');
    await other.evaluate(() => window.frTest.abort('y'));
    await until(other, 'y', 'done');
    expect(await stateIn(other, 'y')).toMatchObject({ result: { error: { name: 'AbortError', code: 'ABORTED' } } });
    expect(await lockQuery(page)).toEqual({ held: ['facerestore-model:y'], pending: [] });
    await release(page, 'y');
  });
});

describe('the model manager in the page', () => {
  it('imports YuNet into OPFS, and lists and verifies it after the page is loaded again', async () => {
    const yunet = fs.readFileSync(sharedModel(YUNET_FILE)).toString('base64');
    const imported = await page.evaluate(async (base64) => {
      const t = window.frTest;
      const host = t.createBrowserModelHost();
      const manager = t.createModelManager({ catalog: t.catalog(), host });
      const record = await manager.importModel(t.fromBase64(base64), { as: 'detector', source: 'yunet-2023mar-640.onnx' });
      return { record, files: (await host.store.list('detection')).sort() };
    }, yunet);
    expect(imported.record).toMatchObject({ id: 'yunet-2023mar', file: YUNET_FILE, size: 232589, trust: 'published', source: 'file:yunet-2023mar-640.onnx' });
    expect(imported.files).toEqual(['yunet-2023mar-640.onnx', 'yunet-2023mar-640.onnx.json']);

    await page.reload();
    await page.waitForFunction(() => 'frTest' in window);
    const after = await page.evaluate(async () => {
      const manager = window.frTest.manager();
      const installed = (await manager.list()).filter((m) => m.file).map((m) => ({ id: m.id, file: m.file, size: m.size, trust: m.record?.trust }));
      return { installed, verified: await manager.verify(), resolved: await manager.resolve('yunet-2023mar') };
    });
    expect(after.installed).toEqual([{ id: 'yunet-2023mar', file: YUNET_FILE, size: 232589, trust: 'published' }]);
    expect(after.verified).toEqual([expect.objectContaining({ id: 'yunet-2023mar', state: 'ok', basis: 'published', sha256: imported.record.sha256 })]);
    expect(after.resolved).toBe(YUNET_FILE);
  });

  it('downloads YuNet into OPFS while another tab waits for its lock, which then finds it present', async () => {
    const other = await openPage();
    try {
      const url = `${server.url}yunet.onnx`;
      const removed = await page.evaluate(() => window.frTest.manager().remove('yunet-2023mar'));
      expect(removed).toEqual([YUNET_FILE, `${YUNET_FILE}.json`]);
      // The first tab holds the model's lock, as a download running there would.
      await lockIn(page, YUNET_FILE);
      await until(page, YUNET_FILE, 'done');
      await other.evaluate((u) => window.frTest.pullInBackground('pull', 'yunet-2023mar', u), url);
      await until(other, 'pull', 'waitedFor');
      expect(await stateIn(other, 'pull')).toEqual({
        done: false, waitedFor: 'YuNet 2023mar is being downloaded by another tab or window of this page; waiting for it to finish',
      });
      await release(page, YUNET_FILE);
      await until(other, 'pull', 'done');
      expect((await stateIn(other, 'pull'))?.result).toEqual({ ok: 'downloaded' });
      const again = await page.evaluate(async (u) => {
        const manager = window.frTest.manager(u);
        const pulled = await manager.pull('yunet-2023mar');
        const left = (await window.frTest.createOpfsModelStore().list('detection')).sort();
        return { status: pulled.status, source: pulled.record.source, verify: await manager.verify('yunet-2023mar'), left };
      }, url);
      expect(again).toMatchObject({
        status: 'present', source: url, left: ['yunet-2023mar-640.onnx', 'yunet-2023mar-640.onnx.json'],
        verify: [{ state: 'ok', sha256: '8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4' }],
      });
    } finally {
      await other.close();
    }
  });
});

it('left no uncaught exception or console error in any page', () => {
  expect(pageErrors.flat()).toEqual([]);
});
