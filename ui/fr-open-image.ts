import { LitElement, html, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';

export const FR_OPEN_IMAGE_TAG = 'fr-open-image';

/** Called with the file the user chose or dropped; the controller decides whether it is an image it can read. */
export type OpenHandler = (file: File) => void;

/** What the file picker offers; the MIME types and the extensions both, as browsers match one or the other. */
export const IMAGE_ACCEPT = 'image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp';

/**
 * The "Open image…" button: it clicks a hidden file input and hands the chosen file to `onOpen`. A native
 * `<button>` rather than `sp-button`: the element exists only on the web page, where it must work without UXP's
 * built-in widgets. Renders only; the owner passes `onOpen` and when it is disabled.
 */
export class FrOpenImage extends LitElement {
  static override properties = {
    isDisabled: { attribute: false },
    isOpening: { attribute: false },
  };

  /** True while a run is going (or a file is being opened): a new picture would pull the rug from under it. */
  declare isDisabled: boolean;
  /** True while a file is being read and decoded: the button says so. */
  declare isOpening: boolean;
  onOpen: OpenHandler | undefined = undefined;

  constructor() {
    super();
    this.isDisabled = false;
    this.isOpening = false;
  }

  // Light DOM: the page's injected stylesheet must reach the button.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult {
    const isDisabled = this.isDisabled || this.isOpening;
    return html`
      <button type="button" class="fr-open-button" ?disabled=${isDisabled}
        @click=${this.onButtonClick}>${this.isOpening ? 'Opening…' : 'Open image…'}</button>
      <input type="file" class="fr-open-input" accept=${IMAGE_ACCEPT} hidden tabindex="-1" aria-hidden="true"
        @change=${this.onInputChange} />`;
  }

  private readonly onButtonClick = (): void => {
    if (this.isDisabled || this.isOpening) return;
    this.querySelector<HTMLInputElement>('input.fr-open-input')?.click();
  };

  private readonly onInputChange = (evt: Event): void => {
    const input = evt.target as HTMLInputElement;
    const file = input.files?.[0];
    // Cleared so that choosing the same file again still fires `change` (after a failed open, say).
    input.value = '';
    if (file !== undefined && !this.isDisabled && !this.isOpening) this.onOpen?.(file);
  };
}

/** What a drop zone needs from its owner at the moment of a drop. */
export interface FileDropOptions {
  readonly onOpen: OpenHandler;
  readonly isDisabled: () => boolean;
}

/**
 * Drag and drop of a file onto an area of the host's template: bind `onDragEnter`, `onDragOver`, `onDragLeave` and
 * `onDrop` to it, and add the `fr-drop-over` class while `isOver` (the highlight). The first dropped file goes to
 * `onOpen`. Holds only the highlight, which is view state.
 */
export class FileDrop implements ReactiveController {
  /** True while files are dragged over the area (and it accepts them). */
  isOver = false;
  // dragenter/dragleave fire for every child crossed: count them, and the area is left when the count is back to 0.
  private depth = 0;

  constructor(private readonly host: ReactiveControllerHost, private readonly options: FileDropOptions) {
    host.addController(this);
  }

  hostConnected(): void {
    this.reset();
  }

  readonly onDragEnter = (evt: DragEvent): void => {
    if (!hasFiles(evt)) return;
    evt.preventDefault();
    this.depth += 1;
    this.setOver(!this.options.isDisabled());
  };

  // Cancelling dragover is what makes the area a drop target; 'none' shows the user it refuses for now.
  readonly onDragOver = (evt: DragEvent): void => {
    if (!hasFiles(evt)) return;
    evt.preventDefault();
    const isDisabled = this.options.isDisabled();
    if (evt.dataTransfer !== null && evt.dataTransfer !== undefined) evt.dataTransfer.dropEffect = isDisabled ? 'none' : 'copy';
    this.setOver(!isDisabled);
  };

  readonly onDragLeave = (evt: DragEvent): void => {
    if (!hasFiles(evt)) return;
    this.depth = Math.max(0, this.depth - 1);
    if (this.depth === 0) this.setOver(false);
  };

  readonly onDrop = (evt: DragEvent): void => {
    // Always cancelled: otherwise the browser would leave the page to show the dropped file.
    evt.preventDefault();
    this.reset();
    const file = evt.dataTransfer?.files?.[0];
    if (file !== undefined && !this.options.isDisabled()) this.options.onOpen(file);
  };

  private reset(): void {
    this.depth = 0;
    this.setOver(false);
  }

  private setOver(isOver: boolean): void {
    if (isOver === this.isOver) return;
    this.isOver = isOver;
    this.host.requestUpdate();
  }
}

/** A drag of text or a link is not ours to take; only one that carries files is. */
function hasFiles(evt: DragEvent): boolean {
  const types = evt.dataTransfer?.types;
  if (types === undefined || types === null) return false;
  for (let i = 0; i < types.length; i += 1) {
    if (types[i] === 'Files') return true;
  }
  return false;
}

export function defineFrOpenImage(): void {
  if (!customElements.get(FR_OPEN_IMAGE_TAG)) customElements.define(FR_OPEN_IMAGE_TAG, FrOpenImage);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-open-image': FrOpenImage;
  }
}
