import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { ControllerBinding } from './controller-binding';
import { defineFrCompare } from './fr-compare';
import { FileDrop, defineFrOpenImage } from './fr-open-image';
import { defineFrPanel } from './fr-panel';
import type { PanelPhase, PanelRunOn } from './panel-controller';
import type { WebController, WebViewState } from './web-controller';

export const FR_WEB_APP_TAG = 'fr-web-app';

export const PRODUCT_NAME = 'FaceRestore';
export const PRIVACY_NOTE = 'Everything runs in this browser: your photos and models never leave this computer.';
export const EMPTY_STATE_TEXT = 'Drop a photo here, or Open image…';

/**
 * The header's privacy note for where the models run ("Run on"): only "This panel" keeps everything here. A local
 * accelerator or a server is sent the face crops and, when upscaling, the tiles (which together cover the picture),
 * and sends the results back; the opened file itself is never uploaded.
 */
export function privacyNote(runOn: PanelRunOn): string {
  if (runOn.targetId === 'panel') return PRIVACY_NOTE;
  const server = runOn.url === '' ? 'the chosen server' : runOn.url;
  return `The photo file is not uploaded, but what the models see is sent to ${server} and back: a reduced copy to find the faces, the faces and, when upscaling, the whole picture in tiles.`;
}

/** Phases in which a new picture must wait: a run (or its go-ahead) works on the current one. */
const BUSY_PHASES: readonly PanelPhase[] = ['confirming', 'detecting', 'restoring', 'cancelling'];

/**
 * The web page: a header with the privacy note (which follows "Run on"), the picture (open / drop a file, the faces'
 * boxes, the before/after comparison), the `<fr-panel>` beside it, the Save section once there is a result, and the runtime note. It renders
 * `controller.state` and `controller.web` and forwards every action to the controller (house rule 14); the only
 * state it holds is the drop highlight (in `FileDrop`) and the divider position (in `<fr-compare>`).
 */
export class FrWebApp extends LitElement {
  private readonly binding = new ControllerBinding(this);
  // ControllerBinding is typed for the panel's contract; keep the web one here, typed, rather than cast on each use.
  private webController: WebController | undefined;
  private readonly drop = new FileDrop(this, {
    onOpen: (file) => this.openFile(file),
    isDisabled: () => this.isOpenDisabled(),
  });

  get controller(): WebController | undefined {
    return this.webController;
  }

  set controller(controller: WebController | undefined) {
    this.webController = controller;
    this.binding.controller = controller;
  }

