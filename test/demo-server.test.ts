/**
 * scripts/demo-server.js, the local server behind `npm run demo`, against a temp site (index.html, an ES module that
 * instantiates a wasm file, assorted types) with secrets beside it: headers with and without isolation, MIME types,
 * refusals (traversal, NUL, symlinks out, methods), HEAD, ranges, closing with a response in flight; then the same
 * site in real Chromium (cross-origin isolated or not), then the command line as a real process.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../scripts/demo-server';
import { collectPageErrors, launchChromium } from './helpers/browser';

const SCRIPT = path.resolve(__dirname, '..', 'scripts', 'demo-server.js');

// The smallest useful wasm module: exports answer() returning the i32 42.
const WASM = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
  0x03, 0x02, 0x01, 0x00,
  0x07, 0x0a, 0x01, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x00,
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b,
]);
const INDEX = '<!doctype html><meta charset="utf-8"><title>demo-server test</title><link rel="icon" href="data:,"><script type="module" src="./app.mjs"></script>\n';
const APP = "const { instance } = await WebAssembly.instantiateStreaming(fetch('./engine.wasm'));\nwindow.wasmAnswer = instance.exports.answer();\n";
// Files outside the served root carry a marker that must never appear in a response.
const SECRET = `secret-${process.pid}-${Date.now()}`;
const ISOLATION = ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy'];
const MODEL_BYTES = 8 * 1024 * 1024;

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: Buffer }

/** One request with the target sent verbatim (fetch would normalise `..` away before it reached the server). */
function request(port: number, target: string, method = 'GET', headers: http.OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

let tmp: string;
let site: string;
let empty: string;
let model: Buffer;
let isolated: DemoServer;
let open: DemoServer;
const served = (name: string): Buffer => fs.readFileSync(path.join(site, name));

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-demo-server-'));
  site = path.join(tmp, 'site');
  empty = path.join(tmp, 'empty');
  fs.mkdirSync(path.join(site, 'sub'), { recursive: true });
  fs.mkdirSync(empty);
  fs.writeFileSync(path.join(site, 'index.html'), INDEX);
  fs.writeFileSync(path.join(site, 'app.mjs'), APP);
  fs.writeFileSync(path.join(site, 'engine.wasm'), WASM);
  for (const name of ['app.js', 'style.css', 'data.json', 'app.js.map', 'pic.png', 'pic.jpg', 'pic.webp', 'icon.svg']) {
    fs.writeFileSync(path.join(site, name), `contents of ${name}\n`);
  }
  fs.writeFileSync(path.join(site, 'sub', 'index.html'), '<!doctype html><title>sub</title>\n');
  model = Buffer.alloc(MODEL_BYTES, 0);
  for (let i = 0; i < model.length; i += 4096) model.writeUInt32LE(i, i);
  fs.writeFileSync(path.join(site, 'model.onnx'), model);
  fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: SECRET }));
  fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(site, 'leak.txt'));
  isolated = await startDemoServer({ root: site, port: 0 });
  open = await startDemoServer({ root: site, port: 0, isolated: false });
});
afterAll(async () => {
  await isolated?.close();
  await open?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('demo server over HTTP', () => {
  it('serves / as index.html, cross-origin isolated, with nosniff and no-cache', async () => {
    const r = await request(isolated.port, '/');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(INDEX);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(r.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(isolated.url).toBe(`http://127.0.0.1:${isolated.port}/`);
  });

  it('isolated: false omits the isolation headers and keeps the others', async () => {
    const r = await request(open.port, '/');
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(INDEX);
    for (const name of ISOLATION) expect(r.headers[name]).toBeUndefined();
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it.each([
    ['/app.mjs', 'text/javascript'], ['/app.js', 'text/javascript'], ['/engine.wasm', 'application/wasm'],
    ['/style.css', 'text/css'], ['/data.json', 'application/json'], ['/app.js.map', 'application/json'],
    ['/pic.png', 'image/png'], ['/pic.jpg', 'image/jpeg'], ['/pic.webp', 'image/webp'], ['/icon.svg', 'image/svg+xml'],
    ['/model.onnx', 'application/octet-stream'],
  ])('%s is served whole as %s', async (target, type) => {
    const r = await request(isolated.port, target);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']?.split(';')[0]).toBe(type);
    expect(r.body.equals(served(target.slice(1)))).toBe(true);
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
  });

  it('answers 404 for missing files, with the same security headers', async () => {
    const r = await request(isolated.port, '/missing.js');
    expect(r.status).toBe(404);
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('redirects a folder to its trailing-slash URL and serves its index.html there', async () => {
    const bare = await request(isolated.port, '/sub?x=1');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/sub/');
    const r = await request(isolated.port, '/sub/');
    expect(r.status).toBe(200);
    expect(r.body.equals(served('sub/index.html'))).toBe(true);
  });

  it.each([
    '/../package.json', '/../secret.txt', '/%2e%2e/package.json', '/%2E%2E/secret.txt', '/..%2fsecret.txt',
    '/%2e%2e%2f%2e%2e%2fsecret.txt', '/sub/../../secret.txt', '/index.html%00.png', '/%00', '/..%5csecret.txt',
    '/leak.txt', '/%ff%fe', 'secret.txt',
  ])('refuses %s and serves nothing from outside the root', async (target) => {
    const r = await request(isolated.port, target);
    expect([400, 403, 404]).toContain(r.status);
    expect(r.body.toString()).not.toContain(SECRET);
  });

  it('HEAD sends the headers and length of GET without a body', async () => {
    const r = await request(isolated.port, '/model.onnx', 'HEAD');
    expect(r.status).toBe(200);
    expect(Number(r.headers['content-length'])).toBe(MODEL_BYTES);
    expect(r.headers['accept-ranges']).toBe('bytes');
    expect(r.body.length).toBe(0);
  });

  it('serves a single byte range as 206 with Content-Range', async () => {
    const r = await request(isolated.port, '/model.onnx', 'GET', { Range: 'bytes=4090-8200' });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 4090-8200/${MODEL_BYTES}`);
    expect(r.body.equals(model.subarray(4090, 8201))).toBe(true);
    const tail = await request(isolated.port, '/model.onnx', 'GET', { Range: `bytes=${MODEL_BYTES - 3}-` });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(model.subarray(MODEL_BYTES - 3))).toBe(true);
    const suffix = await request(isolated.port, '/engine.wasm', 'GET', { Range: 'bytes=-4' });
    expect(suffix.status).toBe(206);
    expect(suffix.body.equals(WASM.subarray(WASM.length - 4))).toBe(true);
  });

  it('answers 416 for a range past the end, and ignores multi-range requests', async () => {
    for (const range of [`bytes=${MODEL_BYTES}-`, 'bytes=20-10', 'bytes=-0']) {
      const r = await request(isolated.port, '/model.onnx', 'GET', { Range: range });
      expect(r.status).toBe(416);
      expect(r.headers['content-range']).toBe(`bytes */${MODEL_BYTES}`);
    }
    const multi = await request(isolated.port, '/engine.wasm', 'GET', { Range: 'bytes=0-1,4-5' });
    expect(multi.status).toBe(200);
    expect(multi.body.equals(WASM)).toBe(true);
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('answers 405 to %s', async (method) => {
    const r = await request(isolated.port, '/index.html', method);
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, HEAD');
  });

  it('says when index.html is missing, and answers / with 404', async () => {
    const lines: string[] = [];
    const s = await startDemoServer({ root: empty, port: 0, log: (line) => lines.push(line) });
    try {
      expect(lines[0]).toBe(`${path.join(empty, 'index.html')} is missing`);
      expect((await request(s.port, '/')).status).toBe(404);
      expect(lines.at(-1)).toBe('GET / 404');
    } finally {
      await s.close();
    }
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    await expect(startDemoServer({ root: site, port: isolated.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('close() ends a connection that is still streaming a large file', async () => {
    const s = await startDemoServer({ root: site, port: 0 });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: s.port, path: '/model.onnx', agent: new http.Agent({ keepAlive: true }) }, resolve).on('error', reject);
    });
    // Unread, the 8 MB body backs up in the socket: server.close() alone would wait for it forever.
    res.pause();
    await s.close();
    let bytes = 0;
    const errors: string[] = [];
    res.on('data', (c: Buffer) => { bytes += c.length; });
    res.on('error', (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
    const closed = new Promise((resolve) => res.on('close', resolve));
    res.resume();
    await closed;
    expect(res.complete).toBe(false);
    expect(bytes).toBeLessThan(MODEL_BYTES);
    expect(errors).toEqual(['ECONNRESET']);
  });
});

describe('demo server in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchChromium(); });
  afterAll(async () => { await browser?.close(); });

  async function probe(server: DemoServer) {
    const page = await browser.newPage();
    const errors = collectPageErrors(page);
    try {
      await page.goto(server.url);
      // app.mjs only sets this once the module loaded and instantiateStreaming accepted the wasm's MIME type.
      await page.waitForFunction(() => 'wasmAnswer' in window);
      const state = await page.evaluate(() => ({
        isolated: self.crossOriginIsolated,
        sab: typeof SharedArrayBuffer,
        answer: (window as unknown as { wasmAnswer: number }).wasmAnswer,
      }));
      return { ...state, errors };
    } finally {
      await page.close();
    }
  }

  it('the isolated server makes the page cross-origin isolated, with SharedArrayBuffer for wasm threads', async () => {
    const state = await probe(isolated);
    expect(state).toEqual({ isolated: true, sab: 'function', answer: 42, errors: [] });
  });

  it('without isolation the page is not cross-origin isolated (no SharedArrayBuffer), yet wasm still runs', async () => {
    const state = await probe(open);
    expect(state).toEqual({ isolated: false, sab: 'undefined', answer: 42, errors: [] });
  });
});

describe('node scripts/demo-server.js', () => {
  interface Cli { stdout: string; stderr: string; code: number | null }

  /** Runs the CLI to its end, or until `until` matches stdout, then sends SIGINT (Ctrl-C) and waits for the exit. */
  function cli(args: string[], until?: RegExp, whileRunning?: (out: string) => Promise<void>): Promise<Cli> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Cli = { stdout: '', stderr: '', code: null };
      let fired = false;
      child.stdout.on('data', (d: Buffer) => {
        out.stdout += d.toString();
        if (until && !fired && until.test(out.stdout)) {
          fired = true;
          (whileRunning ? whileRunning(out.stdout) : Promise.resolve())
            .catch(reject)
            .finally(() => child.kill('SIGINT'));
        }
      });
      child.stderr.on('data', (d: Buffer) => { out.stderr += d.toString(); });
      child.on('error', reject);
      child.on('close', (code) => resolve({ ...out, code }));
    });
  }
  const READY = /Ctrl-C to stop\.\n/;
  const urlOf = (stdout: string): URL => new URL(/^FaceRestore web page: (\S+)$/m.exec(stdout)![1]);

  it('--port 0 prints the real URL and the isolation and privacy lines, serves the page, and stops on Ctrl-C', async () => {
    let reply: Reply | undefined;
    const r = await cli(['--port', '0', '--root', site], READY, async (stdout) => {
      reply = await request(Number(urlOf(stdout).port), '/');
    });
    expect(r.code).toBe(0);
    const url = urlOf(r.stdout);
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBeGreaterThan(0);
    expect(r.stdout).toContain('Cross-origin isolated: inference can use wasm threads.');
    expect(r.stdout).toContain('Everything runs in your browser; no image or model leaves this computer');
    expect(r.stdout).toContain('GET / 200');
    expect(reply?.status).toBe(200);
    expect(reply?.body.toString()).toBe(INDEX);
    expect(reply?.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(r.stderr).toBe('');
  });

  it('--no-isolation says so and sends no isolation headers', async () => {
    let reply: Reply | undefined;
    const r = await cli(['--root', site, '--port=0', '--no-isolation'], READY, async (stdout) => {
      reply = await request(Number(urlOf(stdout).port), '/engine.wasm');
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Not cross-origin isolated (--no-isolation): inference runs on one thread.');
    expect(reply?.status).toBe(200);
    for (const name of ISOLATION) expect(reply?.headers[name]).toBeUndefined();
  });

  it('warns that a non-loopback --host exposes the page to the network', async () => {
    const r = await cli(['--host', '0.0.0.0', '--port', '0', '--root', site], READY);
    expect(r.code).toBe(0);
    expect(urlOf(r.stdout).hostname).toBe('127.0.0.1');
    expect(r.stdout).toMatch(/^Warning: listening on 0\.0\.0\.0, so other machines on the network can load the page\./m);
  });

  it('says when the root has no index.html', async () => {
    const r = await cli(['--port', '0', '--root', empty], READY);
    expect(r.stdout).toContain(`${path.join(empty, 'index.html')} is missing`);
  });

  it('names --port when the port is in use', async () => {
    const r = await cli(['--port', String(isolated.port), '--root', site]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`Port ${isolated.port} on 127.0.0.1 is in use: choose another with --port (--port 0 picks a free one).`);
  });

  it.each([
    [['--bogus'], 'Unknown flag --bogus'],
    [['--port', 'abc'], '--port must be an integer from 0 to 65535, got abc'],
    [['--port'], '--port needs a value'],
    [['extra'], 'Unexpected argument extra'],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('--help prints the usage', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: node scripts\/demo-server\.js \[--port N\] \[--host H\] \[--root DIR\] \[--no-isolation\]/);
    expect(r.stdout).toContain('--no-isolation');
  });
});
