/**
 * Test-only helpers for the web page's jest suites (jsdom): a fake WebController, mounting, and a canvas stub.
 * jsdom has no 2D context (and no ImageData, DragEvent or PointerEvent), so drawing is recorded by the stub and
 * the events are plain ones carrying what the handlers read.
 */
import type { LitElement } from 'lit';
import type { FrWebApp } from './fr-web-app';
import { FakeController } from './panel-test-helpers';
import type { PanelState } from './panel-controller';
import type { WebController, WebPixels, WebViewState } from './web-controller';
import { mountWebApp } from './web-index';

export const BASE_WEB: WebViewState = {
  image: undefined,
  isOpening: false,
  isSaving: false,
  boxes: [],
  result: undefined,
  faceFiles: [],
  runtime: { threads: 4, isCrossOriginIsolated: true, note: 'Runs on 4 threads in this browser.' },
};

/**
 * The panel's fake (its "Run on" methods included) plus the page's view state and the page's three methods, logged in
 * the same `calls`.
 */
export class FakeWebController extends FakeController implements WebController {
  web: WebViewState;

  constructor(web: Partial<WebViewState> = {}, state: Partial<PanelState> = {}) {
    super(state);
    this.web = { ...BASE_WEB, ...web };
  }

  /** Changes the page's view state (and optionally the panel's) and notifies once. */
  updateWeb(patch: Partial<WebViewState>, state: Partial<PanelState> = {}): void {
    this.web = { ...this.web, ...patch };
    this.update(state);
  }

  async openImage(file: File): Promise<void> { this.calls.push(['openImage', file]); }
  async saveResult(): Promise<void> { this.calls.push(['saveResult']); }
  async saveFace(number: number, part: 'layer' | 'mask'): Promise<void> { this.calls.push(['saveFace', number, part]); }
}

/** An opaque grey picture; a fresh object (and buffer) on each call. */
export function pixels(width: number, height: number): WebPixels {
  return { width, height, data: new Uint8ClampedArray(width * height * 4).fill(128) };
}

export interface MountedWeb {
  readonly app: FrWebApp;
  readonly root: HTMLElement;
  readonly unmount: () => void;
}

const mounted: MountedWeb[] = [];

/** Mounts the page into a fresh root in the document and waits for it (and its child elements) to render. */
export async function mountWeb(controller: WebController): Promise<MountedWeb> {
  const root = document.createElement('div');
  document.body.appendChild(root);
  const unmount = mountWebApp(root, controller);
  const app = root.querySelector('fr-web-app');
  if (app === null) throw new Error('mountWebApp appended no <fr-web-app>');
  const result = { app, root, unmount };
  mounted.push(result);
  await settleWeb(app);
  return result;
}

/** Unmounts everything `mountWeb` created; call from `afterEach`. */
export function unmountAllWeb(): void {
  for (const { root, unmount } of mounted.splice(0)) {
    unmount();
    root.remove();
  }
}

const CHILD_ELEMENTS = 'fr-compare, fr-open-image, fr-panel, fr-run-on, fr-face-list, fr-run-progress, fr-upscale, fr-models';

/** Waits until the page and every fr-* element in it have finished updating (twice: children render children). */
export async function settleWeb(app: LitElement): Promise<void> {
  for (let pass = 0; pass < 2; pass += 1) {
    await app.updateComplete;
    for (const child of app.querySelectorAll(CHILD_ELEMENTS)) await (child as LitElement).updateComplete;
  }
}

export interface CanvasDraw {
  readonly canvas: HTMLCanvasElement;
  readonly image: ImageData;
}

export interface CanvasStub {
  /** Every `putImageData`, in order. */
  readonly draws: CanvasDraw[];
  /** Every `createImageData` (the copy path, which jsdom takes as it has no `ImageData` constructor). */
  readonly conversions: number[];
}

/**
 * Replaces `HTMLCanvasElement.prototype.getContext` with one returning a recording 2D context (or null with
 * `hasContext: false`, as jsdom does, without its "not implemented" console noise). Restore with jest's
 * `restoreAllMocks`.
 */
export function stubCanvas({ hasContext = true } = {}): CanvasStub {
  const stub: CanvasStub = { draws: [], conversions: [] };
  jest.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function (this: HTMLCanvasElement) {
    if (!hasContext) return null;
    const context = {
      canvas: this,
      createImageData(width: number, height: number) {
        stub.conversions.push(width * height);
        return { width, height, data: new Uint8ClampedArray(width * height * 4), colorSpace: 'srgb' } as ImageData;
      },
      putImageData: (image: ImageData) => { stub.draws.push({ canvas: this, image }); },
    };
    return context as unknown as CanvasRenderingContext2D;
  } as typeof HTMLCanvasElement.prototype.getContext);
  return stub;
}

/** A drag event as a browser delivers it with files: jsdom has no DragEvent or DataTransfer. */
export function dragEvent(type: string, files: readonly File[], types: readonly string[] = ['Files']): Event {
  const evt = new Event(type, { bubbles: true, cancelable: true });
  Object.defineProperty(evt, 'dataTransfer', { value: { files, types, dropEffect: 'none' } });
  return evt;
}

/** A pointer event (jsdom 20 has no PointerEvent: a MouseEvent carries clientX and button, which is all that is read). */
export function pointerEvent(type: string, clientX: number): Event {
  return new MouseEvent(type, { bubbles: true, cancelable: true, clientX, button: 0 });
}

/** Makes `element.getBoundingClientRect()` report a box `width` px wide starting at `left` (jsdom lays nothing out). */
export function stubRect(element: Element, left: number, width: number): void {
  const rect = { left, width, top: 0, height: 100, right: left + width, bottom: 100, x: left, y: 0, toJSON: () => ({}) };
  jest.spyOn(element, 'getBoundingClientRect').mockReturnValue(rect as DOMRect);
}
