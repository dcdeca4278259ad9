'use strict';
/**
 * Section `session`: onnxruntime-node session options for the full-size GFPGAN v1.4 stand-in, each variant in a fresh
 * child process (peak RSS is per process, and the arena never gives memory back): session creation time, RSS after
 * creation, peak RSS after the runs, the median bare session.run, and how far its output is from the current
 * setting's (a sample of the output, so an option that changes the numbers shows).
 *
 * `node bench/session-options.js --child <variant> --runs N` prints one JSON line; the parent prints the table.
 */
const path = require('path');
const { performance } = require('perf_hooks');
const { MODELS, log, median, fixed, runJsonChild } = require('./lib');

const MODEL = path.join(MODELS, 'restore', 'gfpgan-v1.4-arch-random.fp16w.onnx');

/**
 * The variants: onnxruntime-common SessionOptions on top of {executionProviders: ['cpu']}; `extra` entries are
 * session config keys (onnxruntime_session_options_config_keys.h), flattened with dots by the binding.
 */
const VARIANTS = {
  'before (graph all, arena, pattern)': { graphOptimizationLevel: 'all' },
  'graph extended': { graphOptimizationLevel: 'extended' },
  'graph basic': { graphOptimizationLevel: 'basic' },
  'graph disabled': { graphOptimizationLevel: 'disabled' },
  'no memory pattern': { graphOptimizationLevel: 'all', enableMemPattern: false },
  'no CPU arena': { graphOptimizationLevel: 'all', enableCpuMemArena: false },
  'no arena, no pattern': { graphOptimizationLevel: 'all', enableCpuMemArena: false, enableMemPattern: false },
  'no prepacking': { graphOptimizationLevel: 'all', extra: { session: { disable_prepacking: '1' } } },
  'initializers outside the arena': { graphOptimizationLevel: 'all', extra: { session: { use_device_allocator_for_initializers: '1' } } },
  'no arena + initializers outside': { graphOptimizationLevel: 'all', enableCpuMemArena: false, extra: { session: { use_device_allocator_for_initializers: '1' } } },
  'no pattern + initializers outside': { graphOptimizationLevel: 'all', enableMemPattern: false, extra: { session: { use_device_allocator_for_initializers: '1' } } },
  'no pattern + no prepacking': { graphOptimizationLevel: 'all', enableMemPattern: false, extra: { session: { disable_prepacking: '1' } } },
  'no pattern, graph extended': { graphOptimizationLevel: 'extended', enableMemPattern: false },
  '1 intra-op thread': { graphOptimizationLevel: 'all', intraOpNumThreads: 1 },
  'free dims pinned (batch 1)': { graphOptimizationLevel: 'all', freeDimensionOverrides: { batch: 1, N: 1 } },
  'parallel executor': { graphOptimizationLevel: 'all', executionMode: 'parallel', interOpNumThreads: 2 },
};

const rssMiB = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
};

async function child(name, runs) {
  const ort = require('onnxruntime-node');
  const options = { executionProviders: ['cpu'], ...VARIANTS[name] };
  const baseRss = rssMiB();
  let t = performance.now();
  const session = await ort.InferenceSession.create(MODEL, options);
  const createMs = performance.now() - t;
  const afterCreate = { rss: rssMiB(), peak: process.resourceUsage().maxRSS / 1024 };
  const input = new Float32Array(3 * 512 * 512);
  for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.001) * 0.8; // fixed, not flat: exercises the numbers
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, 512, 512]) };
  t = performance.now();
  let out = (await session.run(feeds))[session.outputNames[0]].data;
  const firstRunMs = performance.now() - t;
  const ms = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    out = (await session.run(feeds))[session.outputNames[0]].data;
    ms.push(performance.now() - t);
  }
  const rssAfterRuns = rssMiB();
  const sample = [];
  for (let i = 0; i < out.length; i += 257) sample.push(out[i]);
  await session.release();
  return { name, baseRss, createMs, afterCreate, firstRunMs, runMs: median(ms), runs: ms, peakMiB: process.resourceUsage().maxRSS / 1024, rssAfterRuns, sample };
}

function runChild(name, runs) {
  return runJsonChild(__filename, ['--child', name, '--runs', String(runs)], `session-options child "${name}"`);
}

async function sessionOptions(options) {
  const names = Object.keys(VARIANTS);
  const results = [];
  for (const name of names) {
    log(`session: ${name}`);
    results.push(await runChild(name, options.runs));
  }
  // The "before" variant runs again last: how much the machine drifted over the section.
  log('session: before, again (drift check)');
  const again = await runChild(names[0], options.runs);
  const base = results[0];
  const diff = (r) => Math.max(...r.sample.map((v, i) => Math.abs(v - base.sample[i])));
  const rows = results.map((r) => [r.name, fixed(r.createMs / 1000, 2), fixed(r.afterCreate.peak, 0), fixed(r.peakMiB, 0), fixed(r.runMs, 0),
    fixed(r.runMs / base.runMs, 3), fixed(r.peakMiB / base.peakMiB, 3), diff(r) === 0 ? '0' : diff(r).toExponential(1)]);
  return {
    title: `7. Session options: onnxruntime-node, ${path.basename(MODEL)}, each variant in a fresh process, bare session.run on a fixed 1×3×512×512 tensor`,
    headers: ['variant', 'create s', 'peak RSS after create MiB', 'peak RSS after runs MiB', 'run ms (median)', 'run ÷ before', 'peak ÷ before', 'max |Δ output| vs before'],
    rows,
    notes: [
      `Each row: a new process creates the session, runs once (warm-up), then ${options.runs} timed runs; peak = process.resourceUsage().maxRSS.`,
      `Node alone is about ${fixed(base.baseRss, 0)} MiB before the session. "before" run again at the end: run ${fixed(again.runMs, 0)} ms, peak ${fixed(again.peakMiB, 0)} MiB (drift over the section).`,
      'Options are onnxruntime-common SessionOptions; "no prepacking" and "initializers outside the arena" are the session config keys session.disable_prepacking',
      'and session.use_device_allocator_for_initializers (passed in `extra`). The stand-in\'s input is fixed at 1×3×512×512, so free-dimension overrides change nothing for it.',
    ],
    data: { model: path.basename(MODEL), results, again },
  };
}

module.exports = { sessionOptions, VARIANTS };

if (require.main === module) {
  const { values } = require('util').parseArgs({ options: { child: { type: 'string' }, runs: { type: 'string' } } });
  if (!values.child || !VARIANTS[values.child]) {
    process.stderr.write('bench/session-options.js is a section of bench/run.js: node bench/run.js --only session\n');
    process.exit(2);
  }
  child(values.child, Number(values.runs || 3)).then(
    (r) => { process.stdout.write(`${JSON.stringify(r)}\n`); process.exit(0); },
    (e) => { process.stderr.write(`session child: ${e && e.stack ? e.stack : e}\n`); process.exit(1); },
  );
}
