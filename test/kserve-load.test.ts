/**
 * Load on `facerestore serve` (loopback only, bounded: 8 clients for 30 s): every request is answered with the right
 * tensor or refused with 503, none lost or answered twice, the server's own counts agree with the clients', and its
 * memory stays flat.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeInferResponse, encodeInferRequest, HEADER_LENGTH } from '../src/core/kserve/protocol';
import { createNodeRuntime } from '../src/host/node/ort';
import { faceTensor, modelsFolder, rssMiB, spawnServer } from './helpers/kserve';
import { sharedModel } from './helpers/shared';

const CLIENTS = 8;
const SECONDS = 30;

it(`answers or refuses every request of ${CLIENTS} clients for ${SECONDS} s, with flat memory`, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facerestore-load-'));
  try {
    const models = modelsFolder(path.join(tmp, 'models'), { 'restore/gfpgan-v1.4.onnx': 'restore/unsharp-512.onnx' });
    const server = await spawnServer(['--models-dir', models, '--device', 'cpu', '--queue', '1']);
    const face = await faceTensor();
    const local = await createNodeRuntime().load({ label: 'unsharp', location: sharedModel('restore/unsharp-512.onnx') });
    const expected = Buffer.from((await local.run({ input: face })).output.data.buffer);
    await local.release();

    const seen = new Map<string, number>();
    const counts = { sent: 0, answered: 0, busy: 0, wrong: 0, lost: 0 };
    const rss: number[] = [];
    const sampler = setInterval(() => rss.push(rssMiB(server.child.pid!)), 500);
    const deadline = Date.now() + SECONDS * 1000;
    const client = async (c: number): Promise<void> => {
      for (let n = 0; Date.now() < deadline; n++) {
        const id = `c${c}-${n}`;
        const m = encodeInferRequest({ input: face }, { binary: true, id });
        counts.sent++;
        let r: Response;
        try {
          r = await fetch(`${server.url}/v2/models/gfpgan-1.4/infer`, { method: 'POST', headers: m.headers, body: m.body as Uint8Array<ArrayBuffer> });
        } catch {
          counts.lost++;
          continue;
        }
        const bytes = new Uint8Array(await r.arrayBuffer());
        if (r.status === 503) {
          counts.busy++;
          expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          await new Promise((resolve) => setTimeout(resolve, 20)); // impatient clients: keep the queue full
          continue;
        }
        expect(r.status).toBe(200);
        const headerLength = r.headers.get(HEADER_LENGTH) ?? undefined;
        const answeredId = (JSON.parse(Buffer.from(bytes.subarray(0, Number(headerLength))).toString()) as { id: string }).id;
        seen.set(answeredId, (seen.get(answeredId) ?? 0) + 1);
        if (answeredId !== id || Buffer.compare(Buffer.from(decodeInferResponse(bytes, headerLength).output.data.buffer), expected) !== 0) counts.wrong++;
        counts.answered++;
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    clearInterval(sampler);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    expect(counts.lost).toBe(0);
    expect(counts.wrong).toBe(0);
    expect(counts.answered + counts.busy).toBe(counts.sent);
    expect([...seen.values()].every((k) => k === 1)).toBe(true);
    expect(seen.size).toBe(counts.answered);
    expect(counts.answered).toBeGreaterThan(20);
    expect(counts.busy).toBeGreaterThan(0); // 8 clients against 1 running + 1 queued: the limit was reached
    // The server counted exactly what the clients saw.
    expect(server.stderr()).toContain(`stopped after ${counts.answered} answered, ${counts.busy} refused busy, 0 failed`);
    // Flat memory: the median of the last third is within 64 MiB of the middle third's (after warm-up; medians,
    // because the garbage collector frees the 3 MB request buffers in its own time).
    const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
    const third = Math.floor(rss.length / 3);
    const middle = median(rss.slice(third, 2 * third));
    const last = median(rss.slice(2 * third));
    process.stderr.write(`load: ${JSON.stringify(counts)}; server RSS MiB middle ${middle.toFixed(0)}, last ${last.toFixed(0)}, all ${rss.map((v) => v.toFixed(0)).join(' ')}\n`);
    expect(last).toBeLessThan(middle + 64);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
