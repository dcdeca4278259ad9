'use strict';
/**
 * Upsampler benchmarks: throughput per runtime, the effect of the tile size, and the quality and cost of the ways to
 * get a ×2 output. Each section returns {title, headers, rows, notes, data}; run.js prints and saves them.
 */
const path = require('path');
const { createUpsampler } = require('../build/core/upsampler');
const { planTiles, windowPixels } = require('../build/core/tiles');
const { createNodeRuntime } = require('../build/host/node/ort');
const { MODELS, IMAGES, log, measureAll, loadRgb, resizeRgb, psnr, maxAbsDiff, fixed } = require('./lib');

const X4 = path.join(MODELS, 'upscale', 'realesr-general-x4v3.onnx');
const X2 = path.join(MODELS, 'upscale', '2x-nomos-uni-compact.onnx');
const PHOTO = path.join(IMAGES, 'gfpgan_whole_00.jpg');
/** A 512×512 region of the 1297×1920 portrait, around the middle (face and hair, some background). */
const CROP = { left: 392, top: 600, width: 512, height: 512 };
/** Section 2's region: 768 pixels give a different grid for each tile size (2×2, 3×3, 6×6). */
const TILE_CROP = { left: 264, top: 472, width: 768, height: 768 };
const QUALITY_PHOTOS = ['gfpgan_whole_Blake_Lively.jpg', 'facexlib_test.jpg'];

const source = (file) => ({ label: path.basename(file), location: file });

/**
 * onnxruntime-web reads env.wasm.numThreads once, when its first session starts the wasm module, and keeps it for the
 * process. To compare thread counts in one process, each call loads a fresh copy of onnxruntime-web (and of
 * onnxruntime-common, where its backend registry and env live) by dropping them from require's cache. The copies
 * already loaded (onnxruntime-node's common, earlier wasm instances) are left as they are.
 */
function freshWebRuntime(threads) {
  for (const key of Object.keys(require.cache)) {
    if (/[\\/]node_modules[\\/]onnxruntime-(web|common)[\\/]|[\\/]build[\\/]host[\\/]node[\\/]ort-web\.js$/.test(key)) delete require.cache[key];
  }
  const { createWebRuntimeForNode } = require('../build/host/node/ort-web');
  const runtime = createWebRuntimeForNode({ threads });
  return { runtime, env: require('onnxruntime-web').env };
}

