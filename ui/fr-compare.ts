import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { FaceToggleHandler } from './fr-face-list';
import type { WebFaceBox, WebPixels } from './web-controller';

export const FR_COMPARE_TAG = 'fr-compare';

/** Divider steps: arrows move it 1 %, Shift+arrow and Page Up/Down 10 %. */
const SMALL_STEP = 1;
const LARGE_STEP = 10;
/** The picture never grows taller than this share of the window, so a portrait photo fits without scrolling. */
const MAX_VIEWPORT_HEIGHT = 80;

/**
 * The opened picture with the detected faces as numbered boxes and, once there is a result, a before/after
 * comparison: the result drawn over the original, clipped to the right of a draggable divider (before left, after
 * right). The divider position is view state held here; everything else comes from the owner, and a click on a box
 * goes to `onBoxToggle(number, !isSelected)`. Pixels are drawn with `putImageData`, converted to `ImageData` only
 * when a picture's identity changes, since a 12 MP picture costs 48 MB a conversion.
 */
export class FrCompare extends LitElement {
  static override properties = {
    beforePixels: { attribute: false },
    afterPixels: { attribute: false },
    boxes: { attribute: false },
    isDisabled: { attribute: false },
    position: { state: true },
  };

  // Not `before`/`after`: those are Element's own DOM methods (ChildNode.before/after), which must not be shadowed.
  /** The opened picture. */
  declare beforePixels: WebPixels | undefined;
  /** The result at the output size (×1, ×2 or ×4 the picture), drawn over the picture at the same display size. */
  declare afterPixels: WebPixels | undefined;
  declare boxes: readonly WebFaceBox[];
  /** Box clicks are ignored while a run is going, as the face list's checkboxes are. */
  declare isDisabled: boolean;
  /** Divider position, percent of the picture's width from its left edge. */
  declare position: number;
  onBoxToggle: FaceToggleHandler | undefined = undefined;

  private readonly beforeLayer = new CanvasLayer();
  private readonly afterLayer = new CanvasLayer();
  private isDragging = false;

  constructor() {
    super();
    this.beforePixels = undefined;
    this.afterPixels = undefined;
    this.boxes = [];
    this.isDisabled = false;
    this.position = 50;
  }

  // Light DOM: the page's injected stylesheet must reach the canvases and boxes.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult | typeof nothing {
    const before = this.beforePixels;
    if (before === undefined || before.width <= 0 || before.height <= 0) return nothing;
    const after = this.afterPixels;
    // Sized here rather than by the canvas alone: fits the column's width and the window's height, never enlarges.
    const stageWidth = `min(100%, ${before.width}px, ${round((MAX_VIEWPORT_HEIGHT * before.width) / before.height)}vh)`;
    return html`
      <div class="fr-compare ${after === undefined ? '' : 'fr-compare-has-after'}" style="width: ${stageWidth}"
        @pointerdown=${this.onPointerDown} @pointermove=${this.onPointerMove} @pointerup=${this.onPointerEnd}
        @pointercancel=${this.onPointerEnd}>
        <canvas class="fr-compare-before" aria-label="Original picture"></canvas>
        ${after === undefined ? nothing : html`
          <canvas class="fr-compare-after" aria-label="Restored picture"
            style="clip-path: inset(0 0 0 ${this.position}%)"></canvas>
          <span class="fr-compare-label fr-compare-label-before">Before</span>
          <span class="fr-compare-label fr-compare-label-after">After</span>`}
        ${this.boxes.map((box) => this.renderBox(box, before))}
        ${after === undefined ? nothing : html`
          <div class="fr-compare-divider" role="slider" tabindex="0" aria-label="Before and after divider"
            aria-orientation="horizontal" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(this.position)}
            aria-valuetext="${Math.round(this.position)} % original, ${100 - Math.round(this.position)} % restored"
            style="left: ${this.position}%"
            @keydown=${this.onKeyDown}></div>`}
      </div>`;
  }

  private renderBox(box: WebFaceBox, picture: WebPixels): TemplateResult {
    // Percent of the picture, so the boxes follow however the stage is scaled.
    const style = `left: ${(box.x / picture.width) * 100}%; top: ${(box.y / picture.height) * 100}%; `
      + `width: ${(box.width / picture.width) * 100}%; height: ${(box.height / picture.height) * 100}%`;
    return html`<button type="button" class="fr-face-box ${box.isSelected ? '' : 'fr-face-box-off'}"
      data-face=${box.number} style=${style} aria-pressed=${box.isSelected ? 'true' : 'false'}
      aria-label="Face ${box.number}" title="Face ${box.number}: click to ${box.isSelected ? 'leave it out' : 'include it'}"
      ?disabled=${this.isDisabled} @click=${() => this.onBoxClick(box)}>${box.number}</button>`;
  }

  protected override updated(): void {
    this.beforeLayer.draw(this.querySelector<HTMLCanvasElement>('canvas.fr-compare-before'), this.beforePixels);
    this.afterLayer.draw(this.querySelector<HTMLCanvasElement>('canvas.fr-compare-after'), this.afterPixels);
  }

  /** Moves the divider to `percent` (clamped to 0..100). */
  setPosition(percent: number): void {
    if (!Number.isFinite(percent)) return;
    this.position = Math.min(100, Math.max(0, percent));
  }

  private onBoxClick(box: WebFaceBox): void {
    // A browser does not deliver clicks to a disabled button, but keep the rule where it is decided.
    if (this.isDisabled) return;
    this.onBoxToggle?.(box.number, !box.isSelected);
  }

  private readonly onKeyDown = (evt: KeyboardEvent): void => {
    const step = evt.shiftKey ? LARGE_STEP : SMALL_STEP;
    const moves: Record<string, number> = {
      ArrowLeft: this.position - step, ArrowDown: this.position - step,
      ArrowRight: this.position + step, ArrowUp: this.position + step,
      PageDown: this.position - LARGE_STEP, PageUp: this.position + LARGE_STEP, Home: 0, End: 100,
    };
    const next = moves[evt.key];
    if (next === undefined) return;
    evt.preventDefault(); // arrows would otherwise scroll the page
    this.setPosition(next);
  };

  // Grabbing anywhere on the picture (but a face box) moves the divider there, then follows the pointer.
  private readonly onPointerDown = (evt: PointerEvent): void => {
    if (this.afterPixels === undefined || evt.button !== 0) return;
    const target = evt.target as Element | null;
    if (target?.closest('.fr-face-box') != null) return;
    this.isDragging = true;
    const stage = evt.currentTarget as HTMLElement;
    // Capture keeps the drag going when the pointer leaves the picture (absent in old engines and jsdom).
    if (typeof stage.setPointerCapture === 'function' && evt.pointerId !== undefined) {
      try { stage.setPointerCapture(evt.pointerId); } catch { /* a synthetic pointer has nothing to capture */ }
    }
    this.followPointer(evt);
    evt.preventDefault(); // no text selection while dragging; it also stops the usual focus change, so focus here:
    // the arrow keys then continue from where the pointer left the divider.
    this.querySelector<HTMLElement>('.fr-compare-divider')?.focus({ preventScroll: true });
  };

  private readonly onPointerMove = (evt: PointerEvent): void => {
    if (this.isDragging) this.followPointer(evt);
  };

  private readonly onPointerEnd = (): void => {
    this.isDragging = false;
  };

  private followPointer(evt: PointerEvent): void {
    const rect = (evt.currentTarget as HTMLElement).getBoundingClientRect();
    if (rect.width <= 0) return;
    this.setPosition(((evt.clientX - rect.left) / rect.width) * 100);
  }
}

