'use strict';
/**
 * Section `graphs`: the project's own GFPGAN graph (src/core/convert: constant modulated-convolution weights,
 * d ⊙ conv(s ⊙ x, W)) against the naive export (run-time modulated weights) on onnxruntime-node and onnxruntime-web,
 * and what onnxruntime-web offers on our graph (graph optimisation level, relaxed SIMD, int8 weight-only quantisation
 * of the largest layers), each option's speed against its output error.
 *
 * Our graphs are built from a seeded random state dict with the official v1.4 layout into a temporary folder (deleted
 * at the end). Every model runs in its own child process (bench/graphs-child.js: its own peak RSS, its own wasm thread
 * count), kept alive so that the timed runs of the variants compared are interleaved across processes (A B C A B C …)
 * after one warm-up each.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { spawn, spawnSync } = require('child_process');
const { performance } = require('perf_hooks');
const { ROOT, MODELS, log, median, fixed, table } = require('./lib');
const { quantizeLargestInitializers } = require('./onnx-int8');
const { cliPeak12mp } = require('./stages');

const NAIVE = path.join(MODELS, 'restore', 'gfpgan-v1.4-arch-random.fp16w.onnx');
const SEED = 20250609;
/** int8 weight-only: float32 initializers of at least this many values (final_linear and the decoder's 3×3 convs). */
const INT8_MIN_ELEMENTS = 1 << 20;
/** An option is "faster" only below this ratio to the default: run-to-run noise here is a few per cent. */
const FASTER = 0.95;
const MAX_ERROR = 1e-3;
/** Pause between two timed runs, so that one child's spinning onnxruntime threads have gone idle before the next. */
const PAUSE_MS = 150;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (file) => fs.statSync(file).size / 1e6;
const packageVersion = (name) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/** A graphs-child.js process: start() waits for its session; request() sends one command and awaits its JSON line. */
class Child {
  constructor(key, args) {
    this.key = key;
    this.proc = spawn(process.execPath, [path.join(__dirname, 'graphs-child.js'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.waiting = [];
    this.closed = false;
    this.warm = false;
    this.proc.stderr.on('data', (d) => process.stderr.write(d));
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next.resolve(JSON.parse(line));
    });
    this.proc.on('close', (code) => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error(`graphs child ${key} exited with ${code}`));
    });
  }

  next() {
    return new Promise((resolve, reject) => {
      if (this.closed) reject(new Error(`graphs child ${this.key} has exited`));
      else this.waiting.push({ resolve, reject });
    });
  }

  async start() {
    this.info = await this.next();
    log(`  ${this.key}: session created in ${(this.info.createMs / 1000).toFixed(1)} s`);
    return this;
  }

  request(command) {
    const reply = this.next();
    this.proc.stdin.write(`${command}\n`);
    return reply;
  }

  async exit() {
    if (this.closed) return this.end;
    const closed = new Promise((resolve) => this.proc.on('close', resolve));
    this.end = await this.request('exit');
    await closed;
    return this.end;
  }

  kill() {
    if (!this.closed) this.proc.kill('SIGKILL');
  }
}

/** Starts the children one after another (each session's creation time is measured with the others idle). */
async function startAll(specs, live) {
  const children = [];
  for (const s of specs) {
    const args = ['--runtime', s.runtime, '--threads', String(s.threads), '--model', s.model];
    if (s.level) args.push('--level', s.level);
    if (s.extra) args.push('--extra', JSON.stringify(s.extra));
    const c = new Child(s.key, args);
    live.add(c);
    children.push(await c.start());
  }
  return children;
}

/**
 * One warm-up run of each child not yet warm, then `runs` rounds of timed runs interleaved across the children.
 * Returns {key: {ms: [...], cpuMs: [...]}} for this block, with the 1-minute load average before and after it.
 */
async function interleave(children, runs) {
  const loadBefore = os.loadavg()[0];
  for (const c of children) {
    if (c.warm) continue;
    const { ms } = await c.request('run');
    c.warm = true;
    c.warmupMs = ms;
    log(`  ${c.key}: warm-up ${(ms / 1000).toFixed(1)} s`);
    await sleep(PAUSE_MS);
  }
  const samples = Object.fromEntries(children.map((c) => [c.key, { ms: [], cpuMs: [] }]));
  for (let round = 0; round < runs; round++) {
    for (const c of children) {
      const { ms, cpuMs } = await c.request('run');
      samples[c.key].ms.push(ms);
      samples[c.key].cpuMs.push(cpuMs);
      log(`  ${c.key}: run ${round + 1}/${runs} ${(ms / 1000).toFixed(2)} s`);
      await sleep(PAUSE_MS);
    }
  }
  return { samples, load: [loadBefore, os.loadavg()[0]] };
}