async function throughput(options) {
  const image = await loadRgb(PHOTO, CROP);
  const mp = (image.width * image.height) / 1e6;
  const layout = planTiles(image.width, image.height, { tile: 400, pad: 24, multiple: 8 });
  const configs = [
    { key: 'node-2t', name: 'onnxruntime-node, 2 threads (baseline)', make: () => ({ runtime: createNodeRuntime({ intraOpThreads: 2 }) }), runs: options.runs },
    { key: 'node-1t', name: 'onnxruntime-node, 1 thread', make: () => ({ runtime: createNodeRuntime({ intraOpThreads: 1 }) }), runs: options.runs },
    { key: 'web-1t', name: 'onnxruntime-web wasm, 1 thread', make: () => freshWebRuntime(1), runs: options.wasmRuns },
    { key: 'web-2t', name: 'onnxruntime-web wasm, 2 threads', make: () => freshWebRuntime(2), runs: options.wasmRuns },
  ];
  log('throughput: loading the runtimes');
  const loaded = [];
  for (const c of configs) {
    const { runtime, env } = c.make();
    const up = createUpsampler({ runtime, source: source(X4) });
    await up.load();
    // Read now: the next fresh copy replaces what require('onnxruntime-web') returns.
    loaded.push({ ...c, runtime: runtime.name, up, wasmNumThreads: env ? env.wasm.numThreads : undefined, output: undefined });
  }
  const measured = await measureAll(loaded.map((l) => ({ key: l.key, runs: l.runs, fn: async () => { l.output = await l.up.upscale(image); } })));
  const results = [];
  for (const l of loaded) {
    const plan = await l.up.plan(image.width, image.height);
    await l.up.dispose();
    const m = measured[l.key];
    results.push({
      key: l.key, name: l.name, runtime: l.runtime, wasmNumThreads: l.wasmNumThreads, ...m, mpPerSecond: mp / m.seconds,
      planSeconds: plan.seconds, tiles: plan.tiles, windowPixels: plan.windowPixels, maxAbsDiffVsBaseline: maxAbsDiff(l.output, loaded[0].output),
    });
  }
  const base = results[0].mpPerSecond;
  const web2 = results.find((r) => r.key === 'web-2t');
  const web1 = results.find((r) => r.key === 'web-1t');
  const multi = web2.busyThreads >= 2 && web2.cpuPerWall > 1.2;
  return {
    title: `1. Upsampler throughput: realesr-general-x4v3, scale 4, default tiles (400, pad 24), ${image.width}×${image.height} crop of gfpgan_whole_00.jpg`,
    headers: ['runtime', 'runs', 'median s', 'input MP/s', 'ratio', 'CPU/wall', 'busy threads', 'plan est. s', 'max |Δ| vs base'],
    rows: results.map((r) => [r.name, r.runs.length, fixed(r.seconds, 2), fixed(r.mpPerSecond, 4), fixed(r.mpPerSecond / base, 3),
      fixed(r.cpuPerWall, 2), r.busyThreads, fixed(r.planSeconds, 1), r.maxAbsDiffVsBaseline]),
    notes: [
      `tiles: ${layout.length}, window pixels ${windowPixels(layout).toLocaleString('en-US')} for ${(image.width * image.height).toLocaleString('en-US')} input pixels` +
        ` = ${fixed(windowPixels(layout) / (image.width * image.height), 3)}× overhead (context pad 24 each side, windows rounded to 8)`,
      'ratio = input MP/s ÷ baseline MP/s (higher is faster); CPU/wall = process CPU time ÷ wall time during a timed run (median);',
      'busy threads = threads of this process that did ≥10 % of the CPU work in one run (Linux /proc); plan est. = upsampler.plan() after the runs;',
      'max |Δ| vs base = largest 8-bit difference of the output from the baseline\'s output.',
      `onnxruntime-web 2 threads: env.wasm.numThreads = ${web2.wasmNumThreads}; ${multi
        ? `it does run multi-threaded in Node (an emscripten pthread on worker_threads shares the work: ${web2.busyThreads} busy threads, CPU/wall ${fixed(web2.cpuPerWall, 2)}),`
        : `it did NOT run multi-threaded here (${web2.busyThreads} busy thread(s), CPU/wall ${fixed(web2.cpuPerWall, 2)}),`}` +
        ` speed-up over 1 thread ${fixed(web1.seconds / web2.seconds, 2)}×.`,
      'Each wasm thread count uses a fresh copy of onnxruntime-web: numThreads is fixed process-wide at its first session.',
    ],
    data: { crop: { file: path.basename(PHOTO), ...CROP }, windowPixels: windowPixels(layout), inputPixels: image.width * image.height, results },
  };
}

async function tileSizes(options) {
  const image = await loadRgb(PHOTO, TILE_CROP);
  const pixels = image.width * image.height;
  const up = createUpsampler({ runtime: createNodeRuntime({ intraOpThreads: 2 }), source: source(X4) });
  await up.load();
  log('tiles:');
  const sizes = [400, 256, 128];
  const measured = await measureAll(sizes.map((tile) => ({ key: `tile ${tile}`, runs: options.runs, fn: () => up.upscale(image, { tile }) })));
  await up.dispose();
  const results = sizes.map((tile) => {
    const layout = planTiles(image.width, image.height, { tile, pad: 24, multiple: 8 });
    return { tile, tiles: layout.length, windowPixels: windowPixels(layout), ...measured[`tile ${tile}`] };
  });
  const base = results[0].seconds;
  return {
    title: `2. Tile size (onnxruntime-node, 2 threads, pad 24, realesr-general-x4v3 ×4, ${image.width}×${image.height} crop of gfpgan_whole_00.jpg)`,
    headers: ['tile', 'tiles', 'window px / input px', 'median s', 'ratio vs 400', 'input MP/s'],
    rows: results.map((r) => [r.tile, r.tiles, fixed(r.windowPixels / pixels, 3), fixed(r.seconds, 2), fixed(r.seconds / base, 3), fixed(pixels / 1e6 / r.seconds, 4)]),
    notes: [
      'ratio vs 400 = seconds ÷ seconds at tile 400 (above 1 is slower).',
      `A ${image.width}-pixel crop, because on 512 pixels tiles 400 and 256 give the same 2×2 grid of 256-pixel cores.`,
    ],
    data: { crop: { file: path.basename(PHOTO), ...TILE_CROP }, results },
  };
}

