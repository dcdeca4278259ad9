'use strict';
/**
 * Peak memory of the CLI on a 12-megapixel photo at -s 2, with the realesr-general-x4v3 background upsampler and
 * without one (the baseline). The input is made from a shared photo in a temporary folder outside the repo, the CLI
 * runs as a child process, and its peak RSS comes from GNU time (-v) or, without it, from polling /proc/<pid>/status.
 */
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const sharp = require('sharp');
const { ROOT, MODELS, IMAGES, log, fixed } = require('./lib');

const WIDTH = 3000, HEIGHT = 4000;
const PHOTO = path.join(IMAGES, 'gfpgan_whole_00.jpg');
const GNU_TIME = '/usr/bin/time';

function hasGnuTime() {
  return new Promise((resolve) => {
    const child = spawn(GNU_TIME, ['-v', 'true'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Runs `args` (node + script) and resolves to {code, stdout, stderrTail, wallSeconds, peakRssKb, cpuSeconds, method}. */
async function runMeasured(args, tmp, useTime) {
  const report = path.join(tmp, `time-${Date.now()}.txt`);
  const [command, argv] = useTime ? [GNU_TIME, ['-v', '-o', report, ...args]] : [args[0], args.slice(1)];
  const started = process.hrtime.bigint();
  const child = spawn(command, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', polled = 0;
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  // VmHWM is the peak so far, so the last successful read before exit is (within one interval) the peak.
  const poll = useTime ? undefined : setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) polled = Math.max(polled, Number(m[1]));
    } catch {
      // the process has exited
    }
  }, 50);
  const code = await new Promise((resolve, reject) => { child.on('error', reject); child.on('exit', (c) => resolve(c)); });
  if (poll) clearInterval(poll);
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  let peakRssKb = polled, cpuSeconds;
  if (useTime) {
    const text = fs.readFileSync(report, 'utf8');
    peakRssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(text)?.[1]);
    cpuSeconds = Number(/User time \(seconds\): ([\d.]+)/.exec(text)?.[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(text)?.[1]);
  }
  const stderrTail = stderr.replace(/\r/g, '\n').split('\n').filter((l) => l.trim()).slice(-3).join(' | ');
  return { code, stdout, stderrTail, wallSeconds, peakRssKb, cpuSeconds, method: useTime ? 'GNU time -v' : 'polling /proc VmHWM' };
}

async function memory() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-bench-'));
  try {
    const input = path.join(tmp, 'photo-12mp.jpg');
    log(`memory: making a ${WIDTH}×${HEIGHT} input from ${path.basename(PHOTO)} in ${tmp}`);
    await sharp(PHOTO).resize(WIDTH, HEIGHT, { fit: 'cover', kernel: 'lanczos3' }).jpeg({ quality: 95 }).toFile(input);
    const useTime = await hasGnuTime();
    const common = ['-i', input, '-s', '2', '--model', path.join(MODELS, 'restore', 'identity-512.onnx'),
      '--detector-model', path.join(MODELS, 'detection', 'yunet-2023mar-dynamic.onnx'), '--json'];
    const runs = [
      { key: 'no-upsampler', name: 'CLI -s 2, no upsampler (baseline)', extra: [] },
      { key: 'upsampler', name: 'CLI -s 2, --bg-upsampler realesr-general-x4v3', extra: ['--bg-upsampler', path.join(MODELS, 'upscale', 'realesr-general-x4v3.onnx')] },
    ];
    const commandLines = [];
    const results = [];
    for (const run of runs) {
      const args = [process.execPath, path.join(ROOT, 'bin', 'facerestore.js'), ...common, '-o', path.join(tmp, `out-${run.key}`), ...run.extra];
      const shown = args.slice(2).map((a) => (a.startsWith(ROOT) || a.startsWith(path.dirname(ROOT)) ? path.relative(ROOT, a) : a));
      commandLines.push(`${useTime ? `${GNU_TIME} -v ` : ''}node bin/facerestore.js ${shown.join(' ')}`);
      log(`memory: ${run.name} …`);
      const r = await runMeasured(args, tmp, useTime);
      let faces, status;
      try {
        const json = JSON.parse(r.stdout);
        faces = json.files?.[0]?.faces;
        status = json.files?.[0]?.status;
      } catch {
        status = `exit ${r.code}: ${r.stderrTail}`;
      }
      log(`  ${run.key}: ${r.wallSeconds.toFixed(1)} s, peak RSS ${(r.peakRssKb / 1024).toFixed(0)} MiB, ${status}`);
      results.push({ ...run, ...r, stdout: undefined, faces, status });
    }
    const base = results[0];
    return {
      title: `4. Peak memory, CLI on a ${WIDTH}×${HEIGHT} (${(WIDTH * HEIGHT / 1e6).toFixed(0)} MP) JPEG at -s 2 (output ${WIDTH * 2}×${HEIGHT * 2})`,
      headers: ['run', 'exit', 'faces', 'wall s', 'CPU s', 'peak RSS MiB', 'RSS ratio', 'time ratio'],
      rows: results.map((r) => [r.name, r.code, r.faces ?? '?', fixed(r.wallSeconds, 1), r.cpuSeconds === undefined ? '-' : fixed(r.cpuSeconds, 1),
        fixed(r.peakRssKb / 1024, 0), fixed(r.peakRssKb / base.peakRssKb, 2), fixed(r.wallSeconds / base.wallSeconds, 2)]),
      notes: [`peak RSS by ${results[0].method}; the CLI uses its default --threads 0 (onnxruntime's default) and default tiles.`, 'command lines:', ...commandLines.map((c) => `  ${c}`)],
      data: { input: { width: WIDTH, height: HEIGHT, from: path.basename(PHOTO) }, results, commandLines },
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { memory, runMeasured, hasGnuTime };
