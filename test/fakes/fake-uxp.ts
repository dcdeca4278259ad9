/**
 * Fake `require('uxp')` (storage folders, host) and UXP's Node-style `require('fs')` over real directories.
 * Sources: ../shared/docs/uxp-platform.md §3.3 (DOCS modules/fs/fs.md, file-system-provider.md, manifest-v5).
 */
import { mkdtempSync, promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { PanelEntry, UxpFs, UxpModule } from '../../src/host/photoshop/ps-api';

export interface FakeUxpOptions {
  /** Real folder behind `plugin:/` (read only). Default: a fresh empty temp folder. */
  pluginDir?: string;
  /** Real folder behind `plugin-data:/`. Default: a fresh temp folder. */
  dataDir?: string;
  /** Real folder behind `plugin-temp:/`. Default: a fresh temp folder. */
  tempDir?: string;
  /** `uxp.host.version`; default "26.0.0". */
  hostVersion?: string;
}

type Scheme = 'plugin' | 'plugin-data' | 'plugin-temp';

export interface FakeUxp {
  readonly uxp: UxpModule;
  readonly fs: UxpFs;
  /** The panels given to `entrypoints.setup`, or null before it is called. */
  registeredPanels(): Readonly<Record<string, PanelEntry>> | null;
}

export function createFakeUxp(options: FakeUxpOptions = {}): FakeUxp {
  const dirs = new Map<Scheme, string>();
  const given: Record<Scheme, string | undefined> = { plugin: options.pluginDir, 'plugin-data': options.dataDir, 'plugin-temp': options.tempDir };
  const dirOf = (scheme: Scheme): string => {
    let dir = dirs.get(scheme);
    if (dir === undefined) {
      dir = given[scheme] ?? mkdtempSync(path.join(os.tmpdir(), `fake-uxp-${scheme}-`)); // created lazily: no side effect unless used
      dirs.set(scheme, dir);
    }
    return dir;
  };

  /**
   * §3.3: fs takes `plugin:`, `plugin-data:`, `plugin-temp:` and `file:` (or no scheme). The plugin's manifest asks for
   * `localFileSystem: "plugin"`, which grants only the first three, so anything else is refused (wording UNVERIFIED).
   */
  function resolve(url: string, write: boolean): string {
    const m = /^(plugin|plugin-data|plugin-temp):\/*(.*)$/.exec(url);
    if (!m) throw new Error(`fs: ${url} is outside plugin:, plugin-data: and plugin-temp: (manifest localFileSystem "plugin", uxp-platform.md §3.3)`);
    const scheme = m[1] as Scheme;
    // §3.3 getPluginFolder: "read only… all the Plugin related packaged assets".
    if (write && scheme === 'plugin') throw new Error(`fs: ${url}: the plugin folder is read only`);
    const root = dirOf(scheme);
    const full = path.resolve(root, m[2]);
    if (full !== root && !full.startsWith(root + path.sep)) throw new Error(`fs: ${url} escapes its folder`);
    return full;
  }

  const fs: UxpFs = {
    // §3.3: "readFile(path) returns binary ArrayBuffer by default".
    async readFile(url: string): Promise<ArrayBuffer> {
      return new Uint8Array(await fsp.readFile(resolve(url, false))).buffer;
    },
    async readdir(url: string): Promise<string[]> {
      return fsp.readdir(resolve(url, false));
    },
    async mkdir(url: string, opts?: { recursive?: boolean }): Promise<unknown> {
      return fsp.mkdir(resolve(url, true), { recursive: opts?.recursive === true });
    },
  };

  let panels: Record<string, PanelEntry> | null = null;
  const uxp: UxpModule = {
    // DOCS uxp-api/reference-js/Modules/uxp/Entry Points: call setup once. A second call throwing is a guess (UNVERIFIED).
    entrypoints: {
      setup(config) {
        if (panels !== null) throw new Error('entrypoints.setup() was already called');
        panels = { ...config.panels };
      },
    },
    storage: {
      localFileSystem: {
        async getDataFolder() {
          return { nativePath: dirOf('plugin-data') };
        },
        async getPluginFolder() {
          return { nativePath: dirOf('plugin') };
        },
      },
    },
    host: { name: 'Photoshop', version: options.hostVersion ?? '26.0.0' },
  };
  return { uxp, fs, registeredPanels: () => panels };
}
