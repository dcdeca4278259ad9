'use strict';
/**
 * The web page in Chromium: per-face restore time with the full-size GFPGAN stand-in at 1 thread and at all cores,
 * measured through the page's own controller (`window.faceRestore`) after importing the models with the file chooser
 * as a user would, against a bare onnxruntime-node `session.run` of the same model in this process. Returns
 * {title, headers, rows, notes, data} like the other sections.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startDemoServer } = require('../scripts/demo-server');
const { ROOT, MODELS, IMAGES, log, median, measureAll, fixed } = require('./lib');

const WEB_ROOT = path.join(ROOT, 'dist', 'web');
const GFPGAN = path.join(MODELS, 'restore', 'gfpgan-v1.4-arch-random.fp16w.onnx');
const GFPGAN_LABEL = 'gfpgan-v1.4-arch-random.fp16w';
const YUNET = path.join(MODELS, 'detection', 'yunet-2023mar-640.onnx');
const ONE_FACE = path.join(IMAGES, 'codeformer_whole_03.jpg');
const FOUR_FACES = path.join(IMAGES, 'codeformer_whole_00.jpg');
/** Generous: one face with the full-size graph on one wasm thread takes about a minute on a slow machine. */
const TIMEOUT = 20 * 60_000;

function chromiumPath() {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

async function launchChromium() {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(`browser: Chromium is missing at ${executablePath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  const { chromium } = require('playwright-core');
  // --no-sandbox: Chromium refuses to start with its sandbox as root (containers).
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
}

/** The baseline: bare onnxruntime-node session.run of the GFPGAN stand-in on a fixed 1×3×512×512 tensor. */
async function nodeBaseline(options, cores) {
  const ort = require('onnxruntime-node');
  const data = new Float32Array(3 * 512 * 512);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 2001) / 1000 - 1; // fixed values in [-1, 1], as GFPGAN's input
  const input = new ort.Tensor('float32', data, [1, 3, 512, 512]);
  const counts = [...new Set([cores, 1])];
  const sessions = [];
  for (const threads of counts) {
    const started = process.hrtime.bigint();
    const session = await ort.InferenceSession.create(GFPGAN, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads });
    const createSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    log(`  node-${threads}t: session created in ${createSeconds.toFixed(1)} s`);
    sessions.push({ key: `node-${threads}t`, threads, session, createSeconds });
  }
  const measured = await measureAll(sessions.map((s) => ({
    key: s.key, runs: options.runs,
    fn: async () => {
      const out = await s.session.run({ [s.session.inputNames[0]]: input });
      for (const t of Object.values(out)) t.dispose?.();
    },
  })));
  const results = [];
  for (const s of sessions) {
    await s.session.release();
    results.push({ key: s.key, threads: s.threads, createSeconds: s.createSeconds, ...measured[s.key] });
  }
  return results;
}

/** Waits until the page is idle (no run, no open, no import). */
async function idle(page) {
  await page.waitForFunction(() => {
    const c = window.faceRestore;
    return c !== undefined && c.state.phase === 'idle' && !c.web.isOpening && !c.state.isImporting;
  }, null, { timeout: TIMEOUT });
}

/** Imports a model with the Models section's button and the browser's file chooser, as a user does. */
async function importModel(page, file) {
  const name = path.basename(file);
  const button = page.locator('sp-button.fr-models-import');
  if (!(await button.isVisible())) await page.locator('sp-action-button.fr-models-toggle').click();
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: TIMEOUT }), button.click()]);
  await chooser.setFiles(file);
  await page.waitForFunction((n) => {
    const c = window.faceRestore;
    return c.state.isImporting === false && (c.state.status.text.includes(`Imported ${n}`) || c.state.status.text.startsWith('Not imported'));
  }, name, { timeout: TIMEOUT });
  const text = await page.evaluate(() => window.faceRestore.state.status.text);
  if (!text.startsWith(`Imported ${name}`)) throw new Error(`browser: importing ${name} failed: ${text}`);
}

async function openPhoto(page, file) {
  await page.locator('input.fr-open-input').setInputFiles(file);
  await page.waitForFunction((n) => window.faceRestore.web.isOpening === false && window.faceRestore.web.image?.name === n, path.basename(file), { timeout: TIMEOUT });
  await idle(page);
}

/**
 * One Restore, timed in the page around `window.faceRestore.restore()` (which settles when the page is idle again),
 * with every progress update the controller published (seconds from the start, label).
 */
async function timedRestore(page, expectedFaces) {
  const r = await page.evaluate(async () => {
    const c = window.faceRestore;
    const events = [];
    let last;
    const off = c.subscribe(() => {
      const p = c.state.progress;
      if (p !== last && p !== undefined) events.push({ t: performance.now(), label: p.label });
      last = p;
    });
    const t0 = performance.now();
    try {
      await c.restore();
    } finally {
      off();
    }
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, events: events.map((e) => ({ t: (e.t - t0) / 1000, label: e.label })), status: c.state.status, faces: c.state.faces.length };
  });
  if (r.status.kind !== 'success' || !/^Restored \d+ face/.test(r.status.text)) throw new Error(`browser: Restore failed: ${r.status.text}`);
  if (r.faces !== expectedFaces) throw new Error(`browser: expected ${expectedFaces} face(s), the page restored ${r.faces}`);
  return { seconds: r.seconds, ...stages(r.events, expectedFaces) };
}

/**
 * Reads the stages off the progress labels. Per face the pipeline reports 'align' and 'restore' (both labelled
 * "Restoring face …") around the model step, then 'paste' ("Blending faces…"); detection reports twice ("Finding
 * faces…"), before and after. Model time of a face = 'restore' − 'align': preprocessing, the session run in the
 * worker (with the tensors' transfer) and postprocessing. Undefined where the labels do not match that pattern.
 */
function stages(events, faces) {
  const finding = events.filter((e) => e.label === 'Finding faces…');
  const detect = finding.length >= 2 ? finding[1].t - finding[0].t : undefined;
  const models = [];
  for (let k = 2; k < events.length; k++) {
    if (events[k].label !== 'Blending faces…') continue;
    const [align, restore] = [events[k - 2], events[k - 1]];
    if (/^Restoring face /.test(align.label) && /^Restoring face /.test(restore.label)) models.push(restore.t - align.t);
  }
  return { detect, models: models.length === faces ? models : undefined, events };
}

async function measurePage(browser, server, threads, runs) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
    await page.goto(`${server.url}?threads=${threads}`);
    await idle(page);
    const runtime = await page.evaluate(() => window.faceRestore.web.runtime);
    if (runtime.threads !== threads) throw new Error(`browser: ?threads=${threads} gave ${runtime.threads} thread(s): ${runtime.note}`);
    const runtimeText = (await page.locator('.fr-web-runtime').innerText().catch(() => '')).trim();
    log(`browser ${threads}t: ${runtime.note} importing the models`);
    await importModel(page, YUNET);
    await importModel(page, GFPGAN);
    await page.locator('sp-dropdown.fr-model select').selectOption({ label: GFPGAN_LABEL });
    const modelId = await page.evaluate(() => window.faceRestore.state.modelId);
    if (modelId !== `${GFPGAN_LABEL}.onnx`) throw new Error(`browser: the restore model is ${modelId}, not ${GFPGAN_LABEL}.onnx`);

    await openPhoto(page, ONE_FACE);
    const first = await timedRestore(page, 1);
    log(`  browser-${threads}t: first restore (incl. session creation) ${first.seconds.toFixed(1)} s`);
    const timed = [];
    for (let i = 0; i < runs; i++) {
      // Opened again so that each timed Restore is a whole one (detection included), as the first was.
      await openPhoto(page, ONE_FACE);
      const r = await timedRestore(page, 1);
      timed.push(r);
      log(`  browser-${threads}t: run ${i + 1}/${runs} ${r.seconds.toFixed(2)} s (model ${r.models ? r.models[0].toFixed(2) : '?'} s)`);
    }
    await openPhoto(page, FOUR_FACES);
    const four = await timedRestore(page, 4);
    log(`  browser-${threads}t: 4-face photo ${four.seconds.toFixed(1)} s (models ${four.models ? four.models.map((s) => s.toFixed(1)).join(', ') : '?'} s)`);
    const modelRuns = timed.every((r) => r.models) ? timed.map((r) => r.models[0]) : undefined;
    const detects = timed.map((r) => r.detect).filter((d) => d !== undefined);
    return {
      threads, isCrossOriginIsolated: runtime.isCrossOriginIsolated, runtimeNote: runtime.note, runtimeText,
      firstSeconds: first.seconds, firstModelSeconds: first.models?.[0],
      restoreSeconds: median(timed.map((r) => r.seconds)), restoreRuns: timed.map((r) => +r.seconds.toFixed(3)),
      modelSeconds: modelRuns ? median(modelRuns) : undefined, modelRuns: modelRuns?.map((s) => +s.toFixed(3)),
      detectSeconds: detects.length ? median(detects) : undefined,
      fourFaceSeconds: four.seconds, fourFacePerFace: four.seconds / 4, fourFaceModels: four.models?.map((s) => +s.toFixed(3)),
      fourFaceProgress: four.events.map((e) => `${e.t.toFixed(2)} s ${e.label}`),
      errors,
    };
  } finally {
    await context.close();
  }
}

/** Throws, readably, when something the section needs is missing; run.js calls it before any section runs. */
function checkBrowser() {
  if (!fs.existsSync(path.join(WEB_ROOT, 'index.html'))) throw new Error(`browser: ${WEB_ROOT}/index.html is missing: run npm run build first`);
  if (!fs.existsSync(chromiumPath())) throw new Error(`browser: Chromium is missing at ${chromiumPath()}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  for (const file of [GFPGAN, YUNET, ONE_FACE, FOUR_FACES]) if (!fs.existsSync(file)) throw new Error(`browser: ${file} is missing (shared data)`);
}

async function browserSection(options) {
  checkBrowser();
  const cores = os.cpus().length;
  const runs = options.wasmRuns;
  log('browser: onnxruntime-node baseline (bare session.run of the GFPGAN stand-in)');
  const node = await nodeBaseline(options, cores);
  const base = node[0];

  const server = await startDemoServer({ root: WEB_ROOT, port: 0, isolated: true, log: () => undefined });
  let browser;
  const pages = [];
  let version = '?';
  try {
    browser = await launchChromium();
    version = browser.version();
    log(`browser: Chromium ${version}, page ${server.url}`);
    for (const threads of [...new Set([1, cores])]) pages.push(await measurePage(browser, server, threads, runs));
  } finally {
    await browser?.close();
    await server.close();
  }

  const ratio = (s) => (s === undefined ? '-' : `${fixed(s / base.seconds, 1)}×`);
  const s = (v, d = 2) => (v === undefined ? '-' : fixed(v, d));
  const rows = [
    ...node.map((n) => [`onnxruntime-node, bare session.run${n === base ? ' (baseline)' : ''}`,
      n.threads, '-', s(n.createSeconds + n.seconds, 1), '-', s(n.seconds), '-', `-/${ratio(n.seconds)}/-`]),
    ...pages.map((p) => [`Chromium page, onnxruntime-web wasm`, p.threads, p.isCrossOriginIsolated ? 'yes' : 'no', s(p.firstSeconds, 1),
      s(p.restoreSeconds), s(p.modelSeconds), s(p.fourFacePerFace), `${ratio(p.restoreSeconds)}/${ratio(p.modelSeconds)}/${ratio(p.fourFacePerFace)}`]),
  ];
  const one = pages.find((p) => p.threads === 1);
  const all = pages.find((p) => p.threads === cores);
  const notes = [
    `Command: node bench/run.js --only browser (after npm run build); ${runs} timed Restores per thread count after one warm-up, medians shown.`,
    `Measured in Chromium ${version} (headless, playwright-core), the built page (dist/web) served cross-origin isolated by scripts/demo-server.js,`,
    '  a fresh browser context (empty storage) per thread count loading ?threads=N; YuNet and the GFPGAN stand-in imported with the',
    `  file chooser, then ${path.basename(ONE_FACE)} (1 face) opened and Restore run through window.faceRestore.restore(), timed in the page`,
    '  with performance.now() until it settles (page idle again): detection, alignment, the model, paste and the composite, at ×1.',
    '  The photo is opened again before each timed Restore, so each one detects faces again (detection is not reused).',
    'first restore = the warm-up Restore, including both sessions\' creation in the worker (for node: session create + one run).',
    'model-only = time between the \'align\' and \'restore\' progress events of a face ("Restoring face …"): pre/postprocessing, the tensors\'',
    '  transfer to and from the worker, and session.run. The page runs sessions in onnxruntime-web\'s proxy worker (env.wasm.proxy),',
    '  which starts wasm pthread workers for its other threads when N > 1.',
    `4-face per face = one Restore of ${path.basename(FOUR_FACES)} (4 faces, detection included) ÷ 4, after the 1-face runs (sessions warm).`,
    `ratio = browser seconds ÷ the baseline's session.run median (${s(base.seconds)} s, onnxruntime-node ${base.threads} threads, ${base.runs.length} runs after a warm-up,`,
    '  fixed 1×3×512×512 float tensor, graphOptimizationLevel all), shown as restore / model-only / 4-face; higher is slower.',
    'The model is GFPGAN v1.4\'s full architecture with random weights stored as fp16 (about 396 GFLOP per face); its run time is what a real',
    '  GFPGAN v1.4 costs, its output is noise.',
  ];
  if (one && all && one !== all) {
    notes.push(`${cores} threads vs 1 in the page: restore ${fixed(one.restoreSeconds / all.restoreSeconds, 2)}× faster` +
      (one.modelSeconds && all.modelSeconds ? `, model-only ${fixed(one.modelSeconds / all.modelSeconds, 2)}× faster` : '') +
      `; onnxruntime-node ${cores} vs 1 thread: ${fixed(node[1].seconds / node[0].seconds, 2)}× faster.`);
  }
  for (const p of pages) {
    if (p.detectSeconds !== undefined) notes.push(`${p.threads} thread(s): detection (YuNet) ${fixed(p.detectSeconds, 2)} s of each 1-face Restore; runs ${p.restoreRuns.join(', ')} s; 4-face model steps ${p.fourFaceModels ? p.fourFaceModels.join(', ') : '?'} s.`);
    if (p.errors.length) notes.push(`${p.threads} thread(s): page errors: ${p.errors.slice(0, 3).join(' | ')}`);
  }
  return {
    title: '5. Web page in Chromium: restore time per face, GFPGAN v1.4 full-size stand-in, 1 thread vs all cores',
    headers: ['runtime', 'threads', 'cross-origin isolated', 'first restore s (incl. session creation)', 'restore per face s', 'model-only per face s',
      '4-face photo per face s', '÷ baseline (restore/model/4-face)'],
    rows,
    notes,
    data: { chromium: version, model: path.basename(GFPGAN), photos: { oneFace: path.basename(ONE_FACE), fourFaces: path.basename(FOUR_FACES) }, node, pages },
  };
}

module.exports = { browser: browserSection, checkBrowser };
