#!/usr/bin/env node
// @ts-check
/**
 * `npm run demo`: a small static HTTP server for the built web page (dist/web). By default every response is
 * cross-origin isolated (COOP same-origin + COEP require-corp), which is what lets onnxruntime-web use wasm threads
 * (SharedArrayBuffer); `--no-isolation` serves without those headers and the page falls back to one thread.
 * Nothing is uploaded anywhere: the server only reads files under its root and the page runs in the browser.
 *
 * With `--models-dir DIR` it also offers the catalog models found in DIR to the page (scripts/demo-models.js).
 *
 *   node scripts/demo-server.js [--port N] [--host H] [--root DIR] [--no-isolation] [--models-dir DIR]
 */
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { createModelMirror } = require('./demo-models');

const REPO = path.resolve(__dirname, '..');
const DEFAULT_ROOT = path.join(REPO, 'dist', 'web');

/** @type {Readonly<Record<string, string>>} */
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  // instantiateStreaming refuses anything but application/wasm.
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.onnx': 'application/octet-stream',
};

/** Makes the page cross-origin isolated (self.crossOriginIsolated), the condition for SharedArrayBuffer. */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * @typedef {object} DemoServerOptions
 * @property {string} root folder to serve
 * @property {string} [host] interface to listen on (default 127.0.0.1)
 * @property {number} [port] default 8080; 0 = any free port
 * @property {boolean} [isolated] send the cross-origin isolation headers (default true)
 * @property {(line: string) => void} [log] receives a missing-index.html warning and one line per request
 * @property {string} [modelsDir] a models folder (the CLI's layout) whose catalog models the page may download
 */

/**
 * @typedef {object} DemoServer
 * @property {string} url e.g. http://127.0.0.1:8080/
 * @property {number} port the port actually bound
 * @property {() => Promise<void>} close stops listening and ends open (keep-alive) connections
 */

/** @param {string} host */
function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A URL a browser on this machine can open; wildcard addresses are reached through loopback. */
function urlFor(/** @type {string} */ host, /** @type {number} */ port) {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}/`;
}

/**
 * Maps a request target to a file path under `root`, or to an HTTP status when it must be refused. Decoding happens
 * once, before the checks, so `%2e%2e`, `%2f` and `%00` are judged as what they decode to.
 * @param {string} root absolute
 * @param {string} target req.url
 * @returns {{ file: string } | { status: number }}
 */
function resolveTarget(root, target) {
  const raw = target.split(/[?#]/, 1)[0];
  if (!raw.startsWith('/')) return { status: 400 };
  let decoded;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { status: 400 };
  }
  // Backslashes are separators on Windows; refusing them keeps one meaning on every platform.
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  if (decoded.split('/').includes('..')) return { status: 403 };
  const file = path.resolve(root, `.${decoded}`);
  if (file !== root && !file.startsWith(root + path.sep)) return { status: 403 };
  return { file };
}

/**
 * Parses a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range. null = ignore the header (serve the whole file, as
 * RFC 9110 allows for multiple or malformed ranges); 'unsatisfiable' = 416.
 * @param {string | undefined} header
 * @param {number} size
 * @returns {{ start: number, end: number } | 'unsatisfiable' | null}
 */
function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec((header ?? '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || start > end ? 'unsatisfiable' : { start, end };
}

/**
 * The file's real path and stats, following symlinks, only if it stays inside the real root.
 * @param {string} file
 * @param {string} root
 */
async function statInside(file, root) {
  try {
    const [real, realRoot] = await Promise.all([fs.promises.realpath(file), fs.promises.realpath(root)]);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return null;
    return { real, stat: await fs.promises.stat(real) };
  } catch {
    return null;
  }
}

/**
 * @param {DemoServerOptions} options
 * @returns {Promise<DemoServer>}
 */
function startDemoServer({ root, host = '127.0.0.1', port = 8080, isolated = true, log, modelsDir }) {
  const base = path.resolve(root);
  const mirror = createModelMirror(modelsDir);
  const say = log ?? (() => {});
  if (!fs.existsSync(path.join(base, 'index.html'))) {
    const shown = base.startsWith(REPO + path.sep) ? path.relative(REPO, base) : base;
    say(`${path.join(shown, 'index.html')} is missing${base === DEFAULT_ROOT ? ': run npm run build' : ''}`);
  }

  /** @type {(res: http.ServerResponse, status: number, headers?: http.OutgoingHttpHeaders) => void} */
  const head = (res, status, headers = {}) => {
    res.writeHead(status, {
      ...(isolated ? ISOLATION_HEADERS : {}),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
      ...headers,
    });
  };
  /** @type {(req: http.IncomingMessage, res: http.ServerResponse, status: number, headers?: http.OutgoingHttpHeaders) => void} */
  const fail = (req, res, status, headers = {}) => {
    const body = `${status} ${http.STATUS_CODES[status] ?? ''}\n`;
    head(res, status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(req, res, 405, { Allow: 'GET, HEAD' });
    {
      let pathname;
      try {
        pathname = decodeURIComponent((req.url ?? '/').split(/[?#]/, 1)[0]);
      } catch {
        return fail(req, res, 400);
      }
      const routed = mirror.route(pathname, req.headers.host);
      if (routed && 'status' in routed) return fail(req, res, routed.status);
      if (routed && 'json' in routed) {
        const body = JSON.stringify(routed.json);
        head(res, 200, { 'Content-Type': MIME['.json'], 'Content-Length': Buffer.byteLength(body) });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      if (routed) return sendFile(req, res, routed.file, await fs.promises.stat(routed.file));
    }
    const target = resolveTarget(base, req.url ?? '');
    if ('status' in target) return fail(req, res, target.status);
    let found = await statInside(target.file, base);
    if (found?.stat.isDirectory()) {
      // Relative URLs in a folder's index.html only resolve against a path that ends in '/'.
      const pathname = (req.url ?? '/').split(/[?#]/, 1)[0];
      if (!pathname.endsWith('/')) return fail(req, res, 301, { Location: `${pathname}/` });
      found = await statInside(path.join(target.file, 'index.html'), base);
    }
    if (!found || !found.stat.isFile()) return fail(req, res, 404);
    return sendFile(req, res, found.real, found.stat);
  }

  /** Streams one file (a single Range honoured). @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {string} real @param {fs.Stats} stat */
  function sendFile(req, res, real, stat) {
    const size = stat.size;
    const range = parseRange(req.headers.range, size);
    const type = MIME[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
    const common = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Last-Modified': stat.mtime.toUTCString() };
    if (range === 'unsatisfiable') return fail(req, res, 416, { 'Content-Range': `bytes */${size}` });
    const { start, end } = range ?? { start: 0, end: size - 1 };
    head(res, range ? 206 : 200, {
      ...common,
      'Content-Length': Math.max(0, end - start + 1),
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || size === 0) return void res.end();
    const stream = fs.createReadStream(real, { start, end });
    // A file that vanishes mid-stream cannot change the status any more: cut the connection.
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  }

  const server = http.createServer((req, res) => {
    res.on('finish', () => say(`${req.method} ${req.url} ${res.statusCode}`));
    handle(req, res).catch(() => {
      if (!res.headersSent) fail(req, res, 500);
      else res.destroy();
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      /** @type {Promise<void> | undefined} */
      let closing;
      resolve({
        url: urlFor(host, bound),
        port: bound,
        close() {
          closing ??= new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}

const USAGE = `Usage: node scripts/demo-server.js [--port N] [--host H] [--root DIR] [--no-isolation] [--models-dir DIR]

Serves the built FaceRestore web page (npm run demo builds it first).

  --port N         port to listen on (default 8080; 0 = any free port)
  --host H         interface to listen on (default 127.0.0.1, this computer only)
  --root DIR       folder to serve (default dist/web)
  --no-isolation   omit the cross-origin isolation headers (the page then runs inference on one thread)
  --models-dir DIR offer the catalog models in DIR (e.g. ~/.cache/facerestore/models, where
                   \`facerestore models pull\` puts them) for the page's Download buttons: browsers cannot
                   download from GitHub, which does not allow it (CORS)
  -h, --help       print this help
`;

/**
 * @param {string[]} argv
 * @returns {{ help: true } | { help?: false, port: number, host: string, root: string, isolated: boolean, modelsDir?: string }}
 */
function parseArgs(argv) {
  /** @type {{ port: number, host: string, root: string, isolated: boolean, modelsDir?: string }} */
  const opts = { port: 8080, host: '127.0.0.1', root: DEFAULT_ROOT, isolated: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '-h' || flag === '--help') return { help: true };
    else if (flag === '--no-isolation' && inline === undefined) opts.isolated = false;
    else if (flag === '--host') opts.host = value();
    else if (flag === '--root') opts.root = path.resolve(value());
    else if (flag === '--models-dir') opts.modelsDir = path.resolve(value());
    else if (flag === '--port') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--port must be an integer from 0 to 65535, got ${v}`);
      opts.port = Number(v);
    } else throw new Error(flag.startsWith('-') ? `Unknown flag ${flag}` : `Unexpected argument ${flag}`);
  }
  return opts;
}

async function cli() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${/** @type {Error} */ (e).message}\nRun with --help for usage.\n`);
    process.exit(2);
  }
  if (opts.help) return void process.stdout.write(USAGE);
  const { host, port, root, isolated, modelsDir } = opts;
  /** @type {DemoServer} */
  let server;
  try {
    server = await startDemoServer({ root, host, port, isolated, log: (line) => console.log(line), ...(modelsDir ? { modelsDir } : {}) });
  } catch (e) {
    const err = /** @type {NodeJS.ErrnoException} */ (e);
    if (!err.code) {
      console.error(err.message);
      process.exit(2);
    }
    const why = err.code === 'EADDRINUSE' ? 'is in use' : err.code === 'EACCES' ? 'needs privileges' : `cannot be used (${err.message})`;
    console.error(`Port ${port} on ${host} ${why}: choose another with --port (--port 0 picks a free one).`);
    process.exit(1);
  }
  // Handlers first: whoever reads the banner may press Ctrl-C at once.
  const stop = () => server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`FaceRestore web page: ${server.url}`);
  console.log(isolated
    ? 'Cross-origin isolated: inference can use wasm threads.'
    : 'Not cross-origin isolated (--no-isolation): inference runs on one thread.');
  console.log('Everything runs in your browser; no image or model leaves this computer.');
  if (modelsDir) {
    const n = createModelMirror(modelsDir).count();
    console.log(`Offering ${n} catalog model${n === 1 ? '' : 's'} from ${modelsDir} to the page's Download buttons.`);
  }
  if (!isLoopback(host)) {
    console.log(`Warning: listening on ${host}, so other machines on the network can load the page. ` +
      'Browsers treat plain http from another machine as insecure: there the page is not cross-origin isolated and runs on one thread.');
  }
  console.log('Press Ctrl-C to stop.');
}

module.exports = { startDemoServer, parseRange, resolveTarget };
if (require.main === module) void cli();
