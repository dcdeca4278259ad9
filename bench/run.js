'use strict';
/**
 * `npm run bench [-- options]`: the project's speed and memory benchmark. Speeds are printed as ratios against a
 * baseline measured in the same process (never as absolute targets); see bench/README.md.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('util');
const { ROOT, log, table } = require('./lib');

const SECTIONS = ['throughput', 'tiles', 'quality', 'memory', 'browser', 'stages', 'session', 'server', 'graphs'];

const HELP = `Usage: npm run bench [-- options]

  --memory          also run the peak-memory benchmark (the CLI on a 12 MP photo at -s 2, with and without
                    the upsampler; several minutes)
  --only <list>     comma-separated sections to run: ${SECTIONS.join(', ')} (default: all but memory;
                    browser needs the built page, npm run build, and Chromium; graphs builds our GFPGAN
                    graph and compares it with the naive export, about 15 minutes)
  --runs <n>        timed runs per measurement with onnxruntime-node, after one warm-up (default 3, at least 2)
  --wasm-runs <n>   timed runs per onnxruntime-web measurement, after one warm-up (default 2, at least 2)
  --json <file>     also write every result as JSON to <file>
  -h, --help        show this help`;

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      memory: { type: 'boolean' }, only: { type: 'string' }, runs: { type: 'string' }, 'wasm-runs': { type: 'string' },
      json: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const count = (flag, raw, fallback) => {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 2) throw new Error(`--${flag} must be an integer ≥ 2; received "${raw}"`);
    return n;
  };
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : SECTIONS.filter((s) => s !== 'memory' || values.memory);
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`--only: unknown section "${s}"; use ${SECTIONS.join(', ')}`);
  return { help: values.help, sections: only, runs: count('runs', values.runs, 3), wasmRuns: count('wasm-runs', values['wasm-runs'], 2), json: values.json };
}

function packageVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}

function machine() {
  const cpus = os.cpus();
  let physical = '?';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set(info.split('\n\n').filter(Boolean).map((b) => `${/physical id\s*:\s*(\d+)/.exec(b)?.[1]}:${/core id\s*:\s*(\d+)/.exec(b)?.[1]}`));
    physical = String(cores.size);
  } catch {
    // not Linux
  }
  return {
    cpu: cpus[0]?.model.trim() ?? '?', logicalCpus: cpus.length, physicalCores: physical, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.arch()} ${os.release()}`, node: process.version,
    onnxruntimeNode: packageVersion('onnxruntime-node'), onnxruntimeWeb: packageVersion('onnxruntime-web'),
    sharp: packageVersion('sharp'), libvips: require('sharp').versions.vips, loadAverageAtStart: os.loadavg().map((v) => +v.toFixed(2)),
  };
}

function print(section) {
  process.stdout.write(`\n${section.title}\n\n${table(section.headers, section.rows)}\n`);
  for (const note of section.notes) process.stdout.write(`  ${note}\n`);
}

async function main() {
  let o;
  try {
    o = options(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n${HELP}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const m = machine();
  process.stdout.write([
    `facerestore benchmark, ${new Date().toISOString()}`,
    `Machine: ${m.cpu}, ${m.logicalCpus} logical CPUs (${m.physicalCores} physical cores), ${m.memoryGiB} GiB RAM, ${m.platform}`,
    `Runtimes: Node ${m.node}, onnxruntime-node ${m.onnxruntimeNode}, onnxruntime-web ${m.onnxruntimeWeb}, sharp ${m.sharp} (libvips ${m.libvips})`,
    `Load average at start: ${m.loadAverageAtStart.join(' ')} (other processes on this machine make timings noisy; compare ratios)`,
    `Timed runs: ${o.runs} (onnxruntime-node), ${o.wasmRuns} (onnxruntime-web), each after one warm-up; medians shown`,
  ].join('\n') + '\n');
  // Loaded only now, so that --help and flag errors work before the build exists.
  const { throughput, tileSizes, reducedScale } = require('./upscaling');
  const { memory } = require('./memory');
  const { browser, checkBrowser } = require('./browser');
  const { stages } = require('./stages');
  const { sessionOptions } = require('./session-options');
  const { server } = require('./server');
  const { graphs } = require('./graphs');
  const run = { throughput, tiles: tileSizes, quality: reducedScale, memory, browser, stages, session: sessionOptions, server, graphs };
  // Before any section, so that a missing web build or browser is said at once, not after the other sections.
  if (o.sections.includes('browser')) {
    try {
      checkBrowser();
    } catch (error) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 1;
    }
  }
  const results = {};
  for (const name of SECTIONS) {
    if (!o.sections.includes(name)) {
      if (name === 'memory') process.stdout.write('\n4. Peak memory: skipped (takes several minutes); run `npm run bench -- --memory` to include it\n');
      continue;
    }
    const section = await run[name](o);
    print(section);
    results[name] = { title: section.title, headers: section.headers, rows: section.rows, notes: section.notes, ...section.data };
  }
  const loadAtEnd = os.loadavg().map((v) => +v.toFixed(2));
  process.stdout.write(`\nLoad average at end: ${loadAtEnd.join(' ')}\n`);
  if (o.json) {
    fs.writeFileSync(o.json, `${JSON.stringify({ machine: { ...m, loadAverageAtEnd: loadAtEnd }, options: o, results }, null, 2)}\n`);
    log(`bench: wrote ${o.json}`);
  }
  return 0;
}

main().then(
  // Exit explicitly: onnxruntime-web's pthread workers could otherwise keep the process alive.
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
