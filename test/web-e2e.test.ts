/**
 * The web page end to end in Debian's Chromium: the built page (dist/web, `npm run build`) served by the demo server
 * with and without cross-origin isolation, driven through its own controls as a user would — models imported with the
 * file chooser, a shared photo opened, Restore, the strength slider, Save, Cancel — and the saved PNGs checked pixel
 * by pixel against the photo decoded in Node.
 */
import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer } from '../scripts/demo-server';
import { readImage } from '../src/host/node/image-io';
import { artifactsDir, collectPageErrors, launchChromium } from './helpers/browser';
import { EXPECTED_FACES, sharedImage, sharedModel, sharedModelsDir } from './helpers/shared';

const WEB_ROOT = path.resolve(__dirname, '..', 'dist', 'web');
const PHOTO = 'codeformer_whole_06.png';
const RUN_TIMEOUT = 240_000;

interface Rgba { width: number; height: number; data: Buffer }

/** A PNG the page saved (no colour profile), as RGBA. */
async function decodeRgba(bytes: Buffer): Promise<Rgba> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** The shared photo as the CLI reads it (stored values, its colour profile not applied, as the page reads it), as RGBA. */
async function readPhotoRgba(file: string): Promise<Rgba> {
  const { image } = await readImage(file);
  const { width, height, channels } = image;
  const data = Buffer.alloc(width * height * 4, 255);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = image.data[p * channels + (channels >= 3 ? c : 0)];
    if (channels === 4 || channels === 2) data[p * 4 + 3] = image.data[p * channels + channels - 1];
  }
  return { width, height, data };
}

interface Served { url: string; close(): Promise<void> }

async function serve(isolated: boolean, modelsDir?: string): Promise<Served> {
  if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) throw new Error(`${WEB_ROOT}/index.html is missing: run \`npm run build\` (npm test does it first)`);
  return startDemoServer({ root: WEB_ROOT, port: 0, isolated, log: () => undefined, ...(modelsDir ? { modelsDir } : {}) });
}

const status = (page: Page): Promise<string> => page.locator('.fr-status').innerText();

/** Waits until the page is idle again after a run (or an open), and returns the status line. */
async function idle(page: Page): Promise<string> {
  await page.waitForFunction(() => {
    const c = window.faceRestore;
    return c !== undefined && c.state.phase === 'idle' && !c.web.isOpening && !c.state.isImporting;
  }, null, { timeout: RUN_TIMEOUT });
  return status(page);
}

/** Imports a model through the Models section's button and the browser's file chooser. */
async function importModel(page: Page, file: string): Promise<string> {
  const importButton = page.locator('sp-button.fr-models-import');
  if (!(await importButton.isVisible())) await page.locator('sp-action-button.fr-models-toggle').click();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), importButton.click()]);
  await chooser.setFiles(file);
  await page.waitForFunction(() => window.faceRestore?.state.isImporting === false && /Imported|Not imported/.test(window.faceRestore.state.status.text), null, { timeout: RUN_TIMEOUT });
  return status(page);
}

async function openPhoto(page: Page, file: string | { name: string; mimeType: string; buffer: Buffer }): Promise<string> {
  await page.locator('input.fr-open-input').setInputFiles(file);
  await page.waitForFunction(() => window.faceRestore?.web.isOpening === false, null, { timeout: RUN_TIMEOUT });
  return idle(page);
}

/** Clicks a Save button and returns the downloaded file's name and bytes. */
async function save(page: Page, button: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), bytes: await fs.promises.readFile(file) };
}

/** Moves the strength slider as a user does: the value while dragging, then the release. */
async function setStrength(page: Page, percent: number): Promise<void> {
  await page.locator('sp-slider.fr-strength input[type="range"]').evaluate((input: HTMLInputElement, value: number) => {
    input.value = String(value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }, percent);
  await page.waitForFunction((s) => window.faceRestore?.state.strength === s / 100, percent);
  await idle(page);
}

/** Pixels where two same-size RGBA images differ, as indices. */
function differing(a: Rgba, b: Rgba): number[] {
  const out: number[] = [];
  for (let p = 0; p < a.width * a.height; p++) {
    const i = p * 4;
    if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2] || a.data[i + 3] !== b.data[i + 3]) out.push(p);
  }
  return out;
}

