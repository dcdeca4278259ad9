/**
 * "Run on" in the Photoshop panel against a real `facerestore serve` child process (loopback, real models and
 * photos), through the real controller and the in-memory Photoshop: a server run writes exactly the layers an in-panel
 * run writes; the manifest's network permission is enforced; a server killed mid-run leaves the document and its
 * history as they were, or, when the user allowed it, the run finishes in the panel with the same layers; the choice
 * and the token persist (the token in secure storage only).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nodeFetch } from '../src/host/node/cli-runtime';
import { nodeClock } from '../src/host/node/model-host';
import { createNodeRuntime } from '../src/host/node/ort';
import { createRestoreController, type RestoreController } from '../src/host/photoshop/restore-controller';
import type { ModelRuntime } from '../src/core/runtime';
import { createFakePhotoshop, type FakePhotoshop } from './fakes/photoshop-fake';
import type { LayerSnapshot } from './fakes/fake-document';
import { modelsFolder, spawnServer, type ServerProcess } from './helpers/kserve';
import { digest, loadPhoto, openPhotoAsBackground, type Photo } from './helpers/photoshop-harness';

const ROOT = path.resolve(__dirname, '..');
const TOKEN = 'studio-token-0123456789abcdef';
/** The panel's and the server's models under catalog names: the fast unsharp stand-in as GFPGAN v1.4, and YuNet. */
const BOTH = {
  'restore/gfpgan-v1.4.onnx': 'restore/unsharp-512.onnx',
  'detection/yunet-2023mar-640.onnx': 'detection/yunet-2023mar-640.onnx',
};

