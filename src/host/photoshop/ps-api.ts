/**
 * The exact subset of `require('photoshop')`, `require('uxp')` and UXP's `require('fs')` that the plugin uses,
 * as narrow structural types. Only `photoshop.ts` obtains the real modules; every other file receives a
 * `PsModules` object, which is what lets the in-memory fake (test/fakes/) stand in for Photoshop.
 *
 * `ps-api.types-check.ts` proves that `@types/photoshop` / `@adobe/cc-ext-uxp-types` declarations are assignable to
 * these types, so the subset cannot drift from the documented API. Sources: ../shared/docs/uxp-platform.md §1–§3.
 */

/** Right/bottom-exclusive rectangle (imaging API and `Layer.bounds`). */
export interface PsBounds {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** `constants.ElementPlacement` values used by `Layer.move`. */
export type PsPlacement = 'placeBefore' | 'placeAfter' | 'placeInside' | 'placeAtBeginning' | 'placeAtEnd';

/** `Layer` (DOM, PS 22.5+; `allLocked` 22.5; `boundsNoEffects` 22.5; `move` 23.0). */
export interface PsLayer {
  readonly id: number;
  name: string;
  /** `constants.LayerKind` value: "pixel", "text", "smartObject", "group", "curves", … */
  readonly kind: string;
  /** Percent, 0..100. */
  opacity: number;
  visible: boolean;
  readonly bounds: PsBounds;
  readonly boundsNoEffects: PsBounds;
  readonly isBackgroundLayer: boolean;
  readonly allLocked: boolean;
  readonly parent: PsLayer | null;
  /** Children of a group; null for other kinds. Top of the stack first. */
  readonly layers: ArrayLike<PsLayer> | null;
  move(relativeObject: PsLayer, insertLocation: PsPlacement): void;
  delete(): void;
}

export interface PsLayerCreateOptions {
  name?: string;
  opacity?: number;
}

/**
 * `constants.ResampleMethod` values (DOCS ps-reference/modules/constants.md §ResampleMethod; @types/photoshop
 * dom/Constants.d.ts). "none" is declared "Currently unsupported"; "preserveDetailsUpscale" takes `amount` (noise 0..100).
 */
export type PsResampleMethod =
  | 'bicubicAutomatic' | 'bicubic' | 'bicubicSharper' | 'bicubicSmoother' | 'bilinear' | 'nearestNeighbor'
  | 'preserveDetailsUpscale' | 'deepUpscale' | 'none';

/** `Document` (DOM). `mode` is a `constants.DocumentMode` value, `bitsPerChannel` a `BitsPerChannelType` value. */
export interface PsDocument {
  readonly id: number;
  readonly title: string;
  readonly mode: string;
  readonly bitsPerChannel: string;
  /** Pixels (document.md: "Document's width in pixels"). */
  readonly width: number;
  readonly height: number;
  /** Pixels per inch (document.md, 22.5). */
  readonly resolution: number;
  /** Top of the stack first. */
  readonly layers: ArrayLike<PsLayer>;
  readonly activeLayers: ArrayLike<PsLayer>;
  createPixelLayer(options?: PsLayerCreateOptions): Promise<PsLayer | null>;
  createLayerGroup(options?: PsLayerCreateOptions): Promise<PsLayer | null>;
  /**
   * Image > Image Size (document.md resizeImage, 23.0; modal scope). `width`/`height` "in pixels", `resolution` in ppi,
   * `amount` = noise 0..100 for PRESERVEDETAILS. What is kept when only some arguments are given is not documented.
   */
  resizeImage(width?: number, height?: number, resolution?: number, resampleMethod?: PsResampleMethod, amount?: number): Promise<void>;
}

export interface PsApp {
  /** Null when no document is open (DOCS classes/photoshop.md: activeDocument). */
  readonly activeDocument: PsDocument | null;
  readonly documents: ArrayLike<PsDocument>;
}

export type PsComponentSize = 8 | 16 | 32;

/** `PhotoshopImageData`. Docs name the layout flag `isChunky`; the types call it `chunky` (uxp-platform.md §1.2). */
export interface PsImageData {
  readonly width: number;
  readonly height: number;
  readonly colorSpace: string;
  readonly colorProfile: string;
  readonly hasAlpha: boolean;
  readonly components: number;
  readonly componentSize: PsComponentSize;
  readonly pixelFormat: string;
  readonly type: string;
  getData(options?: { chunky?: boolean; fullRange?: boolean }): Promise<Uint8Array | Uint16Array | Float32Array>;
  /** Frees the native buffer now; typed as async in @types/photoshop, documented as sync. */
  dispose(): Promise<void> | void;
}

export interface PsGetPixelsOptions {
  documentID?: number;
  layerID?: number;
  sourceBounds?: PsBounds;
  colorSpace?: string;
  colorProfile?: string;
  /** -1 = the source's depth. */
  componentSize?: -1 | PsComponentSize;
  applyAlpha?: boolean;
}

export interface PsGetPixelsResult {
  readonly imageData: PsImageData;
  /** The region actually returned (trimmed to pixel data), right/bottom-exclusive. */
  readonly sourceBounds: PsBounds;
  readonly level: number;
}

export interface PsPutOptions {
  documentID?: number;
  layerID: number;
  imageData: PsImageData;
  replace?: boolean;
  targetBounds?: { left: number; top: number };
  commandName?: string;
}

export interface PsCreateImageDataOptions {
  width: number;
  height: number;
  components: number;
  colorSpace: string;
  colorProfile?: string;
  chunky?: boolean;
  fullRange?: boolean;
}

/** `require('photoshop').imaging` (PS 24.4+). */
export interface PsImaging {
  getPixels(options: PsGetPixelsOptions): Promise<PsGetPixelsResult>;
  putPixels(options: PsPutOptions): Promise<void>;
  putLayerMask(options: PsPutOptions & { kind?: 'user' }): Promise<void>;
  createImageDataFromBuffer(data: Uint8Array | Uint16Array | Float32Array, options: PsCreateImageDataOptions): Promise<PsImageData>;
  encodeImageData(options: { imageData: PsImageData; base64?: boolean }): Promise<number[] | string>;
}

export interface PsHistorySuspension {
  historySuspensionID: number;
}

/** The first argument of an `executeAsModal` target function. */
export interface PsExecutionContext {
  readonly isCancelled: boolean;
  onCancel: undefined | ((e?: { reason: string }) => void);
  reportProgress(options: { value?: number; commandName?: string }): void;
  readonly hostControl: {
    suspendHistory(options: { documentID: number; name: string }): Promise<PsHistorySuspension>;
    resumeHistory(suspension: PsHistorySuspension & { finalName?: string }, commit?: boolean): Promise<void>;
  };
}

export interface PsModalOptions {
  commandName: string;
  interactive?: boolean;
  /** Seconds to wait for another modal state to end (PS 25.10+; missing from @types/photoshop 25.0.4). */
  timeOut?: number;
}

/** `require('photoshop').core`. */
export interface PsCore {
  executeAsModal<T>(target: (context: PsExecutionContext, descriptor?: object) => Promise<T>, options: PsModalOptions): Promise<T>;
}

/** batchPlay descriptor: an `_obj` command plus its arguments. */
export interface PsDescriptor {
  _obj: string;
  [key: string]: unknown;
}

/** `require('photoshop').action`. */
export interface PsAction {
  batchPlay(commands: PsDescriptor[], options: object): Promise<PsDescriptor[]>;
}

/**
 * `fs.lstat` result: Node's Stats class (DOCS uxp-api/reference-js/Modules/fs/fs.md lstat: "see Stats class in
 * Node.js. Note: Some methods or properties may not be supportive for the return object due to the platform
 * limitation"). Only what the model store reads.
 */
export interface UxpStats {
  isFile(): boolean;
  isDirectory(): boolean;
  /** Bytes. */
  readonly size: number;
}

/**
 * UXP's Node-style `require('fs')`: `plugin:`, `plugin-data:`, `plugin-temp:` and `file:` paths. Every signature below
 * is the promise form (no callback) documented in DOCS uxp-api/reference-js/Modules/fs/fs.md
 * (github.com/AdobeDocs/uxp-photoshop, src/pages/uxp-api/reference-js/Modules/fs/fs.md). The native layer is libuv
 * (same page, note 3), so flags and error codes follow Node's (ENOENT, ENOSPC, …) — the codes' exact shape on the
 * thrown Error is UNVERIFIED.
 */
export interface UxpFs {
  /** fs.md readFile: "If an encoding is not supplied, the file is assumed to be a binary format" → ArrayBuffer. */
  readFile(path: string): Promise<ArrayBuffer>;
  /**
   * fs.md writeFile(path, data, options): data `string | ArrayBuffer | ArrayBufferView`, `options.flag` default "w"
   * (Node's file-system flags, so "a" appends); resolves to the length written.
   */
  writeFile(path: string, data: ArrayBuffer | ArrayBufferView, options?: { flag?: string }): Promise<number>;
  /** fs.md readdir: names of the files and folders in `path`. */
  readdir(path: string): Promise<string[]>;
  /** fs.md mkdir(path, {recursive}): "whether parents folders should be created" (default false). */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<unknown>;
  /** fs.md rename(oldPath, newPath): "Renames or moves, if required, the file"; 0 or throws. */
  rename(oldPath: string, newPath: string): Promise<unknown>;
  /** fs.md unlink(path): deletes the file; 0 or throws. */
  unlink(path: string): Promise<unknown>;
  /** fs.md lstat(path): Node's Stats of the file or folder. */
  lstat(path: string): Promise<UxpStats>;
  /** fs.md open(path, flag = "r", mode): resolves to the file descriptor. */
  open(path: string, flag?: string): Promise<number>;
  /** fs.md close(fd). */
  close(fd: number): Promise<unknown>;
  /**
   * fs.md read(fd, buffer, offset, length, position): `buffer` an ArrayBuffer, `offset` into it, `position` the file
   * position (−1: the current one) → `{bytesRead, buffer}`.
   */
  read(fd: number, buffer: ArrayBuffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /**
   * fs.md write(fd, buffer, offset, length, position): `buffer` an ArrayBuffer, `offset` into it; `position` −1 writes
   * "from the current file position" → `{bytesWritten, buffer}`.
   */
  write(fd: number, buffer: ArrayBuffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
}

/**
 * A `File` from `localFileSystem.getFileForOpening` (DOCS Modules/uxp/Persistent File Storage/File.md, Entry.md):
 * `name`, `nativePath`, and `read({format: formats.binary})` → ArrayBuffer (default format utf8).
 */
export interface UxpFile {
  readonly name: string;
  readonly nativePath: string;
  read(options: { format: symbol }): Promise<ArrayBuffer | string>;
}

/** `require('uxp')` secure storage, the subset the plugin uses (see UxpModule.storage.secureStorage). */
export interface UxpSecureStorage {
  setItem(key: string, value: string): Promise<void>;
  getItem(key: string): Promise<Uint8Array | null | undefined>;
  removeItem(key: string): Promise<void>;
}

/** `require('uxp')`: panel registration, the data-folder lookup for messages, and the host's version. */
export interface UxpModule {
  /** DOCS uxp-api/reference-js/Modules/uxp/Entry Points: call `setup` once, early (PS-57605: late calls may throw). */
  readonly entrypoints: { setup(config: { panels: Record<string, PanelEntry> }): void };
  readonly storage: {
    readonly localFileSystem: {
      getDataFolder(): Promise<{ readonly nativePath: string }>;
      getPluginFolder(): Promise<{ readonly nativePath: string }>;
      /**
       * DOCS Persistent File Storage/FileSystemProvider.md getFileForOpening({types, allowMultiple, initialDomain}):
       * "Returns: Promise<File|Array<File>> based on allowMultiple. Return empty if no file was selected." Needs
       * manifest `localFileSystem: "request"` ("plugin … doesn't enable file picker APIs", manifest-v5).
       */
      getFileForOpening(options: { types?: string[]; allowMultiple?: boolean }): Promise<UxpFile | UxpFile[] | null | undefined>;
    };
    /** DOCS Persistent File Storage/formats.md: `binary` and `utf8` symbols for File.read/write. */
    readonly formats: { readonly binary: symbol; readonly utf8: symbol };
    /**
     * DOCS Modules/uxp/Key-Value Storage/SecureStorage.md: values encrypted under the user's account, per plugin.
     * `getItem` "resolves with an Uint8Array"; `setItem` is "rejected when the value is empty"; `removeItem` is
     * "rejected when the value … is neither removed nor found". For the server's access token.
     */
    readonly secureStorage?: UxpSecureStorage;
  };
  /** Where @adobe/cc-ext-uxp-types 7.3 declares it (the docs say `storage.secureStorage`): either is used. */
  readonly secureStorage?: UxpSecureStorage;
  readonly host: { readonly name: string; readonly version: string };
}

/** Panel lifecycle callbacks (manifest v5: promises honoured, 300 ms timeout; uxp-platform.md §5.1). */
export interface PanelEntry {
  create?(rootNode: unknown): void | Promise<void>;
  show?(rootNode: unknown): void | Promise<void>;
  hide?(rootNode: unknown): void | Promise<void>;
  destroy?(rootNode: unknown): void | Promise<void>;
}

/**
 * `window.localStorage` (DOCS Global Members/Data Storage/LocalStorage.md): "useful for setting preferences";
 * `getItem` returns null for a missing key; `setItem` throws "if it fails to store".
 */
export interface UxpLocalStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Everything the plugin takes from its host, in one object. */
export interface PsModules {
  readonly app: PsApp;
  readonly core: PsCore;
  readonly imaging: PsImaging;
  readonly action: PsAction;
  readonly uxp: UxpModule;
  readonly fs: UxpFs;
  /** The panel's preferences ("Run on"). */
  readonly localStorage: UxpLocalStorage;
}