/** max |a − ref| ÷ max |ref| over two float32 output files. */
function relError(file, refFile) {
  const read = (f) => {
    const b = fs.readFileSync(f);
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  };
  const a = read(file);
  const ref = read(refFile);
  let diff = 0;
  let peak = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - ref[i]));
    peak = Math.max(peak, Math.abs(ref[i]));
  }
  return diff / peak;
}

const expo = (v) => (v === undefined ? '—' : v === 0 ? '0' : v.toExponential(2));

/** Our graphs (fp32 and fp16 weights) from the seeded state dict, and the int8 rewrite of the fp32 one. */
function buildModels(tmp) {
  const { randomGfpganStateDict } = require(path.join(ROOT, 'build', 'core', 'convert', 'random-gfpgan.js'));
  const { convertStateDict } = require(path.join(ROOT, 'build', 'core', 'convert', 'index.js'));
  let t = performance.now();
  const tensors = randomGfpganStateDict(SEED);
  let parameters = 0;
  for (const v of tensors.values()) parameters += v.data.length;
  const stateDictS = (performance.now() - t) / 1000;
  const files = { naive: NAIVE, ours: path.join(tmp, 'ours.fp32w.onnx'), ours16: path.join(tmp, 'ours.fp16w.onnx'), int8: path.join(tmp, 'ours.int8w.onnx') };
  t = performance.now();
  const fp32 = convertStateDict(tensors, { weights: 'float32' }).model;
  const convertS = (performance.now() - t) / 1000;
  fs.writeFileSync(files.ours, fp32);
  t = performance.now();
  fs.writeFileSync(files.ours16, convertStateDict(tensors, { weights: 'float16' }).model);
  const convert16S = (performance.now() - t) / 1000;
  t = performance.now();
  const q = quantizeLargestInitializers(fp32, { minElements: INT8_MIN_ELEMENTS });
  fs.writeFileSync(files.int8, q.model);
  const quantS = (performance.now() - t) / 1000;
  log(`graphs: state dict ${stateDictS.toFixed(1)} s, convert fp32 ${convertS.toFixed(1)} s, fp16 ${convert16S.toFixed(1)} s, int8 rewrite ${quantS.toFixed(1)} s`);
  const quantisedElements = q.quantised.reduce((a, b) => a + b.elements, 0);
  return { files, parameters, stateDictS, convertS, convert16S, quantS, quant: { layers: q.quantised.map((l) => l.name), quantisedElements, weightRelRms: q.weightRelRms } };
}

/**
 * Whether relaxed SIMD can be used: the wasm binaries onnxruntime-web ships, and whether each compiles in a V8 with
 * relaxed SIMD turned off (then it holds no relaxed-SIMD instruction). GC and stack switching are turned on for the
 * JSPI build, which needs them; the relaxed-SIMD probe (wasm-factory.ts's) must then fail to validate.
 */
function relaxedSimdEvidence() {
  const dist = path.join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');
  const wasm = fs.readdirSync(dist).filter((f) => f.endsWith('.wasm'));
  const probe = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 1, 253, 15, 65, 2, 253, 15, 65, 3, 253, 15, 253, 147, 2, 11];
  const script = `const fs=require('fs');const p=require('path');const d=${JSON.stringify(dist)};
    const out={relaxedProbe:WebAssembly.validate(new Uint8Array(${JSON.stringify(probe)})),compiles:{}};
    for(const f of ${JSON.stringify(wasm)}){try{new WebAssembly.Module(fs.readFileSync(p.join(d,f)));out.compiles[f]=true}catch(e){out.compiles[f]=e.message}}
    process.stdout.write(JSON.stringify(out));`;
  const flags = ['--no-experimental-wasm-relaxed-simd', '--experimental-wasm-gc', '--experimental-wasm-stack-switching'];
  const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' });
  let checked;
  try {
    checked = r.status === 0 ? JSON.parse(r.stdout) : undefined;
  } catch {
    checked = undefined;
  }
  const inThisNode = WebAssembly.validate(new Uint8Array(probe));
  return { dist: path.relative(ROOT, dist), wasm, flags, checked, inThisNode, stderr: checked ? undefined : (r.stderr || '').trim().split('\n')[0] };
}

