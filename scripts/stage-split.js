#!/usr/bin/env node
/**
 * Per-stage time split of one CLI-equivalent run (decode → detect → align → restore → paste/composite → encode),
 * with model time measured around every session.run. Median of 3 runs after a warm-up run.
 *
 *   npm run build && node scripts/stage-split.js [image] [restore-model.onnx] [upscale]
 * Defaults: ../shared/images/gfpgan_whole_00.jpg, the full-size GFPGAN v1.4 stand-in, ×2.
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const { createRestorer } = require('../build/core');
const { createNodeRuntime } = require('../build/host/node/ort');
const { readImage } = require('../build/host/node/image-io');
const { writeResultFiles } = require('../build/host/node/outputs');

const shared = path.resolve(__dirname, '..', '..', 'shared');
const imageFile = process.argv[2] || path.join(shared, 'images', 'gfpgan_whole_00.jpg');
const modelFile = process.argv[3] || path.join(shared, 'models', 'restore', 'gfpgan-v1.4-arch-random.fp16w.onnx');
const upscale = Number(process.argv[4] || 2);

async function main() {
  const base = createNodeRuntime();
  const modelMs = { detect: 0, restore: 0 };
    const runtime = {
    name: base.name,
    async load(source) {
      const m = await base.load(source);
      const role = source.label === 'restorer' ? 'restore' : 'detect';
      return { ...m, inputs: m.inputs, outputs: m.outputs, run: async (feeds) => { const t = performance.now(); try { return await m.run(feeds); } finally { modelMs[role] += performance.now() - t; } } };
    },
  };
  const restorer = createRestorer({
    runtime,
    detector: { kind: 'yunet', source: { label: 'detector', location: path.join(shared, 'models', 'detection', 'yunet-2023mar-640.onnx') } },
    restorer: { source: { label: 'restorer', location: modelFile } },
  });
  let t = performance.now();
  await restorer.warmup();
  const sessionMs = performance.now() - t;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stages-'));
  const runs = [];
  for (let i = 0; i < 4; i++) {
    modelMs.detect = 0; modelMs.restore = 0;
    const marks = { start: performance.now() };
    const { image, iccProfile } = await readImage(imageFile);
    marks.decoded = performance.now();
    const result = await restorer.restore(image, {
      upscale,
      onProgress: (e) => { if (e.stage === 'detect' && e.done === 1) marks.detected = performance.now(); },
    });
    marks.restored = performance.now();
    // The CLI's writer: every file of the photo, as `facerestore` writes them.
    await writeResultFiles({ root: out, basename: path.parse(imageFile).name, iccProfile }, result, path.extname(imageFile).slice(1));
    marks.written = performance.now();
    const total = marks.written - marks.start;
    runs.push({
      faces: result.faces.length,
      decode: marks.decoded - marks.start,
      detectModel: modelMs.detect,
      detectOther: marks.detected - marks.decoded - modelMs.detect,
      restoreModel: modelMs.restore,
      alignPasteComposite: marks.restored - marks.detected - modelMs.restore,
      encode: marks.written - marks.restored,
      total,
      outsideRun: (total - modelMs.detect - modelMs.restore) / total,
    });
  }
  await restorer.dispose();
  fs.rmSync(out, { recursive: true, force: true });
  const kept = runs.slice(1);
  const median = (k) => kept.map((r) => r[k]).sort((a, b) => a - b)[1];
  console.log(`${path.basename(imageFile)}, ${path.basename(modelFile)}, ×${upscale}, ${runtime.name}, ${runs[0].faces} faces, ${os.cpus().length} cores`);
  console.log(`session creation (both models): ${sessionMs.toFixed(0)} ms`);
  for (const k of ['decode', 'detectModel', 'detectOther', 'restoreModel', 'alignPasteComposite', 'encode', 'total']) {
    console.log(`${k.padEnd(20)} ${median(k).toFixed(1).padStart(9)} ms  ${(100 * median(k) / median('total')).toFixed(1).padStart(5)} %`);
  }
  console.log(`share outside session.run: ${(100 * median('outsideRun')).toFixed(1)} %`);
}
main().catch((e) => { console.error(e); process.exit(1); });
