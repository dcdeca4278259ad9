'use strict';
/**
 * Section `stages`: where the time of one CLI-equivalent restore goes (decode → detect → align → restore model →
 * paste/composite → encode), per runtime, against a bare session.run of the same model in the same process; session
 * creation and peak RSS; how the cost grows with the number of faces; detection on a 12 MP photo.
 *
 * Every runtime is measured in a fresh child process (`node bench/stages.js --child node|web --threads N --runs R`),
 * which prints one JSON line: onnxruntime-web fixes its thread count at the first session for the whole process, and
 * peak RSS (process.resourceUsage().maxRSS) is only meaningful per process.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const sharp = require('sharp');
const { ROOT, MODELS, IMAGES, log, median, loadRgb, table, fixed, runJsonChild } = require('./lib');
const { runMeasured, hasGnuTime } = require('./memory');

const RESTORE_MODEL = path.join(MODELS, 'restore', 'gfpgan-v1.4-arch-random.fp16w.onnx');
const DETECT_MODEL = path.join(MODELS, 'detection', 'yunet-2023mar-640.onnx');
const PHOTO = path.join(IMAGES, 'gfpgan_whole_00.jpg');
const CROPS = ['Adele', 'Julia_Roberts', 'Justin_Timberlake', 'Paris_Hilton'].map((n) => path.join(IMAGES, `gfpgan_cropped_${n}_crop.png`));
const STAGES = ['decode', 'detectModel', 'detectOther', 'align', 'restoreModel', 'paste', 'encode', 'total'];
/** Finer split of the per-face time outside session.run (see splitRun). */
const PARTS = ['alignWarp', 'toTensor', 'fromTensor', 'placeFace', 'composite', 'detectPrepare', 'detectPrePost'];

// ---------------------------------------------------------------------------------------------------------------
// Child: one runtime in one process.

/** A restorer whose models' run() calls are timed: {restorer, timing, restoreModel()}. */
function timedRestorer(runtime) {
  const { createRestorer } = require('../build/core');
  const timing = { detectMs: 0, runs: [] };
  let restoreModel;
  const wrapped = {
    name: runtime.name,
    async load(source) {
      const m = await runtime.load(source);
      const isRestore = source.label === 'restorer';
      const run = async (feeds) => {
        const start = performance.now();
        try {
          return await m.run(feeds);
        } finally {
          const end = performance.now();
          if (isRestore) timing.runs.push({ start, end });
          else timing.detectMs += end - start;
        }
      };
      const model = { inputs: m.inputs, outputs: m.outputs, run, release: () => m.release(), bare: m };
      if (isRestore) restoreModel = model;
      return model;
    },
  };
  const restorer = createRestorer({
    runtime: wrapped,
    detector: { kind: 'yunet', source: { label: 'detector', location: DETECT_MODEL } },
    restorer: { source: { label: 'restorer', location: RESTORE_MODEL } },
  });
  return { restorer, timing, restoreModel: () => restoreModel };
}

/**
 * One run, split by the progress events' timestamps and the restore model's run() start/end times. Per face i:
 * alignWarp = previous boundary → its 'align' event (alignFace), toTensor = 'align' → run() start, fromTensor = run()
 * end → its 'restore' event, placeFace = 'restore' → 'paste'; composite = last 'paste' → restore() returned.
 */
async function splitRun(t, image, options = {}) {
  const { writeResultFiles } = require('../build/host/node/outputs');
  const { readImage } = require('../build/host/node/image-io');
  t.timing.detectMs = 0;
  t.timing.runs = [];
  const ev = { align: [], restore: [], paste: [] };
  const start = performance.now();
  let input = image;
  let icc;
  if (!input) ({ image: input, iccProfile: icc } = await readImage(PHOTO));
  const decoded = performance.now();
  let detected, detecting;
  const result = await t.restorer.restore(input, {
    upscale: 1,
    onProgress: (e) => {
      if (e.stage === 'detect') {
        if (e.done === 0) detecting = performance.now();
        else detected = performance.now();
      }
      // First report only: the pipeline's closing 'paste' (after the composite) repeats the last face's count.
      else if (ev[e.stage] && ev[e.stage][e.done - 1] === undefined) ev[e.stage][e.done - 1] = performance.now();
    },
  });
  const restored = performance.now();
  if (options.out) await writeResultFiles({ root: options.out, basename: 'stages', iccProfile: icc }, result, 'jpg');
  const written = performance.now();
  const n = result.faces.length;
  const r = { faces: n, decode: image ? 0 : decoded - start, detectModel: t.timing.detectMs, detectOther: detected - decoded - t.timing.detectMs };
  for (const k of PARTS) r[k] = 0;
  // detect other = prepare (validate, toWorkingRgb: decode end → 'detect' 0) + the detector's own pre/post-processing.
  r.detectPrepare = detecting - decoded;
  r.detectPrePost = detected - detecting - t.timing.detectMs;
  r.restoreModel = 0;
  let boundary = detected;
  for (let i = 0; i < n; i++) {
    const run = t.timing.runs[i];
    r.alignWarp += ev.align[i] - boundary;
    r.toTensor += run.start - ev.align[i];
    r.restoreModel += run.end - run.start;
    r.fromTensor += ev.restore[i] - run.end;
    r.placeFace += ev.paste[i] - ev.restore[i];
    boundary = ev.paste[i];
  }
  r.composite = restored - boundary;
  r.align = r.alignWarp + r.toTensor;
  r.paste = r.fromTensor + r.placeFace + r.composite;
  r.encode = options.out ? written - restored : 0;
  r.total = written - start;
  return r;
}