/**
 * "adopt" only if the error is within MAX_ERROR and the option is faster beyond noise: its median below FASTER× the
 * default's and every timed run of it faster than every timed run of the default, over at least MIN_RUNS runs each
 * (with 2 runs each that ordering happens by chance 1 time in 6, with 3 runs 1 in 20).
 */
const MIN_RUNS = 3;
function verdict(row, base) {
  const ratio = row.ms / base.ms;
  const ok = row.error <= MAX_ERROR;
  const ordered = ratio < FASTER && Math.max(...row.runs) < Math.min(...base.runs);
  const enough = Math.min(row.runs.length, base.runs.length) >= MIN_RUNS;
  if (ok && ordered && enough) return 'adopt';
  const why = [!ok && `error ${expo(row.error)} > 1e-3`,
    !ordered && `${fixed(ratio, 2)}×, not clearly faster`,
    ordered && !enough && `${fixed(ratio, 2)}×, every run faster, but ${row.runs.length} runs cannot show it; rerun with ${MIN_RUNS} or more`].filter(Boolean);
  return `keep default (${why.join('; ')})`;
}

/** A table row's numbers from a child and its samples in one block. */
function rowOf(c, spec, block, files, ref) {
  const { ms, cpuMs } = block.samples[c.key];
  return {
    key: c.key, name: spec.name, threads: spec.threads, mb: mb(files[spec.file]), createMs: c.info.createMs, warmupMs: c.warmupMs,
    ms: median(ms), fastestMs: Math.min(...ms), runs: ms.map((v) => Math.round(v)), cpuPerWall: median(ms.map((v, i) => cpuMs[i] / v)),
    peakMiB: c.end?.peakMiB, peakAfterCreateMiB: c.info.peakAfterCreateMiB, wasmNumThreads: c.info.wasmNumThreads, error: spec.file === 'naive' ? undefined : relError(spec.out, ref),
  };
}

const INT8_FOLD = { session: { disable_quant_qdq: '1' } };