let tmp: string;
let photo: Photo;
beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'build', 'host', 'node', 'serve.js'))) throw new Error('build/ is missing: run `npm run build`');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fr-run-on-'));
  photo = await loadPhoto('codeformer_whole_00.jpg'); // 4 faces
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A plugin folder whose manifest is the project's, plus `origins` (as a build with FACERESTORE_SERVER_ORIGINS). */
function pluginDir(name: string, origins: readonly string[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')) as { requiredPermissions: { network: { domains: string[] } } };
  manifest.requiredPermissions.network.domains.push(...origins);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

interface Panel {
  readonly fake: FakePhotoshop;
  readonly controller: RestoreController;
  /** Models the panel loaded in process. */
  readonly localLoads: string[];
}

let panels = 0;
async function makePanel(options: {
  origins?: readonly string[]; canRun?: boolean; localItems?: Map<string, string>; secureItems?: Map<string, string>; installed?: boolean;
} = {}): Promise<Panel> {
  panels += 1;
  const dataDir = path.join(tmp, `data-${panels}`);
  if (options.installed !== false) modelsFolder(path.join(dataDir, 'models'), BOTH);
  fs.mkdirSync(dataDir, { recursive: true });
  const fake = createFakePhotoshop({
    dataDir, pluginDir: pluginDir(`plugin-${panels}`, options.origins ?? []),
    ...(options.localItems ? { localItems: options.localItems } : {}), ...(options.secureItems ? { secureItems: options.secureItems } : {}),
  });
  const localLoads: string[] = [];
  const createRuntime = async (): Promise<ModelRuntime> => {
    const runtime = createNodeRuntime();
    return { name: runtime.name, load: (source, o) => (localLoads.push(source.label), runtime.load(source, o)) };
  };
  const canRun = options.canRun ?? true;
  const controller = createRestoreController({
    ps: fake.modules,
    createRuntime,
    runtimeCheck: { canRun, text: canRun ? 'test runtime' : 'This Photoshop has no WebAssembly, so models cannot run inside the panel.' },
    servers: { fetch: nodeFetch, clock: nodeClock },
  });
  await controller.ready;
  return { fake, controller, localLoads };
}

/** A document's layers without ids (they count across documents): what was written, pixel digests included. */
function layersOf(fake: FakePhotoshop, doc: ReturnType<typeof openPhotoAsBackground>): unknown {
  const strip = (l: LayerSnapshot): unknown => {
    const rest: Partial<LayerSnapshot> = { ...l };
    delete rest.id;
    return { ...rest, ...(l.children ? { children: l.children.map(strip) } : {}) };
  };
  return (digest(fake.snapshot(doc)) as { layers: LayerSnapshot[] }).layers.map(strip);
}

async function useServer(controller: RestoreController, url: string): Promise<void> {
  controller.setRunTarget('server');
  controller.setServerUrl(url);
  await controller.testConnection();
}

/** Restores, calling `during` once when the progress label first starts with `when`. */
async function restoreWith(controller: RestoreController, when: string, during: () => void): Promise<void> {
  let hasFired = false;
  const unsubscribe = controller.subscribe(() => {
    if (!hasFired && controller.state.progress?.label.startsWith(when)) {
      hasFired = true;
      during();
    }
  });
  try {
    await controller.restore();
  } finally {
    unsubscribe();
  }
  expect(hasFired).toBe(true);
}

describe('a panel running its models on facerestore serve', () => {
  let server: ServerProcess;
  let panel: Panel;
  let inPanel: unknown;
  beforeAll(async () => {
    server = await spawnServer(['--models-dir', modelsFolder(path.join(tmp, 'served'), { ...BOTH, 'restore/gfpgan-v1.3.onnx': 'restore/identity-512.onnx' })]);
    panel = await makePanel({ origins: [server.url] });
    // The reference: the same photo restored in the panel.
    const doc = openPhotoAsBackground(panel.fake, photo);
    await panel.controller.restore();
    expect(panel.controller.state.status.kind).toBe('success');
    inPanel = layersOf(panel.fake, doc);
    expect(panel.localLoads.sort()).toEqual(['gfpgan-v1.4.onnx', 'yunet-2023mar-640.onnx']);
  });
  afterAll(async () => {
    await panel.controller.dispose();
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('tests the connection and offers the catalog models the server serves, installed here or not', async () => {
    await useServer(panel.controller, `${server.url}/`);
    const runOn = panel.controller.state.runOn;
    expect(runOn.url).toBe(server.url);
    expect(runOn.connection.kind).toBe('ok');
    expect(runOn.connection.text).toMatch(/^Connected: facerestore .* at http:\/\/127\.0\.0\.1:\d+, \d+ ms, binary tensors\. Serves GFPGAN v1\.3, GFPGAN v1\.4, YuNet 2023mar\.$/);
    expect(panel.controller.state.models.map((m) => m.label)).toEqual(['GFPGAN v1.3', 'GFPGAN v1.4']);
    expect(panel.controller.state.detectors.map((d) => d.id)).toEqual(['yunet']);
  });

  it('writes exactly the layers an in-panel run writes, without loading any model here', async () => {
    panel.controller.setModel('gfpgan-v1.4.onnx');
    const loads = panel.localLoads.length;
    const doc = openPhotoAsBackground(panel.fake, photo);
    await panel.controller.restore();
    expect(panel.controller.state.status).toEqual({ kind: 'success', text: expect.stringMatching(/^Restored 4 faces into the group/) });
    expect(layersOf(panel.fake, doc)).toEqual(inPanel);
    expect(panel.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
    expect(panel.localLoads.length).toBe(loads);
  });

  it('runs a model that only the server has', async () => {
    panel.controller.setModel('gfpgan-1.3');
    expect(panel.controller.state.modelId).toBe('gfpgan-1.3');
    const doc = openPhotoAsBackground(panel.fake, photo);
    await panel.controller.restore();
    expect(panel.controller.state.status.text).toMatch(/^Restored 4 faces into the group “Restored faces \(GFPGAN v1\.3\)”/);
    expect(panel.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
  });

  it('remembers the choice across a reload, and keeps the token out of plain storage', async () => {
    const localItems = new Map<string, string>();
    const secureItems = new Map<string, string>();
    const first = await makePanel({ origins: [server.url], localItems, secureItems });
    await useServer(first.controller, server.url);
    await first.controller.setServerToken(`  ${TOKEN} `);
    first.controller.setFallbackAllowed(true);
    expect(first.controller.state.runOn).toMatchObject({ targetId: 'server', url: server.url, hasToken: true, isFallbackAllowed: true });
    await first.controller.dispose();
    expect([...secureItems.values()]).toEqual([TOKEN]);
    expect([...localItems.values()].join(' ')).not.toContain(TOKEN);

    const second = await makePanel({ origins: [server.url], localItems, secureItems });
    expect(second.controller.state.runOn).toMatchObject({ targetId: 'server', url: server.url, hasToken: true, isFallbackAllowed: true });
    await second.controller.setServerToken('');
    expect(second.controller.state.runOn.hasToken).toBe(false);
    expect(secureItems.size).toBe(0);
    await second.controller.dispose();
  });

  it('runs on a server when the panel itself cannot run models (no WebAssembly)', async () => {
    const p = await makePanel({ origins: [server.url], canRun: false, installed: false });
    expect(p.controller.state.canRun).toBe(false);
    await useServer(p.controller, server.url);
    expect(p.controller.state.canRun).toBe(true);
    const doc = openPhotoAsBackground(p.fake, photo);
    await p.controller.restore();
    expect(layersOf(p.fake, doc)).toEqual(inPanel);
    expect(p.localLoads).toEqual([]);
    await p.controller.dispose();
  });
});

describe('refusals leave the document as it was', () => {
  it('a server the manifest does not declare is refused before any request, with how to allow it', async () => {
    const p = await makePanel();
    await useServer(p.controller, 'http://127.0.0.1:8311');
    expect(p.controller.state.runOn.connection).toEqual({
      kind: 'failed',
      text: 'This plugin may only connect to the servers its manifest declares (https://github.com, https://objects.githubusercontent.com, https://release-assets.githubusercontent.com, https://raw.githubusercontent.com, https://media.githubusercontent.com, http://127.0.0.1:8000), not http://127.0.0.1:8311. Rebuild it with FACERESTORE_SERVER_ORIGINS=http://127.0.0.1:8311 (README, “Inference server”), or choose another target.',
    });
    const doc = openPhotoAsBackground(p.fake, photo);
    const before = digest(p.fake.snapshot(doc));
    await p.controller.restore();
    expect(p.controller.state.status.kind).toBe('error');
    expect(p.controller.state.status.text).toContain('FACERESTORE_SERVER_ORIGINS=http://127.0.0.1:8311');
    expect(digest(p.fake.snapshot(doc))).toEqual(before);
    expect(p.fake.history(doc)).toEqual(['Open']);
    expect(p.localLoads).toEqual([]);
    await p.controller.dispose();
  });

  it('a wrong or missing token is refused by the server and said so; the right one connects', async () => {
    const server = await spawnServer(['--models-dir', modelsFolder(path.join(tmp, 'guarded'), BOTH), '--token', TOKEN]);
    try {
      const p = await makePanel({ origins: [server.url] });
      await useServer(p.controller, server.url);
      expect(p.controller.state.runOn.connection.kind).toBe('failed');
      expect(p.controller.state.runOn.connection.text).toMatch(/refused .*HTTP 401.*check the access token/);
      await p.controller.setServerToken('not-the-token-0123456789');
      await p.controller.testConnection();
      expect(p.controller.state.runOn.connection.text).toMatch(/HTTP 401/);
      await p.controller.setServerToken(TOKEN);
      await p.controller.testConnection();
      expect(p.controller.state.runOn.connection.kind).toBe('ok');
      await p.controller.dispose();
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('a server killed mid-run', () => {
  let inPanel: unknown;
  beforeAll(async () => {
    const p = await makePanel();
    const doc = openPhotoAsBackground(p.fake, photo);
    await p.controller.restore();
    inPanel = layersOf(p.fake, doc);
    await p.controller.dispose();
  });

  async function killedRun(isFallbackAllowed: boolean): Promise<{ p: Panel; doc: ReturnType<typeof openPhotoAsBackground>; before: unknown }> {
    const server = await spawnServer(['--models-dir', modelsFolder(path.join(tmp, `killed-${isFallbackAllowed}`), BOTH)]);
    const p = await makePanel({ origins: [server.url] });
    await useServer(p.controller, server.url);
    p.controller.setFallbackAllowed(isFallbackAllowed);
    expect(p.controller.state.runOn.connection.kind).toBe('ok');
    const doc = openPhotoAsBackground(p.fake, photo);
    const before = digest(p.fake.snapshot(doc));
    await restoreWith(p.controller, 'Restoring face 2', () => server.child.kill('SIGKILL'));
    await server.exited;
    return { p, doc, before };
  }

  it('fails cleanly: no layers, no history step, one line saying what happened', async () => {
    const { p, doc, before } = await killedRun(false);
    expect(p.controller.state.status.kind).toBe('error');
    expect(p.controller.state.status.text).toMatch(/^The inference server at http:\/\/127\.0\.0\.1:\d+ cannot be reached or stopped answering .*The document is as it was before\.$/);
    expect(digest(p.fake.snapshot(doc))).toEqual(before);
    expect(p.fake.history(doc)).toEqual(['Open']);
    expect(p.fake.liveImageData()).toBe(0);
    expect(p.controller.state.phase).toBe('idle');
    expect(p.localLoads).toEqual([]);
    await p.controller.dispose();
  });

  it('with fallback allowed, finishes in the panel with the very layers an in-panel run writes, and says so', async () => {
    const { p, doc } = await killedRun(true);
    expect(p.controller.state.status.kind).toBe('warning');
    expect(p.controller.state.status.text).toMatch(/^Restored 4 faces into the group .* The server stopped answering, so the run finished in this panel \(The inference server at http:\/\/127\.0\.0\.1:\d+ cannot be reached/);
    expect(layersOf(p.fake, doc)).toEqual(inPanel);
    expect(p.fake.history(doc)).toEqual(['Open', 'Restore Faces']);
    expect(p.localLoads).toContain('gfpgan-v1.4.onnx');
    await p.controller.dispose();
  });
});
