/**
 * Fake `require('uxp')` (storage folders, file picker, host) and UXP's Node-style `require('fs')` over real
 * directories. Sources: ../shared/docs/uxp-platform.md §3.3 (DOCS modules/fs/fs.md, file-system-provider.md,
 * manifest-v5); the fs page is github.com/AdobeDocs/uxp-photoshop src/pages/uxp-api/reference-js/Modules/fs/fs.md,
 * whose note 3 says the native layer is libuv — so Node's own fs (also libuv) stands in for the calls themselves.
 */
import * as nodeFs from 'fs';
import { mkdtempSync, promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import type { PanelEntry, UxpFile, UxpFs, UxpLocalStorage, UxpModule, UxpStats } from '../../src/host/photoshop/ps-api';

const fdOpen = promisify(nodeFs.open);
const fdClose = promisify(nodeFs.close);
const fdRead = promisify(nodeFs.read);
const fdWrite = promisify(nodeFs.write);

/** manifest.json's `requiredPermissions.localFileSystem`, which decides whether the file pickers work. */
function manifestFileSystemPermission(): string {
  const manifest = JSON.parse(nodeFs.readFileSync(path.resolve(__dirname, '..', '..', 'manifest.json'), 'utf8')) as { requiredPermissions?: { localFileSystem?: string } };
  return manifest.requiredPermissions?.localFileSystem ?? 'plugin';
}

export interface FakeUxpOptions {
  /** Real folder behind `plugin:/` (read only). Default: a fresh empty temp folder. */
  pluginDir?: string;
  /** Real folder behind `plugin-data:/`. Default: a fresh temp folder. */
  dataDir?: string;
  /** Real folder behind `plugin-temp:/`. Default: a fresh temp folder. */
  tempDir?: string;
  /** `uxp.host.version`; default "26.0.0". */
  hostVersion?: string;
  /**
   * What the user picks in `getFileForOpening`: a real file's path, or null/undefined for Cancel. Called with the
   * picker's options. Default: the user cancels.
   */
  pickFile?: (options: { types?: string[]; allowMultiple?: boolean }) => string | null | undefined;
  /** The manifest's `requiredPermissions.localFileSystem`; default: what manifest.json says. */
  localFileSystem?: string;
  /**
   * What `localStorage` and `secureStorage` hold (shared maps survive a panel reload, as UXP keeps both across
   * sessions). Default: fresh empty maps.
   */
  localItems?: Map<string, string>;
  secureItems?: Map<string, string>;
}

type Scheme = 'plugin' | 'plugin-data' | 'plugin-temp';

export interface FakeUxp {
  readonly uxp: UxpModule;
  readonly fs: UxpFs;
  readonly localStorage: UxpLocalStorage;
  /** The panels given to `entrypoints.setup`, or null before it is called. */
  registeredPanels(): Readonly<Record<string, PanelEntry>> | null;
  /** File descriptors opened with `fs.open` and not closed yet. */
  openFileCount(): number;
}

export function createFakeUxp(options: FakeUxpOptions = {}): FakeUxp {
  const localItems = options.localItems ?? new Map<string, string>();
  const secureItems = options.secureItems ?? new Map<string, string>();
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

  const openFds = new Set<number>();
  const fd = (n: number): number => {
    // fs.md read/write "Throws: Error if invalid file descriptor is passed".
    if (!openFds.has(n)) throw new Error(`fs: invalid file descriptor ${n}`);
    return n;
  };
  const fs: UxpFs = {
    // §3.3: "readFile(path) returns binary ArrayBuffer by default".
    async readFile(url: string): Promise<ArrayBuffer> {
      return new Uint8Array(await fsp.readFile(resolve(url, false))).buffer;
    },
    // fs.md writeFile(path, data, {flag = "w"}): data string | ArrayBuffer | ArrayBufferView; resolves to the length written.
    async writeFile(url, data, opts) {
      const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
      await fsp.writeFile(resolve(url, true), bytes, { flag: opts?.flag ?? 'w' });
      return bytes.length;
    },
    async readdir(url: string): Promise<string[]> {
      return fsp.readdir(resolve(url, false));
    },
    async mkdir(url: string, opts?: { recursive?: boolean }): Promise<unknown> {
      return fsp.mkdir(resolve(url, true), { recursive: opts?.recursive === true });
    },
    // fs.md rename(oldPath, newPath): "Renames or moves, if required, the file"; 0 or throws. libuv replaces an
    // existing target (rename(2); MoveFileEx with MOVEFILE_REPLACE_EXISTING on Windows).
    async rename(from, to) {
      await fsp.rename(resolve(from, true), resolve(to, true));
      return 0;
    },
    // fs.md unlink(path): 0 or throws (ENOENT when there is no such file).
    async unlink(url) {
      await fsp.unlink(resolve(url, true));
      return 0;
    },
    // fs.md lstat(path): Node's Stats. The harness installs shared models as symlinks standing for copied files, so
    // the fake reports what the link points to (a user's data folder holds real files).
    async lstat(url): Promise<UxpStats> {
      return fsp.stat(resolve(url, false));
    },
    // fs.md open(path, flag = "r"): resolves to a file descriptor; flags as Node's file-system flags.
    async open(url, flag = 'r') {
      const n = await fdOpen(resolve(url, !/^r$/.test(flag)), flag);
      openFds.add(n);
      return n;
    },
    // fs.md close(fd): 0 or throws.
    async close(n) {
      await fdClose(fd(n));
      openFds.delete(n);
      return 0;
    },
    // fs.md read(fd, buffer: ArrayBuffer, offset, length, position): position −1 = the current position.
    async read(n, buffer, offset, length, position) {
      const { bytesRead } = await fdRead(fd(n), new Uint8Array(buffer), offset, length, position === -1 ? null : position);
      return { bytesRead, buffer };
    },
    // fs.md write(fd, buffer: ArrayBuffer, offset, length, position): position −1 writes "from the current file position".
    async write(n, buffer, offset, length, position) {
      const { bytesWritten } = await fdWrite(fd(n), new Uint8Array(buffer), offset, length, position === -1 ? null : position);
      return { bytesWritten, buffer };
    },
  };

  // DOCS Persistent File Storage/formats.md: two symbols.
  const formats = { binary: Symbol('formats.binary'), utf8: Symbol('formats.utf8') };
  const permission = options.localFileSystem ?? manifestFileSystemPermission();
  /** A picked file as UXP hands it over: File.md `read({format})` (default utf8), Entry.md `name`, `nativePath`. */
  const fileEntry = (nativePath: string): UxpFile => ({
    name: path.basename(nativePath),
    nativePath,
    async read(opts) {
      const bytes = await fsp.readFile(nativePath);
      return opts?.format === formats.binary ? new Uint8Array(bytes).buffer : bytes.toString('utf8');
    },
  });

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
        // FileSystemProvider.md getFileForOpening: "Returns: Promise<File|Array<File>> based on allowMultiple. Return
        // empty if no file was selected" (the fake: null). manifest-v5: localFileSystem "plugin … doesn't enable file
        // picker APIs" (the wording of the refusal is a guess).
        async getFileForOpening(opts) {
          if (permission === 'plugin') throw new Error('Permission denied: file pickers need requiredPermissions.localFileSystem "request" in the manifest');
          const picked = options.pickFile?.(opts);
          if (picked === null || picked === undefined) return opts.allowMultiple ? [] : null;
          return opts.allowMultiple ? [fileEntry(picked)] : fileEntry(picked);
        },
      },
      formats,
      secureStorage: {
        // SecureStorage.md setItem: "rejected when the value is empty or not stored".
        async setItem(key, value) {
          if (value === '') throw new Error('secureStorage.setItem: the value is empty');
          secureItems.set(key, String(value));
        },
        // SecureStorage.md getItem: "resolves with an Uint8Array" (the stored string as UTF-8). A missing key: the docs
        // do not say; the fake resolves undefined (callers must treat null/undefined/empty alike).
        async getItem(key) {
          const value = secureItems.get(key);
          return value === undefined ? undefined : new TextEncoder().encode(value);
        },
        // SecureStorage.md removeItem: "rejected when the value … is neither removed nor found".
        async removeItem(key) {
          if (!secureItems.delete(key)) throw new Error(`secureStorage.removeItem: no value for ${key}`);
        },
      },
    },
    host: { name: 'Photoshop', version: options.hostVersion ?? '26.0.0' },
  };
  // LocalStorage.md: getItem "Returns null if the key does not exist"; values are strings.
  const localStorage: UxpLocalStorage = {
    getItem: (key) => localItems.get(key) ?? null,
    setItem: (key, value) => void localItems.set(key, String(value)),
    removeItem: (key) => void localItems.delete(key),
  };
  return { uxp, fs, localStorage, registeredPanels: () => panels, openFileCount: () => openFds.size };
}
