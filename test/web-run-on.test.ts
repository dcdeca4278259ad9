/**
 * The web page's "Run on" in Debian's Chromium against a real `facerestore serve` (loopback): with no model in the
 * browser at all, the page restores a shared photo on the server once the server allows the page's origin
 * (--cors-origin); without that flag the browser blocks the calls (CORS) and the page says which flag to add.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { startDemoServer } from '../scripts/demo-server';
import { collectPageErrors, launchChromium } from './helpers/browser';
import { modelsFolder, spawnServer, type ServerProcess } from './helpers/kserve';
import { EXPECTED_FACES, sharedImage } from './helpers/shared';

const WEB_ROOT = path.resolve(__dirname, '..', 'dist', 'web');
const PHOTO = 'gfpgan_whole_00.jpg';
const TIMEOUT = 120_000;

let browser: Browser;
let tmp: string;
let models: string;
let demo: { url: string; close(): Promise<void> };
beforeAll(async () => {
  if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) throw new Error(`${WEB_ROOT}/index.html is missing: run \`npm run build\``);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fr-web-run-on-'));
  models = modelsFolder(path.join(tmp, 'served'), {
    'restore/gfpgan-v1.4.onnx': 'restore/unsharp-512.onnx',
    'detection/yunet-2023mar-640.onnx': 'detection/yunet-2023mar-640.onnx',
  });
  browser = await launchChromium();
  demo = await startDemoServer({ root: WEB_ROOT, port: 0, isolated: true, log: () => undefined });
}, TIMEOUT);
afterAll(async () => {
  await browser?.close();
  await demo?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const pageOrigin = (): string => new URL(demo.url).origin;

/** A fresh page (its own storage: no models, no settings) with "Run on: Server" at `url`, tested through the controls. */
async function openOnServer(url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(demo.url);
  await page.waitForFunction(() => window.faceRestore?.state.phase === 'idle', null, { timeout: TIMEOUT });
  await page.locator('sp-dropdown.fr-run-on-target select').selectOption({ label: 'Server' });
  const field = page.locator('sp-textfield.fr-run-on-url input');
  await field.fill(url);
  await field.press('Enter');
  await page.waitForFunction((u) => window.faceRestore?.state.runOn.url === u, url, { timeout: TIMEOUT });
  await page.locator('sp-button.fr-run-on-test').click();
  await page.waitForFunction(() => ['ok', 'failed'].includes(window.faceRestore?.state.runOn.connection.kind ?? ''), null, { timeout: TIMEOUT });
  return { page, errors };
}

describe('a page whose origin the server allows', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await spawnServer(['--models-dir', models, '--cors-origin', pageOrigin()]);
  }, TIMEOUT);
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('connects, then restores a photo on the server with no model in the browser', async () => {
    const { page, errors } = await openOnServer(server.url);
    expect(await page.locator('.fr-connection').innerText()).toMatch(/^Connected: facerestore .* binary tensors\. Serves GFPGAN v1\.4, YuNet 2023mar\.$/);
    expect(await page.evaluate(() => window.faceRestore!.state.catalogModels.filter((m) => m.state === 'installed').length)).toBe(0);

    await page.locator('input.fr-open-input').setInputFiles(sharedImage(PHOTO));
    await page.waitForFunction(() => window.faceRestore?.web.image !== undefined && !window.faceRestore.web.isOpening, null, { timeout: TIMEOUT });
    await page.locator('sp-button.fr-restore').click();
    await page.waitForFunction(() => window.faceRestore?.state.phase === 'restoring', null, { timeout: TIMEOUT });
    await page.waitForFunction(() => window.faceRestore?.state.phase === 'idle', null, { timeout: TIMEOUT });
    const n = EXPECTED_FACES[PHOTO];
    expect(await page.locator('.fr-status').innerText()).toMatch(new RegExp(`^Restored ${n} faces\\.`));
    expect(await page.evaluate(() => window.faceRestore!.web.result?.pixels.width)).toBeGreaterThan(0);
    // The only console errors: Chromium logging the 404s of the connection test's readiness probes for the catalog
    // models this server does not serve.
    const served = ['gfpgan-1.4', 'yunet-2023mar'];
    for (const e of errors) expect(e).toMatch(/^console\.error: Failed to load resource: the server responded with a status of 404 \(Not Found\) \(http:\/\/127\.0\.0\.1:\d+\/v2\/models\/[\w.-]+\/ready\)$/);
    expect(errors.filter((e) => served.some((id) => e.includes(`/models/${id}/ready`)))).toEqual([]);

    // The server did the work: one detection and one run per face, as it counts them when it stops.
    server.child.kill('SIGTERM');
    await server.exited;
    const answered = Number(/stopped after (\d+) answered/.exec(server.stderr())?.[1]);
    expect(answered).toBeGreaterThanOrEqual(1 + n);
    await page.context().close();
  }, TIMEOUT);
});

describe('a server that does not allow the page', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await spawnServer(['--models-dir', models]);
  }, TIMEOUT);
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('fails the connection test and names the flag that allows this page', async () => {
    const { page } = await openOnServer(server.url);
    expect(await page.evaluate(() => window.faceRestore!.state.runOn.connection.kind)).toBe('failed');
    expect(await page.locator('.fr-connection').innerText()).toContain(`start it with --cors-origin ${pageOrigin()}`);
    await page.context().close();
  }, TIMEOUT);
});