/**
 * One canvas and the picture last drawn on it. It converts only when the picture object changes, and redraws the
 * cached `ImageData` when Lit hands it a fresh canvas (the after canvas comes and goes with the result).
 */
class CanvasLayer {
  private pixels: WebPixels | undefined;
  private image: ImageData | undefined;
  private canvas: HTMLCanvasElement | null = null;

  draw(canvas: HTMLCanvasElement | null, pixels: WebPixels | undefined): void {
    if (canvas === null || pixels === undefined) {
      // Nothing to show: let go of the picture (a ×4 result can be hundreds of MB).
      this.canvas = canvas;
      this.pixels = undefined;
      this.image = undefined;
      return;
    }
    if (canvas === this.canvas && pixels === this.pixels) return;
    const isNewPicture = pixels !== this.pixels;
    this.canvas = canvas;
    this.pixels = pixels;
    // The canvas's own size is the picture's (the after one may be ×2 or ×4); CSS scales both to the same box.
    if (canvas.width !== pixels.width) canvas.width = pixels.width;
    if (canvas.height !== pixels.height) canvas.height = pixels.height;
    // jsdom (and a browser out of canvas memory) gives no context: the picture is then not drawn, nothing breaks.
    const context = canvas.getContext('2d');
    if (context === null) {
      this.image = undefined;
      this.pixels = undefined; // try again with the next canvas or picture
      return;
    }
    if (isNewPicture || this.image === undefined) this.image = toImageData(pixels, context);
    context.putImageData(this.image, 0, 0);
  }
}

/** Wraps the pixels without copying when the engine allows it; copies when they live in shared memory. */
function toImageData(pixels: WebPixels, context: CanvasRenderingContext2D): ImageData {
  const { data, width, height } = pixels;
  if (typeof ImageData === 'function' && data.buffer instanceof ArrayBuffer) {
    try {
      return new ImageData(data as Uint8ClampedArray<ArrayBuffer>, width, height);
    } catch {
      // A length that does not match width × height: copy what there is rather than fail the page.
    }
  }
  const image = context.createImageData(width, height);
  image.data.set(data.subarray(0, image.data.length));
  return image;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function defineFrCompare(): void {
  if (!customElements.get(FR_COMPARE_TAG)) customElements.define(FR_COMPARE_TAG, FrCompare);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-compare': FrCompare;
  }
}