const medianOf = (runs) => Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));

async function child(kind, threads, runs) {
  const runtime = kind === 'node'
    ? require('../build/host/node/ort').createNodeRuntime({ intraOpThreads: threads })
    : require('../build/host/node/ort-web').createWebRuntimeForNode({ threads });
  const t = timedRestorer(runtime);
  let started = performance.now();
  await t.restorer.warmup();
  const sessionMs = performance.now() - started;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-stages-'));
  const res = { kind, threads, runtime: runtime.name, sessionMs };
  try {
    const model = t.restoreModel().bare;
    const feeds = { [model.inputs[0].name]: { type: 'float32', data: new Float32Array(3 * 512 * 512).fill(0.1), dims: [1, 3, 512, 512] } };
    const bare = async () => { const s = performance.now(); await model.run(feeds); return performance.now() - s; };
    started = performance.now();
    const warm = await splitRun(t, undefined, { out });
    res.warmupMs = performance.now() - started;
    res.maxRssMiBAfterOneRestore = process.resourceUsage().maxRSS / 1024;
    await bare();
    log(`  ${kind} ${threads}t: session ${(sessionMs / 1000).toFixed(1)} s, warm-up restore ${(warm.total / 1000).toFixed(1)} s (${warm.faces} faces)`);
    const split = [];
    const base = [];
    for (let i = 0; i < runs; i++) { // interleaved: bare run, whole restore
      base.push(await bare());
      split.push(await splitRun(t, undefined, { out }));
      log(`  ${kind} ${threads}t run ${i + 1}/${runs}: bare ${(base[i] / 1000).toFixed(2)} s, restore ${(split[i].total / 1000).toFixed(2)} s`);
    }
    Object.assign(res, { baselineMs: median(base), baselineRuns: base, stages: medianOf(split), runs: split });
    if (kind === 'node') Object.assign(res, await scaling(t, runs), { detect12mp: await detect12mp(t, runs) });
  } finally {
    await t.restorer.dispose();
    fs.rmSync(out, { recursive: true, force: true });
  }
  return res;
}

/** N = 1, 2, 4, 8 aligned crops (256²) in the slots of a fixed 4×2 grid on a neutral grey canvas, so only N varies. */
async function mosaic(n) {
  const slot = 320, size = 256;
  const tiles = await Promise.all(CROPS.map((f) => sharp(f).removeAlpha().resize(size, size, { kernel: 'lanczos3' }).png().toBuffer()));
  const composites = Array.from({ length: n }, (_, i) => ({
    input: tiles[i % tiles.length], left: (i % 4) * slot + (slot - size) / 2, top: Math.floor(i / 4) * slot + (slot - size) / 2,
  }));
  const { data, info } = await sharp({ create: { width: 4 * slot, height: 2 * slot, channels: 3, background: { r: 128, g: 128, b: 128 } } })
    .composite(composites).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length), maxValue: 255 };
}