  // Light DOM, like the panel: the page's one stylesheet reaches every element.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult | typeof nothing {
    const controller = this.webController;
    if (controller === undefined) return nothing;
    const { state, web } = controller;
    const isOpenDisabled = this.isOpenDisabled();
    return html`
      <div class="fr-web" @dragover=${refuseStrayDrop} @drop=${refuseStrayDrop}>
        <header class="fr-web-header">
          <h1 class="fr-web-title">${PRODUCT_NAME}</h1>
          <p class="fr-web-privacy ${state.runOn.targetId === 'panel' ? '' : 'fr-web-privacy-remote'}">${privacyNote(state.runOn)}</p>
        </header>
        <div class="fr-web-main">
          <section class="fr-web-picture" aria-label="Picture">
            <div class="fr-web-toolbar">
              <fr-open-image .isDisabled=${isOpenDisabled} .isOpening=${web.isOpening}
                .onOpen=${this.onOpen}></fr-open-image>
              ${web.image === undefined ? nothing : html`<span class="fr-web-file-name">${web.image.name}</span>`}
            </div>
            <div class="fr-drop-zone ${this.drop.isOver ? 'fr-drop-over' : ''} ${web.image === undefined ? 'fr-drop-empty' : ''}"
              @dragenter=${this.drop.onDragEnter} @dragover=${this.drop.onDragOver}
              @dragleave=${this.drop.onDragLeave} @drop=${this.drop.onDrop}>
              ${this.renderPicture(web, state.phase !== 'idle')}
            </div>
            ${this.renderSave(web)}
          </section>
          <aside class="fr-web-side" aria-label="Restore">
            <fr-panel .controller=${controller}></fr-panel>
          </aside>
        </div>
        <footer class="fr-web-footer">
          <p class="fr-web-runtime">${web.runtime.note}</p>
        </footer>
      </div>`;
  }

  private renderPicture(web: WebViewState, isBusy: boolean): TemplateResult {
    if (web.image === undefined) {
      return html`<p class="fr-drop-message">${web.isOpening ? 'Opening…' : EMPTY_STATE_TEXT}</p>`;
    }
    return html`<fr-compare .beforePixels=${web.image.pixels} .afterPixels=${web.result?.pixels} .boxes=${web.boxes}
      .isDisabled=${isBusy} .onBoxToggle=${this.onBoxToggle}></fr-compare>`;
  }

  /** Once there is a result: the whole picture, and each restored face's layer and mask, as PNG downloads. */
  private renderSave(web: WebViewState): TemplateResult | typeof nothing {
    if (web.result === undefined) return nothing;
    // One save at a time: a large PNG takes seconds to encode, and a second click would start a second download.
    const isSaving = web.isSaving;
    return html`
      <section class="fr-web-save" aria-label="Save">
        <h2 class="fr-web-save-title">Save</h2>
        <div class="fr-web-save-buttons">
          <button type="button" class="fr-save-result" title=${web.result.name} ?disabled=${isSaving}
            @click=${this.onSaveResult}>Save result (PNG)</button>
        </div>
        ${web.faceFiles.map((face) => html`
          <div class="fr-web-save-buttons fr-web-save-face" data-face=${face.number}>
            <button type="button" class="fr-save-face-layer" data-face=${face.number} title=${face.layerName} ?disabled=${isSaving}
              @click=${() => this.saveFace(face.number, 'layer')}>Face ${face.number} layer</button>
            <button type="button" class="fr-save-face-mask" data-face=${face.number} title=${face.maskName} ?disabled=${isSaving}
              @click=${() => this.saveFace(face.number, 'mask')}>Face ${face.number} mask</button>
          </div>`)}
      </section>`;
  }

  /** Opening waits while a file is being read or a run works on the current picture. */
  private isOpenDisabled(): boolean {
    const controller = this.webController;
    if (controller === undefined) return true;
    return controller.web.isOpening || BUSY_PHASES.includes(controller.state.phase);
  }

  private openFile(file: File): void {
    // Re-checked here: a drop or a queued change event can arrive after the state moved on.
    if (this.isOpenDisabled()) return;
    void this.webController?.openImage(file);
  }

  private readonly onOpen = (file: File): void => this.openFile(file);

  private readonly onBoxToggle = (faceNumber: number, isSelected: boolean): void => {
    this.webController?.setFaceSelected(faceNumber, isSelected);
  };

  private readonly onSaveResult = (): void => {
    const controller = this.webController;
    if (controller?.web.result !== undefined && !controller.web.isSaving) void controller.saveResult();
  };

  private saveFace(faceNumber: number, part: 'layer' | 'mask'): void {
    if (this.webController?.web.isSaving === false) void this.webController.saveFace(faceNumber, part);
  }
}

/**
 * A file dropped beside the drop zone (on the panel, the header) would make the browser leave the page to show it:
 * refuse it. The drop zone handles its own drags first and cancels them, which is how this tells them apart.
 */
function refuseStrayDrop(evt: DragEvent): void {
  if (evt.defaultPrevented) return;
  evt.preventDefault();
  if (evt.dataTransfer !== null && evt.dataTransfer !== undefined) evt.dataTransfer.dropEffect = 'none';
}

/** Defines `fr-web-app` and every element it renders (the panel's included), once per registry. */
export function defineFrWebApp(): void {
  defineFrPanel();
  defineFrCompare();
  defineFrOpenImage();
  if (!customElements.get(FR_WEB_APP_TAG)) customElements.define(FR_WEB_APP_TAG, FrWebApp);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-web-app': FrWebApp;
  }
}