async function graphs(o) {
  const started = performance.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-bench-graphs-'));
  const live = new Set();
  const withOut = (spec) => ({ ...spec, out: path.join(tmp, `${spec.key}.f32`) });
  const save = async (children, specs) => {
    for (const [i, c] of children.entries()) await c.request(`save ${specs[i].out}`);
  };
  const exitAll = async (children) => {
    for (const c of children) await c.exit();
  };
  try {
    const built = buildModels(tmp);
    const { files } = built;
    const ref = path.join(tmp, 'node-ours.f32');

    log('graphs: A. onnxruntime-node, 2 threads');
    const nodeSpecs = [
      { key: 'node-naive', name: 'naive export (fp16 weights, run-time modulated weights)', file: 'naive' },
      { key: 'node-ours', name: 'ours, fp32 weights', file: 'ours' },
      { key: 'node-ours16', name: 'ours, fp16 weights', file: 'ours16' },
      { key: 'node-int8', name: 'ours, int8 largest layers (DequantizeLinear per run)', file: 'int8' },
      { key: 'node-int8-fold', name: 'ours, int8 largest layers, DQ folded at load', file: 'int8', extra: INT8_FOLD },
    ].map((s) => withOut({ ...s, runtime: 'node', threads: 2, model: files[s.file] }));
    const nodeKids = await startAll(nodeSpecs, live);
    const nodeBlock = await interleave(nodeKids, o.runs);
    await save(nodeKids, nodeSpecs);
    await exitAll(nodeKids);
    const nodeRows = nodeKids.map((c, i) => rowOf(c, nodeSpecs[i], nodeBlock, files, ref));

    log('graphs: B. onnxruntime-web (wasm), 1 thread');
    const webSpecs = (threads) => [
      { key: `web${threads}-naive`, name: 'naive export (fp16 weights)', file: 'naive' },
      { key: `web${threads}-ours`, name: 'ours, fp32 weights', file: 'ours' },
      { key: `web${threads}-ours16`, name: 'ours, fp16 weights', file: 'ours16' },
    ].map((s) => withOut({ ...s, runtime: 'web', threads, model: files[s.file] }));
    const web1Specs = webSpecs(1);
    const web1 = await startAll(web1Specs, live);
    const web1Block = await interleave(web1, o.wasmRuns);
    await save(web1, web1Specs);
    await exitAll([web1[0], web1[2]]);
    const oursWeb = web1[1];

    log('graphs: C. onnxruntime-web options on our graph, 1 thread');
    const optionSpecs = [
      { key: 'web1-disabled', name: 'graphOptimizationLevel disabled', file: 'ours', level: 'disabled' },
      { key: 'web1-basic', name: 'graphOptimizationLevel basic', file: 'ours', level: 'basic' },
      { key: 'web1-extended', name: 'graphOptimizationLevel extended', file: 'ours', level: 'extended' },
      { key: 'web1-int8', name: 'int8 largest layers (DequantizeLinear per run)', file: 'int8' },
      { key: 'web1-int8-fold', name: 'int8 largest layers, DQ folded at load', file: 'int8', extra: INT8_FOLD },
    ].map((s) => withOut({ ...s, runtime: 'web', threads: 1, model: files[s.file] }));
    const optionKids = await startAll(optionSpecs, live);
    const optionBlock = await interleave([oursWeb, ...optionKids], o.wasmRuns);
    await save(optionKids, optionSpecs);
    await exitAll([oursWeb, ...optionKids]);
    const web1Rows = web1.map((c, i) => rowOf(c, web1Specs[i], web1Block, files, ref));
    const webRef = web1Specs[1].out;
    const optionRows = [{ ...rowOf(oursWeb, { ...web1Specs[1], name: 'graphOptimizationLevel all (the default)' }, optionBlock, files, ref), errorWeb: 0 },
      ...optionKids.map((c, i) => ({ ...rowOf(c, optionSpecs[i], optionBlock, files, ref), errorWeb: relError(optionSpecs[i].out, webRef) }))];

    let web2Rows = [];
    let web2Block;
    if (os.cpus().length >= 2) {
      log('graphs: B. onnxruntime-web (wasm), 2 threads');
      const web2Specs = webSpecs(2).slice(0, 2);
      const web2 = await startAll(web2Specs, live);
      web2Block = await interleave(web2, o.wasmRuns);
      await save(web2, web2Specs);
      await exitAll(web2);
      web2Rows = web2.map((c, i) => rowOf(c, web2Specs[i], web2Block, files, ref));
    }
    log('graphs: D. CLI peak RSS on 12 MP photos with 4 faces, the naive export and ours');
    const cli = { naive: await cliPeak12mp(o.runs, NAIVE), ours: await cliPeak12mp(o.runs, files.ours) };
    const relaxed = relaxedSimdEvidence();
    const loads = { A: nodeBlock.load, B1: web1Block.load, C: optionBlock.load, B2: web2Block?.load };
    return report(o, { built, nodeRows, web1Rows, web2Rows, optionRows, cli, relaxed, loads, seconds: (performance.now() - started) / 1000 });
  } finally {
    for (const c of live) c.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A sub-table printed among the notes (run.js prints one table per section, so parts B and C come as notes). */
function subTable(title, headers, rows) {
  return ['', title, '', ...table(headers, rows).split('\n'), ''];
}

function relaxedText(relaxed, ver) {
  const lines = [`Relaxed SIMD: not available in onnxruntime-web ${ver}. Its dist folder ships ${relaxed.wasm.join(', ')}; Node loads ort-wasm-simd-threaded.wasm.`];
  if (relaxed.checked) {
    const results = Object.entries(relaxed.checked.compiles).map(([f, v]) => `${f}: ${v === true ? 'compiles' : `does not compile (${v})`}`);
    lines.push(`  Compiled in node ${relaxed.flags.join(' ')} (relaxed SIMD off: the relaxed-SIMD probe of wasm-factory.ts validates: ${relaxed.checked.relaxedProbe}): ${results.join('; ')}.`);
    lines.push('  A binary that compiles there holds no relaxed-SIMD instruction. One that does not compile failed on another feature this Node lacks (its error names it), which proves');
    lines.push('  nothing either way; the JSPI build is the WebGPU one, not used by the wasm backend in Node.');
  } else lines.push(`  Could not compile them with relaxed SIMD off (${relaxed.stderr}).`);
  lines.push('  env.wasm.simd = \'relaxed\' only checks that the engine supports it and loads the same binary (onnxruntime-common env.d.ts: it "does not make ONNX Runtime to switch to the corresponding');
  lines.push('  runtime"; wasmPaths/wasmBinary would have to name a relaxed build), and such a build exists only from source (--enable_wasm_relaxed_simd, microsoft/onnxruntime#22794). Not timed.');
  lines.push(`  This Node (${process.version}) ${relaxed.inThisNode ? 'runs relaxed SIMD' : 'has relaxed SIMD off by default (--experimental-wasm-relaxed-simd)'}.`);
  return lines;
}

/** A warning when runs got clearly fewer cores than their threads (other processes on the machine). */
function contention(rows) {
  const starved = rows.filter((row) => row.cpuPerWall < 0.8 * row.threads);
  if (!starved.length) return [];
  return [`Busy machine: ${starved.map((row) => `${row.key} ${fixed(row.cpuPerWall, 2)} of ${row.threads}`).join(', ')} cores used per run (CPU ÷ wall); those medians include waiting for the CPU, so the fastest runs are the better guide and a rerun on a quiet machine the best.`];
}

function report(o, r) {
  const { built, nodeRows, web1Rows, web2Rows, optionRows, cli, relaxed, loads } = r;
  const cliText = (c) => `pair median ${fixed(c.pair.medianMiB, 0)} MiB (runs ${c.pair.runs.map((x) => fixed(x.peakMiB, 0)).join(', ')}), worst case ${fixed(c.worst.peakMiB, 0)} MiB`;
  const ver = packageVersion('onnxruntime-web');
  const ms = (v) => String(Math.round(v));
  const headers = ['model', 'file MB', 'create s', 'ms per face (median)', 'fastest ms', '÷ naive', 'CPU ÷ wall', 'peak after create MiB', 'peak RSS MiB', 'peak ÷ naive', 'max|Δ| ÷ max|ref|'];
  const line = (row, base) => [row.name, fixed(row.mb, 0), fixed(row.createMs / 1000, 2), ms(row.ms), ms(row.fastestMs), fixed(row.ms / base.ms, 3), fixed(row.cpuPerWall, 2),
    fixed(row.peakAfterCreateMiB, 0), fixed(row.peakMiB, 0), fixed(row.peakMiB / base.peakMiB, 2), expo(row.error)];
  const load = (l) => (l ? `; 1-min load average ${l[0].toFixed(1)} → ${l[1].toFixed(1)}` : '');
  const webNotes = [[web1Rows, loads.B1], [web2Rows, loads.B2]].filter(([g]) => g.length).flatMap(([g, l]) => subTable(
    `B. onnxruntime-web ${ver} (wasm) in Node, ${g[0].threads} thread${g[0].threads > 1 ? 's' : ''} (env.wasm.numThreads = ${g[0].wasmNumThreads}), WASM_SESSION_OPTIONS, ${o.wasmRuns} timed runs; baseline the naive export${load(l)}`,
    headers, g.map((row) => line(row, g[0]))));
  const base = optionRows[0];
  const optionTable = optionRows.map((row) => [row.name, fixed(row.mb, 0), fixed(row.createMs / 1000, 2), ms(row.ms), ms(row.fastestMs), fixed(row.ms / base.ms, 3), fixed(row.cpuPerWall, 2),
    fixed(row.peakMiB, 0), expo(row.error), expo(row.errorWeb), row === base ? '(default)' : verdict(row, base).split(' (')[0]]);
  optionTable.push([`relaxed SIMD: not available in onnxruntime-web ${ver}`, '—', '—', '—', '—', '—', '—', '—', '—', '—', 'n/a']);
  const optionNotes = subTable(`C. onnxruntime-web ${ver} options on our graph (fp32 weights), wasm 1 thread, ${o.wasmRuns} timed runs; baseline level all (the default) in the same block${load(loads.C)}`,
    ['option', 'file MB', 'create s', 'ms per face (median)', 'fastest ms', '÷ default', 'CPU ÷ wall', 'peak RSS MiB', 'max|Δ| ÷ max|ref| (node ref)', 'vs wasm default', 'verdict'], optionTable);
  const [nodeBase, nodeOurs] = nodeRows;
  const target = (g, limit) => `${fixed(g[1].ms / g[0].ms, 3)}× median, ${fixed(g[1].fastestMs / g[0].fastestMs, 3)}× fastest run — ${g[1].ms / g[0].ms <= limit ? 'met' : 'not met'}`;
  return {
    title: `9. Graphs: our GFPGAN v1.4 graph (constant modulated-conv weights) against the naive export, one 1×3×512×512 face\n\nA. onnxruntime-node ${packageVersion('onnxruntime-node')}, 2 threads, NODE_SESSION_OPTIONS, ${o.runs} timed runs; baseline the naive export${load(loads.A)}`,
    headers,
    rows: nodeRows.map((row) => line(row, nodeBase)),
    notes: [
      ...webNotes,
      ...optionNotes,
      `Targets: ours ≤ 0.8× the naive export on onnxruntime-node: ${target(nodeRows, 0.8)}. No slower on wasm: 1 thread ${target(web1Rows, 1)}${web2Rows.length ? `; 2 threads ${target(web2Rows, 1)}` : ''}.`,
      ...contention([...nodeRows, ...web1Rows, ...web2Rows, ...optionRows]),
      `D. CLI peak RSS (${cli.ours.method}), 4000×3000 JPEG with 4 faces, -s 1, no upsampler (target of section 6: ≤ 1.2 GB = 1144 MiB): naive export ${cliText(cli.naive)}; ours (fp32, what \`models pull\` installs) ${cliText(cli.ours)}. Command: ${cli.ours.command}.`,
      `Verdicts (adopt only if max error ≤ 1e-3 of the node reference's peak, and faster: median < ${FASTER}× the default's and every run faster than every run of the default, over ≥ ${MIN_RUNS} timed runs each):`,
      ...optionRows.slice(1).map((row) => `  wasm, ${row.name}: ${verdict(row, base)}`),
      ...nodeRows.filter((row) => row.key.startsWith('node-int8')).map((row) => `  onnxruntime-node, ${row.name.replace('ours, ', '')}: ${verdict(row, nodeOurs)} (against our fp32 graph there)`),
      `Our graphs: randomGfpganStateDict(${SEED}), ${built.parameters.toLocaleString('en-US')} values (${built.stateDictS.toFixed(1)} s); convertStateDict fp32 ${built.convertS.toFixed(1)} s, fp16 ${built.convert16S.toFixed(1)} s; written to a temporary folder, deleted at the end. The naive export is ${path.basename(NAIVE)} (same architecture, other random weights, so no error is shown for it).`,
      'Each model runs in its own fresh child process (bench/graphs-child.js): its session is created with the others idle, then one warm-up, then timed session.run calls interleaved across the processes of one block; peak RSS is the child\'s own high-water mark after creating its session and at its end (VmHWM in /proc/self/status; process.resourceUsage().maxRSS would not do: on Linux it survives exec, so a child of this parent, which holds the state dict, would report the parent\'s RSS at least); CPU ÷ wall is the child\'s CPU time (all threads) over the run\'s wall time, median. Row 1 of C is the process of row 2 of B at 1 thread, timed again among the options.',
      'Error: max |output − reference| ÷ max |reference| on the fixed input; reference = our fp32 graph on onnxruntime-node (A, row 2); "vs wasm default" = our fp32 graph on wasm at level all (C, row 1).',
      `int8: the ${built.quant.layers.length} float32 initializers of ≥ ${INT8_MIN_ELEMENTS.toLocaleString('en-US')} values (final_linear.weight and the decoder's modulated 3×3 conv weights, ${(built.quant.quantisedElements / 1e6).toFixed(1)} M of the values) stored as int8 with a per-output-channel scale behind DequantizeLinear (bench/onnx-int8.js rewrites the fp32 model's protobuf; ${built.quantS.toFixed(1)} s); weight error √(Σ(w−ŵ)²/Σw²) = ${expo(built.quant.weightRelRms)}; the demodulation energies stay those of the fp32 weights. onnxruntime keeps DequantizeLinear nodes out of constant folding by default (for its QDQ fusions), so they run on every session.run (and on onnxruntime-node the ten convolutions they feed get no NCHWc pre-packed weights: checked on the optimised model onnxruntime saves); "DQ folded at load" sets the session config entry session.disable_quant_qdq = 1, which lets constant folding turn them back into float32 initializers at load (smaller file, same numbers as the int8 row).`,
      ...relaxedText(relaxed, ver),
      `Section time ${(r.seconds / 60).toFixed(1)} min.`,
    ],
    data: { seed: SEED, built: { ...built, files: undefined }, nodeRows, web1Rows, web2Rows, optionRows, cli, relaxed, loads, seconds: r.seconds },
  };
}

module.exports = { graphs };