async function scaling(t, runs) {
  const cases = [];
  for (const n of [1, 2, 4, 8]) cases.push({ name: `mosaic N=${n}`, wanted: n, image: await mosaic(n) });
  cases.push({ name: 'scrfd-opencv_s_l.jpg', wanted: 2, image: await loadRgb(path.join(IMAGES, 'scrfd-opencv_s_l.jpg')) });
  const scale = [];
  for (const c of cases) {
    const found = (await t.restorer.detect(c.image)).length;
    await splitRun(t, c.image); // warm-up
    const rs = [];
    for (let i = 0; i < runs; i++) rs.push(await splitRun(t, c.image));
    const m = medianOf(rs);
    scale.push({ name: c.name, width: c.image.width, height: c.image.height, wanted: c.wanted, found, ...m });
    log(`  scaling ${c.name}: ${found}/${c.wanted} faces, ${(m.total / 1000).toFixed(2)} s`);
  }
  // Least-squares slope of total and of overhead (total − restore model) over the mosaics' face counts.
  const pts = scale.filter((s) => s.name.startsWith('mosaic') && s.faces > 0);
  const slope = (y) => {
    const mx = pts.reduce((a, p) => a + p.faces, 0) / pts.length, my = pts.reduce((a, p) => a + y(p), 0) / pts.length;
    const den = pts.reduce((a, p) => a + (p.faces - mx) ** 2, 0);
    return den ? pts.reduce((a, p) => a + (p.faces - mx) * (y(p) - my), 0) / den : NaN;
  };
  return { scaling: scale, slopes: { totalMsPerFace: slope((p) => p.total), modelMsPerFace: slope((p) => p.restoreModel), overheadMsPerFace: slope((p) => p.total - p.restoreModel) } };
}

async function detect12mp(t, runs) {
  const photo = await loadRgb(PHOTO);
  const { data, info } = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .resize(3000, 4000, { fit: 'cover', kernel: 'lanczos3' }).raw().toBuffer({ resolveWithObject: true });
  const image = { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length), maxValue: 255 };
  const { toWorkingRgb } = require('../build/core/image');
  let faces = (await t.restorer.detect(image)).length;
  const rgbMs = [];
  for (let i = 0; i < runs; i++) { const s = performance.now(); toWorkingRgb(image); rgbMs.push(performance.now() - s); }
  const ms = [];
  const modelMs = [];
  for (let i = 0; i < runs; i++) {
    t.timing.detectMs = 0;
    const s = performance.now();
    faces = (await t.restorer.detect(image)).length;
    ms.push(performance.now() - s);
    modelMs.push(t.timing.detectMs);
  }
  return { width: image.width, height: image.height, faces, ms: median(ms), modelMs: median(modelMs), toWorkingRgbMs: median(rgbMs), runs: ms };
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: spawn the children, print the tables.

/**
 * Peak RSS of the CLI (its own process, as a user runs it) on 12 MP photos with 4 faces at -s 1 with the full-size
 * stand-in: "pair" = two copies of gfpgan_whole_00.jpg at 2000×3000 side by side (faces at a usual size; `runs`
 * times), "worst" = codeformer_whole_00.jpg enlarged 8× to 4000×3000 (four faces of ~1000 px; once).
 */
