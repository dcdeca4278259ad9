/**
 * The built plugin folder (dist/, from `npm run build`) is what the UXP Developer Tool loads and what
 * `npm run package` zips: its manifest, the files the manifest and index.html name, and the .ccx.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findDynamicImport } from '../scripts/uxp-webpack';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

interface Manifest {
  manifestVersion: number;
  id: string;
  version: string;
  main: string;
  host: { app: string; minVersion: string; data?: { apiVersion?: number } };
  entrypoints: { type: string; id: string; icons?: { path: string; scale: number[] }[] }[];
  icons?: { path: string; scale: number[] }[];
  featureFlags?: Record<string, unknown>;
  requiredPermissions?: Record<string, unknown>;
}

const manifest = (): Manifest => JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.json'), 'utf8')) as Manifest;

/** `icons/panel.png` with scale [1, 2] → icons/panel.png and icons/panel@2x.png. */
function iconFiles(icons: { path: string; scale: number[] }[] = []): string[] {
  return icons.flatMap((i) => i.scale.map((s) => (s === 1 ? i.path : i.path.replace(/\.png$/, `@${s}x.png`))));
}

describe('dist/ as the UXP Developer Tool loads it', () => {
  it('has a manifest v5 for Photoshop 24.4+ (imaging API, Lit) with the Lit feature flag, the file picker and the download hosts', () => {
    const m = manifest();
    expect(m).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')));
    expect(m.manifestVersion).toBe(5);
    expect(m.host.app).toBe('PS');
    const [major, minor] = m.host.minVersion.split('.').map(Number);
    expect(major * 100 + minor).toBeGreaterThanOrEqual(2404);
    expect(m.host.data?.apiVersion).toBe(2);
    expect(m.featureFlags).toEqual({ enableSWCSupport: true });
    // Smallest permissions that work: the file picker (Import .onnx…) on top of the plugin/data folders, and the model
    // downloads' hosts only (photoshop-models.test.ts checks they cover the catalog); no full disk, no code generation.
    expect(m.requiredPermissions).toEqual({ localFileSystem: 'request', network: { domains: expect.any(Array) } });
    const domains = (m.requiredPermissions?.network as { domains: string[] }).domains;
    // Download hosts over https, and the local accelerator (`facerestore serve`'s default address) only.
    for (const d of domains.filter((d) => !d.startsWith('http:'))) expect(d).toMatch(/^https:\/\/[a-z0-9.-]+$/);
    expect(domains.filter((d) => d.startsWith('http:'))).toEqual(['http://127.0.0.1:8000']);
    const panels = m.entrypoints.filter((e) => e.type === 'panel');
    expect(panels.map((p) => p.id)).toEqual(['facerestore.panel']);
    expect(fs.readFileSync(path.join(DIST, 'index.js'), 'utf8')).toContain("'facerestore.panel'");
  });

  it('declares a studio server given at build time as one more exact origin, and refuses wildcards and paths', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { pluginManifest } = require('../webpack.config.js') as { pluginManifest: (content: Buffer, env: Record<string, string>) => string };
    const source = fs.readFileSync(path.join(ROOT, 'manifest.json'));
    const domainsOf = (text: string): string[] => (JSON.parse(text) as { requiredPermissions: { network: { domains: string[] } } }).requiredPermissions.network.domains;
    const before = domainsOf(source.toString());
    expect(domainsOf(pluginManifest(source, {}))).toEqual(before);
    expect(domainsOf(pluginManifest(source, { FACERESTORE_SERVER_ORIGINS: ' https://GPU.studio:8443 , http://10.0.0.7:8000/' }))).toEqual([...before, 'https://gpu.studio:8443', 'http://10.0.0.7:8000']);
    for (const bad of ['https://*.studio', 'https://gpu.studio/kserve', 'ftp://gpu.studio', 'gpu.studio:8000']) {
      expect(() => pluginManifest(source, { FACERESTORE_SERVER_ORIGINS: bad })).toThrow(/FACERESTORE_SERVER_ORIGINS: expected origins/);
    }
  });

  it('holds every file the manifest and index.html name, and the runtimes’ wasm binaries', () => {
    const m = manifest();
    const named = [m.main, ...iconFiles(m.icons), ...m.entrypoints.flatMap((e) => iconFiles(e.icons))];
    const html = fs.readFileSync(path.join(DIST, m.main), 'utf8');
    named.push(...[...html.matchAll(/<script src="([^"]+)"/g)].map((x) => x[1]));
    named.push('vendor/ort-wasm-simd-threaded.wasm', 'vendor/ort-legacy/ort-wasm-simd.wasm', 'vendor/ort-legacy/ort-wasm.wasm');
    for (const file of named) expect(fs.existsSync(path.join(DIST, file)) ? file : `${file} (missing)`).toBe(file);
  });

  it('bundles one script with photoshop/uxp/fs/os external and no dynamic import, eval or Node runtime', () => {
    const js = fs.readFileSync(path.join(DIST, 'index.js'), 'utf8');
    // The host modules stay run-time requires (externals); nothing else is required at run time.
    const required = [...new Set([...js.matchAll(/\brequire\("([^"]+)"\)/g)].map((x) => x[1]))].sort();
    expect(required).toEqual(['fs', 'photoshop', 'uxp']);
    expect(findDynamicImport(js)).toBe(-1);
    expect(findDynamicImport('x = await import(url);')).toBe(10); // the check finds real calls …
    expect(findDynamicImport('const m = { async import(bytes, o) { return bytes; } };')).toBe(-1); // … not methods
    expect(js).not.toMatch(/\beval\(|new Function\(/);
    expect(js).not.toContain('node_modules/onnxruntime-node');
    expect(js).not.toContain('file:///');
  });

  it('packages into a .ccx (a zip with the manifest at its root, without source maps or the web build)', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'package-ccx.js')], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const m = manifest();
    const ccx = path.join(DIST, `${m.id}_${m.version}.ccx`);
    const list = spawnSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', ccx], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    const names = list.stdout.trim().split('\n').sort();
    expect(names).toContain('manifest.json');
    expect(names).toContain('index.js');
    expect(names).toContain('vendor/ort-wasm-simd-threaded.wasm');
    expect(names.filter((n) => n.endsWith('.map') || n.startsWith('web/') || n.endsWith('.ccx'))).toEqual([]);
    fs.rmSync(ccx);
  });
});
