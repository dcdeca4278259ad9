'use strict';
/**
 * One model in one fresh process for section `graphs` (bench/graphs.js): its own peak RSS and, for onnxruntime-web,
 * its own wasm thread count (read once per process). The child stays alive and takes commands on stdin, one per line,
 * so that the parent can interleave timed runs across several children (A B C A B C …):
 *
 *   run            one session.run on the fixed input; replies {ms, cpuMs} (cpuMs: the process's CPU time, all threads)
 *   save <file>    writes the last output (float32, little-endian) to <file>; replies {saved}
 *   exit           releases the session; replies {peakMiB, rssMiB} and exits
 *
 * On start it creates the session and replies {createMs, peakAfterCreateMiB, baseRssMiB, inputName, outputName, …}.
 * Every reply is one JSON line on stdout.
 *
 * node bench/graphs-child.js --runtime node|web --threads N --model <file> [--level all|extended|basic|disabled]
 *   [--extra <json>]   session config entries (SessionOptions.extra), e.g. {"session":{"disable_quant_qdq":"1"}}
 */
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { performance } = require('perf_hooks');
const { parseArgs } = require('util');
const { ROOT } = require('./lib');

const send = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const mib = (kb) => kb / 1024;
const status = (field) => {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? mib(Number(m[1])) : undefined;
  } catch {
    return undefined; // not Linux
  }
};
const rssMiB = () => status('VmRSS') ?? process.memoryUsage().rss / 2 ** 20;
/**
 * Peak RSS: VmHWM, this process's own high-water mark. Not process.resourceUsage().maxRSS where /proc exists: on Linux
 * getrusage's ru_maxrss survives exec, so a child forked from a parent holding 1.4 GB (the section's parent, which
 * built the models) reports at least that.
 */
const peakMiB = () => status('VmHWM') ?? mib(process.resourceUsage().maxRSS);

/** The fixed, deterministic input every child feeds: smooth, not flat, in [-0.8, 0.8] (the model takes [-1, 1]). */
function fixedInput() {
  const input = new Float32Array(3 * 512 * 512);
  for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.001) * 0.8;
  return input;
}

async function main() {
  const { values } = parseArgs({ options: { runtime: { type: 'string' }, threads: { type: 'string' }, model: { type: 'string' }, level: { type: 'string' }, extra: { type: 'string' } } });
  const threads = Number(values.threads || 1);
  const { NODE_SESSION_OPTIONS, WASM_SESSION_OPTIONS } = require(path.join(ROOT, 'build', 'core', 'ort-adapter.js'));
  const baseRssMiB = rssMiB();
  let ort;
  let options;
  let source;
  if (values.runtime === 'node') {
    ort = require('onnxruntime-node');
    options = { executionProviders: ['cpu'], ...NODE_SESSION_OPTIONS, intraOpNumThreads: threads };
    source = values.model;
  } else if (values.runtime === 'web') {
    ort = require('onnxruntime-web');
    ort.env.wasm.numThreads = threads; // before the first session: fixed for the process from then on
    options = { ...WASM_SESSION_OPTIONS };
    source = new Uint8Array(fs.readFileSync(values.model)); // bytes, as the engine and the web page pass them
  } else throw new Error(`--runtime must be node or web; got ${values.runtime}`);
  if (values.level) options.graphOptimizationLevel = values.level;
  if (values.extra) options.extra = JSON.parse(values.extra);
  let t = performance.now();
  const session = await ort.InferenceSession.create(source, options);
  const createMs = performance.now() - t;
  source = undefined;
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  const feeds = { [inputName]: new ort.Tensor('float32', fixedInput(), [1, 3, 512, 512]) };
  let last;
  send({
    createMs, baseRssMiB, rssAfterCreateMiB: rssMiB(), peakAfterCreateMiB: peakMiB(), inputName, outputName,
    options, version: ort.env.versions?.[values.runtime === 'node' ? 'node' : 'web'] ?? ort.env.versions?.common,
    wasmNumThreads: values.runtime === 'web' ? ort.env.wasm.numThreads : undefined,
  });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [command, arg] = line.trim().split(/\s+/);
    if (command === 'run') {
      const cpu = process.cpuUsage();
      t = performance.now();
      const out = await session.run(feeds);
      const ms = performance.now() - t;
      const used = process.cpuUsage(cpu);
      last = out[outputName].data;
      send({ ms, cpuMs: (used.user + used.system) / 1000 });
    } else if (command === 'save') {
      fs.writeFileSync(arg, Buffer.from(last.buffer, last.byteOffset, last.byteLength));
      send({ saved: arg, length: last.length });
    } else if (command === 'exit') {
      await session.release();
      send({ peakMiB: peakMiB(), rssMiB: rssMiB(), maxRssMiB: mib(process.resourceUsage().maxRSS) });
      break;
    } else send({ error: `unknown command ${line}` });
  }
}

main().then(
  // Exit explicitly: onnxruntime-web's pthread workers could otherwise keep the process alive.
  () => process.exit(0),
  (error) => {
    process.stderr.write(`graphs child: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