async function cliPeak12mp(runs, model = RESTORE_MODEL) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-stages-rss-'));
  try {
    const pair = path.join(tmp, 'pair-12mp.jpg'), worst = path.join(tmp, 'worst-12mp.jpg');
    const half = await sharp(PHOTO).resize(2000, 3000, { fit: 'cover', kernel: 'lanczos3' }).png().toBuffer();
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .composite([{ input: half, left: 0, top: 0 }, { input: half, left: 2000, top: 0 }]).jpeg({ quality: 92 }).toFile(pair);
    await sharp(path.join(IMAGES, 'codeformer_whole_00.jpg')).resize(4000, 3000, { fit: 'cover', kernel: 'lanczos3' }).jpeg({ quality: 92 }).toFile(worst);
    const useTime = await hasGnuTime();
    const measure = async (input, name) => {
      const args = [process.execPath, path.join(ROOT, 'bin', 'facerestore.js'), '-i', input, '-o', path.join(tmp, 'out'), '-s', '1',
        '--model', model, '--detector-model', DETECT_MODEL, '--json'];
      const r = await runMeasured(args, tmp, useTime);
      let faces = '?';
      try { faces = JSON.parse(r.stdout).files[0].faces; } catch { faces = `exit ${r.code}: ${r.stderrTail}`; }
      log(`  CLI 12 MP ${name}: ${faces} faces, peak RSS ${(r.peakRssKb / 1024).toFixed(0)} MiB, ${r.wallSeconds.toFixed(1)} s`);
      return { peakMiB: r.peakRssKb / 1024, wallSeconds: r.wallSeconds, faces, method: r.method };
    };
    const pairRuns = [];
    for (let i = 0; i < runs; i++) pairRuns.push(await measure(pair, `pair run ${i + 1}/${runs}`));
    const worstRun = await measure(worst, 'worst case');
    const peaks = pairRuns.map((r) => r.peakMiB);
    return { pair: { runs: pairRuns, medianMiB: median(peaks), maxMiB: Math.max(...peaks), faces: pairRuns[0].faces }, worst: worstRun, method: pairRuns[0].method,
      command: `node bin/facerestore.js -i <12 MP photo> -o <tmp> -s 1 --model ${model.startsWith(os.tmpdir()) ? '<model>' : path.relative(ROOT, model)} --detector-model ${path.relative(ROOT, DETECT_MODEL)} --json` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function runChild(kind, threads, runs) {
  return runJsonChild(__filename, ['--child', kind, '--threads', String(threads), '--runs', String(runs)], `stages child ${kind} ${threads}t`);
}

async function stages(options) {
  const configs = [
    { kind: 'node', threads: 2, runs: options.runs, label: 'onnxruntime-node 2t' },
    { kind: 'web', threads: 1, runs: options.wasmRuns, label: 'onnxruntime-web 1t' },
    { kind: 'web', threads: 2, runs: options.wasmRuns, label: 'onnxruntime-web 2t' },
  ];
  const results = [];
  for (const c of configs) {
    log(`stages: ${c.label} (child process, ${c.runs} runs after a warm-up)`);
    results.push({ label: c.label, ...(await runChild(c.kind, c.threads, c.runs)) });
  }
  log('stages: CLI peak RSS on 12 MP photos with 4 faces');
  results[0].cli12mp = await cliPeak12mp(options.runs);
  return report(results);
}

/** The section from the children's results (also usable on a saved --json: report(json.results.stages.results)). */
function report(results) {
  const ms = (v) => fixed(v, 0);
  // Tables inside the notes: one note per line, so run.js indents every line alike.
  const sub = (headers, rows) => table(headers, rows).split('\n');
  const rows = [];
  for (const r of results) {
    const s = r.stages;
    const exclRestore = (s.total - s.restoreModel) / s.total;
    const exclModels = (s.total - s.restoreModel - s.detectModel) / s.total;
    r.overhead = { exclRestoreModel: exclRestore, exclAllModels: exclModels, msPerFace: (s.total - s.restoreModel) / s.faces, msPerFaceExclAllModels: (s.total - s.restoreModel - s.detectModel) / s.faces };
    rows.push([`${r.label}  ms`, ...STAGES.map((k) => ms(s[k])), `${fixed(100 * exclRestore, 1)} / ${fixed(100 * exclModels, 1)} %`,
      `${ms(r.overhead.msPerFace)} / ${ms(r.overhead.msPerFaceExclAllModels)}`, ms(r.baselineMs)]);
    rows.push([`${r.label}  ÷ bare run`, ...STAGES.map((k) => fixed(s[k] / r.baselineMs, 3)), '', '', '1.000']);
  }
  const node = results[0];
  const partRows = results.map((r) => [r.label, ...PARTS.slice(0, 5).map((k) => fixed(r.stages[k] / r.stages.faces, 1)), fixed(r.stages.detectOther / r.stages.faces, 1),
    fixed(r.stages.detectPrepare / r.stages.faces, 1), fixed(r.stages.detectPrePost / r.stages.faces, 1), fixed((r.stages.decode + r.stages.encode) / r.stages.faces, 1)]);
  const scaleRows = node.scaling.map((c) => [`${c.name} (${c.width}×${c.height})`, `${c.found}/${c.wanted}`, ms(c.total), ms(c.restoreModel),
    ms(c.detectModel), ms(c.total - c.restoreModel), c.faces ? ms(c.total / c.faces) : '-', c.faces ? ms((c.total - c.restoreModel) / c.faces) : '-']);
  const d = node.detect12mp;
  const modelPerFace = node.stages.restoreModel / node.stages.faces;
  const missed = node.scaling.filter((c) => c.found !== c.wanted).map((c) => `${c.name}: ${c.found} of ${c.wanted}`);
  return {
    title: `6. Stages: gfpgan_whole_00.jpg (1297×1920, ${node.stages.faces} faces), ${path.basename(RESTORE_MODEL)}, ×1, YuNet; each runtime in its own child process`,
    headers: ['runtime', ...STAGES.map((k) => ({ detectModel: 'detect model', detectOther: 'detect other', restoreModel: 'restore run' }[k] ?? k)),
      'overhead excl. restore / all models', 'overhead ms/face (same)', 'bare run ms'],
    rows,
    notes: [
      'Medians of the timed runs (node --runs, web --wasm-runs) after one warm-up; decode = readImage, encode = writeResultFiles (every CLI output file) into a temp dir.',
      'align = detection end → the face\'s session.run start (alignFace + tensor packing); restore run = session.run of the GFPGAN stand-in; paste = run end → next face',
      '  (unpacking, placeFace) + the final composite. detect model = YuNet session.run; detect other = toWorkingRgb, letterbox, decoding, NMS.',
      'overhead = (total − model time) ÷ total, first excluding only the restore model\'s runs, then also the detector\'s; ms/face = (total − model) ÷ faces.',
      '÷ bare run = stage time ÷ the median bare session.run of the stand-in on a fixed 1×3×512×512 tensor in the same process (interleaved with the restores).',
      '',
      ...sub(['runtime', 'session creation s (both)', 'first restore s', `peak RSS MiB after one restore`], results.map((r) => [r.label, fixed(r.sessionMs / 1000, 2), fixed(r.warmupMs / 1000, 2), fixed(r.maxRssMiBAfterOneRestore, 0)])),
      '(fresh child process per runtime: process.resourceUsage().maxRSS right after the first restore; first restore includes encode)',
      '',
      'Per face, ms outside any model run (node: --runs medians):',
      ...sub(['runtime', 'align warp', 'to tensor', 'from tensor', 'placeFace', 'composite', 'detect other', '= prepare', '+ detector pre/post', 'decode+encode'], partRows),
      '(align warp = alignFace; to/from tensor = restoreFace around session.run; prepare = validate + toWorkingRgb of the whole photo, before the detector)',
      '',
      `Face-count scaling, onnxruntime-node 2 threads, fixed 1280×640 grey canvas with N of the 4 gfpgan_cropped_* crops at 256² (no encode):`,
      ...sub(['image', 'faces found', 'total ms', 'restore run ms', 'detect run ms', 'total − restore ms', 'ms/face', 'overhead ms/face'], scaleRows),
      `slopes over the mosaics (least squares): total ${ms(node.slopes.totalMsPerFace)} ms/face, restore model ${ms(node.slopes.modelMsPerFace)} ms/face, ` +
        `overhead ${ms(node.slopes.overheadMsPerFace)} ms/face${missed.length ? `; detector missed faces (${missed.join(', ')}): rows use the faces found` : '; the detector found every N'}`,
      '',
      `Detection on ${d.width}×${d.height} (gfpgan_whole_00.jpg, sharp lanczos3 cover), onnxruntime-node: restorer.detect ${ms(d.ms)} ms median (model ${ms(d.modelMs)} ms; toWorkingRgb alone ${ms(d.toWorkingRgbMs)} ms), ${d.faces} faces;` +
        ` ${fixed(100 * d.ms / modelPerFace, 1)} % of one face's restore session.run (${ms(modelPerFace)} ms) — target ≤ 10 %.`,
      ...(node.cli12mp ? [
        '',
        `CLI peak RSS (${node.cli12mp.method}), 4000×3000 JPEG with 4 faces, -s 1, full-size stand-in, no upsampler (target ≤ 1.2 GB):`,
        `  two copies of gfpgan_whole_00.jpg side by side: median ${ms(node.cli12mp.pair.medianMiB)} MiB = ${fixed(node.cli12mp.pair.medianMiB * 2 ** 20 / 1e9, 2)} GB ` +
          `(max ${ms(node.cli12mp.pair.maxMiB)} MiB over ${node.cli12mp.pair.runs.length} runs), ${node.cli12mp.pair.faces} faces`,
        `  worst case, codeformer_whole_00.jpg enlarged 8× (faces ~1000 px): ${ms(node.cli12mp.worst.peakMiB)} MiB = ${fixed(node.cli12mp.worst.peakMiB * 2 ** 20 / 1e9, 2)} GB, ${node.cli12mp.worst.faces} faces`,
        `  ${node.cli12mp.command}`,
      ] : []),
    ],
    data: { photo: path.basename(PHOTO), model: path.basename(RESTORE_MODEL), results },
  };
}

module.exports = { stages, report, cliPeak12mp };

if (require.main === module) {
  const { values } = require('util').parseArgs({ options: { child: { type: 'string' }, threads: { type: 'string' }, runs: { type: 'string' } } });
  if (!values.child) {
    process.stderr.write('bench/stages.js is a section of bench/run.js: node bench/run.js --only stages\n');
    process.exit(2);
  }
  child(values.child, Number(values.threads || 2), Number(values.runs || 3)).then(
    (r) => { process.stdout.write(`${JSON.stringify(r)}\n`); process.exit(0); },
    (e) => { process.stderr.write(`stages child: ${e && e.stack ? e.stack : e}\n`); process.exit(1); },
  );
}
