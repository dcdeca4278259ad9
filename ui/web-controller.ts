/**
 * The web page's contract: everything the panel has (`PanelController`), plus the picture, the faces' boxes on it,
 * the before/after result and the files to save. The browser host (src/host/browser/web-controller.ts) implements
 * it; the page's elements (fr-web-app and its children) render `state`/`web` and call the methods, nothing else.
 */
import type { PanelController } from './panel-controller';

/** An 8-bit RGBA picture with straight (not premultiplied) alpha, as `ImageData` holds it. */
export interface WebPixels {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes, row-major. */
  readonly data: Uint8ClampedArray;
}

/** A detected face's box on the picture, in the opened image's pixels. */
export interface WebFaceBox {
  /** The same 1-based number as in the face list and the layer names. */
  readonly number: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly isSelected: boolean;
}

/** How inference runs in this page. */
export interface WebRuntimeInfo {
  /** WebAssembly threads used (1 when the page is not cross-origin isolated). */
  readonly threads: number;
  readonly isCrossOriginIsolated: boolean;
  /** One sentence for the page: "Runs on 2 threads in this browser." or why it is one thread and how to get more. */
  readonly note: string;
}

/** One restored face's two files: the pixels the plugin would put in its layer, and that layer's mask. */
export interface WebFaceFiles {
  readonly number: number;
  /** File names the downloads get ("photo-face-1.png", "photo-face-1-mask.png"). */
  readonly layerName: string;
  readonly maskName: string;
}

export interface WebViewState {
  /** The opened picture (its pixels as decoded, alpha kept); undefined before the first one. */
  readonly image: { readonly name: string; readonly pixels: WebPixels } | undefined;
  /** True while a dropped or chosen file is being read and decoded. */
  readonly isOpening: boolean;
  /** Boxes of the listed faces (after Find faces or a restore). */
  readonly boxes: readonly WebFaceBox[];
  /**
   * The last restore's result at the current strength, at the output size (×1, ×2 or ×4 the picture); undefined
   * until a restore has finished. Moving the strength slider replaces it without running any model.
   */
  readonly result: { readonly name: string; readonly pixels: WebPixels } | undefined;
  /** True while a PNG is being encoded for a download (Save buttons wait). */
  readonly isSaving: boolean;
  /** The restored faces whose layer and mask can be saved, in face order. */
  readonly faceFiles: readonly WebFaceFiles[];
  readonly runtime: WebRuntimeInfo;
}

export interface WebController extends PanelController {
  readonly web: WebViewState;
  /** Reads and decodes an image file (JPEG, PNG, WebP); a file that is none gets a readable status, not a crash. */
  openImage(file: File): Promise<void>;
  /** Saves the result as a PNG (the browser's download). */
  saveResult(): Promise<void>;
  /** Saves face `number`'s layer pixels or its mask as a PNG the size of the result (transparent / black elsewhere). */
  saveFace(number: number, part: 'layer' | 'mask'): Promise<void>;
}