async function reducedScale(options) {
  const runtime = createNodeRuntime({ intraOpThreads: 2 });
  const x4 = createUpsampler({ runtime, source: source(X4) });
  const x2 = createUpsampler({ runtime, source: source(X2) });
  await Promise.all([x4.load(), x2.load()]);
  const results = [];
  for (const name of QUALITY_PHOTOS) {
    const full = await loadRgb(path.join(IMAGES, name));
    // Even sizes, so that half the input ×4 is exactly the ×2 size.
    const image = full.width % 2 || full.height % 2 ? await loadRgb(path.join(IMAGES, name), { left: 0, top: 0, width: full.width & ~1, height: full.height & ~1 }) : full;
    const w2 = image.width * 2, h2 = image.height * 2;
    log(`quality: ${name} ${image.width}×${image.height}`);
    const out = {};
    const m = await measureAll([
      { key: 'A', runs: options.runs, fn: async () => { out.A = await x4.upscale(image, { scale: 2 }); } },
      { key: 'B', runs: options.runs, fn: async () => { out.B = await x4.upscale(await resizeRgb(image, image.width / 2, image.height / 2, 'lanczos3')); } },
      { key: 'C', runs: options.runs, fn: async () => { out.C = await x2.upscale(image); } },
    ]);
    const lanczos = await resizeRgb(image, w2, h2, 'lanczos3');
    for (const k of ['A', 'B', 'C']) if (out[k].width !== w2 || out[k].height !== h2) throw new Error(`${k} is ${out[k].width}×${out[k].height}, expected ${w2}×${h2}`);
    results.push({
      photo: name, width: image.width, height: image.height,
      seconds: { A: m.A.seconds, B: m.B.seconds, C: m.C.seconds }, runs: { A: m.A.runs, B: m.B.runs, C: m.C.runs },
      psnrVsA: { B: psnr(out.B, out.A), C: psnr(out.C, out.A), lanczos: psnr(lanczos, out.A) },
    });
  }
  await Promise.all([x4.dispose(), x2.dispose()]);
  const rows = [];
  for (const r of results) {
    const label = `${r.photo} ${r.width}×${r.height}`;
    rows.push([`${label}  A x4 model → engine ↓2 (scale: 2)`, fixed(r.seconds.A, 2), '1.000', 'reference']);
    rows.push([`${label}  B sharp lanczos3 ↓2 → x4 model`, fixed(r.seconds.B, 2), fixed(r.seconds.B / r.seconds.A, 3), fixed(r.psnrVsA.B, 2)]);
    rows.push([`${label}  C 2x-nomos-uni-compact`, fixed(r.seconds.C, 2), fixed(r.seconds.C / r.seconds.A, 3), fixed(r.psnrVsA.C, 2)]);
    rows.push([`${label}  (plain sharp lanczos3 ×2, no model)`, '-', '-', fixed(r.psnrVsA.lanczos, 2)]);
  }
  return {
    title: '3. Output scale 2 with a ×4 model: quality vs cost (onnxruntime-node, 2 threads, default tiles)',
    headers: ['photo / method', 'median s', 'time ratio vs A', 'PSNR vs A (dB)'],
    rows,
    notes: [
      'PSNR over all RGB samples of the ×2 outputs, 8-bit, peak 255; A is the reference (it is what `scale: 2` does), not ground truth.',
      'B\'s time includes the sharp downscale. The plain Lanczos row shows how far an upscale with no model at all is from A, for scale.',
    ],
    data: { results },
  };
}

module.exports = { throughput, tileSizes, reducedScale };