let browser: Browser;
/** The last result saved by the restore test, for the cancel test to compare with. */
let lastSaved: Rgba | undefined;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('in a cross-origin isolated page (threads)', () => {
  let server: Served;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    server = await serve(true);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = collectPageErrors(page);
    await page.goto(server.url);
    await idle(page);
  });

  afterAll(async () => {
    await page?.close();
    await server?.close();
  });

  it('says what is missing, runs on every core and promises nothing leaves the machine', async () => {
    expect(await status(page)).toMatch(/GFPGAN v1\.4 and the face detector YuNet 2023mar are not installed\. Download them in Models below/);
    const runtime = await page.evaluate(() => window.faceRestore!.web.runtime);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(runtime).toMatchObject({ isCrossOriginIsolated: true, threads: cores });
    await expect(page.locator('.fr-web-runtime').innerText()).resolves.toContain(`${cores} thread`);
    await expect(page.locator('.fr-web-privacy').innerText()).resolves.toMatch(/never leave this computer/);
  });

  it('refuses a file that is not an image, readably, and keeps going', async () => {
    const text = await openPhoto(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Restore Grandma’s wedding photo\n') });
    expect(text).toMatch(/notes\.txt is not a JPEG, PNG or WebP image \(it starts like text\)/);
    expect(await page.evaluate(() => window.faceRestore!.web.image)).toBeUndefined();
  });

  it('imports the stand-in restore model and YuNet with the file chooser', async () => {
    expect(await importModel(page, sharedModel('restore/unsharp-512.onnx'))).toMatch(/Imported unsharp-512\.onnx as the restore model/);
    expect(await importModel(page, sharedModel('detection/yunet-2023mar-640.onnx'))).toMatch(/Imported yunet-2023mar-640\.onnx as the face detector “YuNet 2023mar”/);
    // The imported restore model is the one chosen; the detector went to the detectors, not the restore models.
    expect(await page.locator('sp-dropdown.fr-model select').evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent?.trim())).toBe('unsharp-512');
    expect(await page.evaluate(() => window.faceRestore!.state.modelId)).toBe('unsharp-512.onnx');
  });

  it('restores the photo: faces shown and listed, output changed only inside the placements, strength 0 gives the input back', async () => {
    expect(await openPhoto(page, sharedImage(PHOTO))).toMatch(/Opened codeformer_whole_06\.png \(726×838\)/);
    await page.locator('sp-button.fr-restore').click();
    expect(await idle(page)).toMatch(/^Restored 2 faces\./);
    const expected = EXPECTED_FACES[PHOTO];
    expect(await page.locator('.fr-face-box').count()).toBe(expected);
    expect(await page.locator('fr-face-list .fr-face-row').count()).toBe(expected);
    expect(await page.locator('.fr-face-box').allInnerTexts()).toEqual(Array.from({ length: expected }, (_, i) => String(i + 1)));

    const input = await readPhotoRgba(sharedImage(PHOTO));
    const restored = await save(page, '.fr-web-save button:has-text("Save result")');
    expect(restored.name).toBe('codeformer_whole_06-restored.png');
    const output = await decodeRgba(restored.bytes);
    expect([output.width, output.height]).toEqual([input.width, input.height]);

    // Each face's layer is opaque exactly over its placement: the union is where the output may differ.
    const inside = new Uint8Array(input.width * input.height);
    for (let n = 1; n <= expected; n++) {
      const layer = await decodeRgba((await save(page, `.fr-web-save button:has-text("Face ${n} layer")`)).bytes);
      const mask = await decodeRgba((await save(page, `.fr-web-save button:has-text("Face ${n} mask")`)).bytes);
      let covered = 0;
      let maskOutside = 0;
      let maskInside = 0;
      for (let p = 0; p < inside.length; p++) {
        if (layer.data[p * 4 + 3] > 0) {
          inside[p] = 1;
          covered++;
          if (mask.data[p * 4] > 0) maskInside++;
        } else if (mask.data[p * 4] !== 0) {
          maskOutside++; // the mask must be black outside the layer's rectangle
        }
      }
      expect(covered).toBeGreaterThan(100 * 100);
      expect(maskInside).toBeGreaterThan(covered / 4);
      expect(maskOutside).toBe(0);
    }
    const changed = differing(input, output);
    expect(changed.length).toBeGreaterThan(1000); // the model did something
    expect(changed.filter((p) => inside[p] === 0)).toEqual([]);

    await setStrength(page, 0);
    const atZero = await decodeRgba((await save(page, '.fr-web-save button:has-text("Save result")')).bytes);
    expect(differing(input, atZero)).toEqual([]);
    await setStrength(page, 100);
    const again = await decodeRgba((await save(page, '.fr-web-save button:has-text("Save result")')).bytes);
    expect(differing(output, again)).toEqual([]);
    lastSaved = again;
    await page.screenshot({ path: path.join(artifactsDir(), 'web-page-restored.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('cancels a running restore with the full-size GFPGAN stand-in and keeps the last result', async () => {
    // The full-size graph takes seconds to load and to run, so Cancel lands while it runs, not after.
    expect(await importModel(page, sharedModel('restore/gfpgan-v1.4-arch-random.fp16w.onnx'))).toMatch(/Imported gfpgan-v1\.4-arch-random\.fp16w\.onnx as the restore model/);
    await page.locator('sp-dropdown.fr-model select').selectOption({ label: 'gfpgan-v1.4-arch-random.fp16w' });
    await page.locator('sp-button.fr-restore').click();
    await page.locator('fr-run-progress sp-button.fr-cancel').click();
    // Cancelling, or already back to idle when the abort landed between two awaits; the status says which it was.
    expect(['cancelling', 'idle']).toContain(await page.evaluate(() => window.faceRestore!.state.phase));
    expect(await idle(page)).toBe('Cancelled. The picture is as it was.');
    expect(await page.evaluate(() => window.faceRestore!.web.result?.name)).toBe('codeformer_whole_06-restored.png');
    expect(await page.locator('fr-run-progress sp-button.fr-cancel').count()).toBe(0);
    // The last result is still there to save, unchanged.
    const saved = await decodeRgba((await save(page, '.fr-web-save button:has-text("Save result")')).bytes);
    expect(differing(saved, lastSaved!)).toEqual([]);
  });
});

describe('in a page that is not cross-origin isolated', () => {
  it('runs on one thread, says why, and restores the same faces', async () => {
    const server = await serve(false);
    const page = await browser.newPage();
    try {
      const errors = collectPageErrors(page);
      await page.goto(server.url);
      await idle(page);
      const runtime = await page.evaluate(() => window.faceRestore!.web.runtime);
      expect(runtime).toMatchObject({ isCrossOriginIsolated: false, threads: 1 });
      expect(runtime.note).toMatch(/not cross-origin isolated.*COOP\/COEP/);
      await importModel(page, sharedModel('restore/unsharp-512.onnx'));
      await importModel(page, sharedModel('detection/yunet-2023mar-640.onnx'));
      await openPhoto(page, sharedImage(PHOTO));
      await page.locator('sp-button.fr-restore').click();
      expect(await idle(page)).toMatch(/^Restored 2 faces\./);
      expect(await page.locator('.fr-face-box').count()).toBe(EXPECTED_FACES[PHOTO]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });
});

describe('with the demo server offering a models folder (--models-dir)', () => {
  it('downloads a catalog model from this computer, verified, and explains what a browser cannot download', async () => {
    const server = await serve(true, sharedModelsDir());
    const page = await browser.newPage();
    try {
      const errors = collectPageErrors(page);
      await page.goto(server.url);
      await idle(page);
      // The Models section opens by itself while a restore model or detector is missing.
      expect(await page.locator('sp-action-button.fr-models-toggle').getAttribute('aria-expanded')).toBe('true');
      const yunet = page.locator('.fr-model-row[data-model="yunet-2023mar"]');
      expect(await yunet.getAttribute('data-state')).toBe('missing');
      expect(await yunet.locator('.fr-model-detail').innerText()).toContain('From 127.0.0.1');
      await yunet.locator('sp-button.fr-model-download').click();
      await page.waitForFunction(() => /YuNet 2023mar is installed|failed/.test(window.faceRestore!.state.status.text), null, { timeout: RUN_TIMEOUT });
      expect(await status(page)).toBe('YuNet 2023mar is installed (227.1 KB, checksum verified).');
      expect(await yunet.getAttribute('data-state')).toBe('installed');
      expect(await page.evaluate(() => window.faceRestore!.state.detectors.map((d) => d.id))).toEqual(['yunet']);

      // GFPGAN's published ONNX is on GitHub, which a page may not download from: the page says what to do instead.
      await page.locator('.fr-model-row[data-model="gfpgan-1.4"] sp-button.fr-model-download').click();
      await page.waitForFunction(() => window.faceRestore!.state.status.kind === 'error', null, { timeout: RUN_TIMEOUT });
      expect(await status(page)).toMatch(/may not download from github\.com.*npm run demo -- --models-dir/);
      expect(errors.filter((e) => !/github\.com|Failed to load resource/.test(e))).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });
});

describe('offline, once loaded', () => {
  it('opens again and restores with the network gone: the page from its service worker, the models from the site storage', async () => {
    const server = await serve(true);
    const context = await browser.newContext();
    try {
      let page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(server.url);
      await page.evaluate(async () => { await navigator.serviceWorker.ready; });
      await idle(page);
      await importModel(page, sharedModel('restore/unsharp-512.onnx'));
      await importModel(page, sharedModel('detection/yunet-2023mar-640.onnx'));
      await page.close();

      await context.setOffline(true);
      // The network is really gone for this browser context: a request past the service worker fails.
      page = await context.newPage();
      errors.push(...collectPageErrors(page));
      await page.goto(server.url);
      await idle(page);
      expect(await page.evaluate(() => fetch('models/files/none.onnx').then(() => 'reached', () => 'offline'))).toBe('offline');
      expect(await page.evaluate(() => window.faceRestore!.state.models.map((m) => m.id))).toEqual(['unsharp-512.onnx']);
      await openPhoto(page, sharedImage(PHOTO));
      await page.locator('sp-button.fr-restore').click();
      expect(await idle(page)).toMatch(/^Restored 2 faces\./);
      expect(await page.evaluate(() => window.faceRestore!.web.runtime.threads)).toBeGreaterThan(1);
      expect(errors.filter((e) => !/models\/files\/none\.onnx|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
    } finally {
      await context.close();
      await server.close();
    }
  });
});
