'use strict';
/**
 * Shared helpers for the benchmark: timing with a warm-up, per-thread CPU accounting (Linux /proc), PSNR, images
 * through sharp, and plain-text tables. Timings are only ever compared as ratios within one process.
 */
const fs = require('fs');
const path = require('path');
const sharp = require('sharp');

const ROOT = path.resolve(__dirname, '..');
const SHARED = path.resolve(ROOT, '..', 'shared');
const MODELS = path.join(SHARED, 'models');
const IMAGES = path.join(SHARED, 'images');

const log = (line) => process.stderr.write(`${line}\n`);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** CPU ticks (user + system) of every thread of this process, by thread id; {} where /proc is missing. */
function threadTicks() {
  const ticks = {};
  let ids = [];
  try {
    ids = fs.readdirSync('/proc/self/task');
  } catch {
    return ticks;
  }
  for (const id of ids) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks[id] = Number(fields[11]) + Number(fields[12]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ticks;
}

/** Threads that did at least 10 % of the CPU work between two threadTicks() snapshots. */
function busyThreads(before, after) {
  const deltas = Object.keys(after).map((id) => after[id] - (before[id] ?? 0)).filter((d) => d > 0);
  const total = deltas.reduce((a, b) => a + b, 0);
  return total > 0 ? deltas.filter((d) => d >= 0.1 * total).length : 0;
}

/** Times one call of `fn`: wall seconds, process CPU ÷ wall (all threads), and how many threads were busy. */
async function timeOnce(fn) {
  const ticks = threadTicks();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuPerWall: (used.user + used.system) / 1e6 / seconds, busyThreads: busyThreads(ticks, threadTicks()) };
}

/**
 * Measures several variants against each other: one untimed warm-up call of each, then timed runs interleaved round
 * by round (A B C A B C …), so that load from other processes drifting over time hits every variant alike.
 * `entries` is [{key, fn, runs}]; returns {key: {seconds (median), runs (every run's seconds), cpuPerWall (median),
 * busyThreads (most seen in one run)}}.
 */
async function measureAll(entries) {
  for (const e of entries) {
    const started = Date.now();
    await e.fn();
    log(`  ${e.key}: warm-up ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const samples = Object.fromEntries(entries.map((e) => [e.key, []]));
  const rounds = Math.max(...entries.map((e) => e.runs));
  for (let round = 0; round < rounds; round++) {
    for (const e of entries) {
      if (round >= e.runs) continue;
      const t = await timeOnce(e.fn);
      samples[e.key].push(t);
      log(`  ${e.key}: run ${round + 1}/${e.runs} ${t.seconds.toFixed(2)} s`);
    }
  }
  return Object.fromEntries(entries.map((e) => {
    const s = samples[e.key];
    return [e.key, {
      seconds: median(s.map((t) => t.seconds)), runs: s.map((t) => +t.seconds.toFixed(3)),
      cpuPerWall: median(s.map((t) => t.cpuPerWall)), busyThreads: Math.max(...s.map((t) => t.busyThreads)),
    }];
  }));
}

/** An 8-bit RGB PixelImage from a file, optionally a region of it ({left, top, width, height}). */
async function loadRgb(file, region) {
  let pipeline = sharp(file).removeAlpha().toColourspace('srgb');
  if (region) pipeline = pipeline.extract(region);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length), maxValue: 255 };
}

/** Resizes an 8-bit RGB PixelImage with sharp (kernel 'lanczos3' by default). */
async function resizeRgb(image, width, height, kernel = 'lanczos3') {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { kernel, fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.length), maxValue: 255 };
}

/** PSNR in dB of two same-size 8-bit images over all samples (Infinity when identical). */
function psnr(a, b) {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) {
    throw new Error(`PSNR of different sizes: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  }
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  const mse = sum / a.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const fixed = (v, digits) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/**
 * Runs `node <script> ...args` as a child (a fresh process: its own peak RSS, its own runtime state), passes its
 * stderr through, and resolves to the JSON of the last line it printed; rejects naming `what` if it fails.
 */
function runJsonChild(script, args, what) {
  const { spawn } = require('child_process');
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => process.stderr.write(d));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = stdout.trim().split('\n').pop();
      if (code !== 0 || !line) reject(new Error(`${what} exited with ${code}`));
      else resolve(JSON.parse(line));
    });
  });
}

module.exports = { runJsonChild, ROOT, SHARED, MODELS, IMAGES, log, median, threadTicks, busyThreads, timeOnce, measureAll, loadRgb, resizeRgb, psnr, maxAbsDiff, table, fixed };
