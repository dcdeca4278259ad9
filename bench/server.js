'use strict';
/**
 * Section `server`: one face's restore through `facerestore serve` on loopback (the panel's "local accelerator")
 * against onnxruntime-node in this process and onnxruntime-web on 1 thread, with the full-size GFPGAN stand-in; and
 * the transport's own cost per face (a 3 MB tensor each way), binary against JSON, measured with the identity model
 * so that nothing but transport differs from the in-process run.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { ROOT, MODELS, log, measureAll, fixed } = require('./lib');

const FULL = path.join(MODELS, 'restore', 'gfpgan-v1.4-arch-random.fp16w.onnx');
const IDENTITY = path.join(MODELS, 'restore', 'identity-512.onnx');

function startServer(modelsDir) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'facerestore.js'), 'serve', '--port', '0', '--device', 'cpu', '--models-dir', modelsDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => reject(new Error(`facerestore serve exited (${code}): ${err}`)));
  });
}

async function server(o) {
  const { createRemoteRuntime } = require(path.join(ROOT, 'build', 'core', 'kserve', 'remote-runtime.js'));
  const { nodeFetch } = require(path.join(ROOT, 'build', 'host', 'node', 'cli-runtime.js'));
  const { nodeClock } = require(path.join(ROOT, 'build', 'host', 'node', 'model-host.js'));
  const { createNodeRuntime } = require(path.join(ROOT, 'build', 'host', 'node', 'ort.js'));
  const { createWebRuntimeForNode } = require(path.join(ROOT, 'build', 'host', 'node', 'ort-web.js'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-bench-serve-'));
  fs.mkdirSync(path.join(tmp, 'restore'));
  fs.symlinkSync(FULL, path.join(tmp, 'restore', 'gfpgan-v1.4.onnx'));
  fs.symlinkSync(IDENTITY, path.join(tmp, 'restore', 'gfpgan-v1.2.onnx'));
  const { child, url } = await startServer(tmp);
  try {
    const input = new Float32Array(3 * 512 * 512);
    for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.001) * 0.8;
    const feeds = { input: { type: 'float32', data: input, dims: [1, 3, 512, 512] } };
    const node = createNodeRuntime();
    const web = createWebRuntimeForNode({ threads: 1 });
    const remote = (transport) => createRemoteRuntime({ url, fetch: nodeFetch, clock: nodeClock, transport });
    const [full, fullRemote, fullWeb, id, idBinary, idJson] = await Promise.all([
      node.load({ label: 'full', location: FULL }),
      remote('binary').load({ label: 'full', location: 'x', modelId: 'gfpgan-1.4' }),
      web.load({ label: 'full', location: FULL }),
      node.load({ label: 'identity', location: IDENTITY }),
      remote('binary').load({ label: 'identity', location: 'x', modelId: 'gfpgan-1.2' }),
      remote('json').load({ label: 'identity', location: 'x', modelId: 'gfpgan-1.2' }),
    ]);
    log('8. server: full-size GFPGAN per face');
    const faces = await measureAll([
      { key: 'node', fn: () => full.run(feeds), runs: o.runs },
      { key: 'server', fn: () => fullRemote.run(feeds), runs: o.runs },
      { key: 'web1', fn: () => fullWeb.run(feeds), runs: o.wasmRuns },
    ]);
    log('8. server: transport (identity model)');
    const transport = await measureAll([
      { key: 'local', fn: () => id.run(feeds), runs: o.runs * 3 },
      { key: 'binary', fn: () => idBinary.run(feeds), runs: o.runs * 3 },
      { key: 'json', fn: () => idJson.run(feeds), runs: o.runs * 3 },
    ]);
    await Promise.all([full, fullRemote, fullWeb, id, idBinary, idJson].map((m) => m.release()));
    const ms = (s) => Math.round(s * 1000);
    const base = faces.node.seconds;
    const binaryMs = (transport.binary.seconds - transport.local.seconds) * 1000;
    const jsonMs = (transport.json.seconds - transport.local.seconds) * 1000;
    return {
      title: '8. Inference server (facerestore serve on loopback, KServe v2): one face, full-size GFPGAN stand-in',
      headers: ['where the model runs', 'ms per face', '÷ in-process node'],
      rows: [
        ['onnxruntime-node in this process', ms(faces.node.seconds), '1.00'],
        ['facerestore serve (onnxruntime-node), binary tensors', ms(faces.server.seconds), fixed(faces.server.seconds / base, 3)],
        ['onnxruntime-web, 1 thread, in this process', ms(faces.web1.seconds), fixed(faces.web1.seconds / base, 2)],
      ],
      notes: [
        `Transport per face (3 MB in, 3 MB out, identity model, minus its in-process run of ${ms(transport.local.seconds)} ms): binary ${binaryMs.toFixed(1)} ms, JSON ${jsonMs.toFixed(1)} ms (${(jsonMs / binaryMs).toFixed(1)}× binary).`,
        'Both processes share this machine\'s cores, as the panel and a local accelerator would.',
      ],
      data: { faces, transport, transportMs: { binary: binaryMs, json: jsonMs } },
    };
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { server };
