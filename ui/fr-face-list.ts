import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { PanelFace } from './panel-controller';
import { readChecked } from './widget-events';

export const FR_FACE_LIST_TAG = 'fr-face-list';

/** Called when the user ticks or unticks a face's checkbox. */
export type FaceToggleHandler = (faceNumber: number, isSelected: boolean) => void;

/**
 * The detected faces, one row each: thumbnail, an `sp-checkbox` labelled "Face N" (include / exclude it), and the
 * detector score as a percentage. Renders only; the owner passes `onFaceToggle` and decides what a toggle does.
 * A callback property rather than a custom event: bubbling custom events through UXP's DOM is unproven.
 */
export class FrFaceList extends LitElement {
  static override properties = {
    faces: { attribute: false },
    isDisabled: { attribute: false },
  };

  // `declare` keeps TypeScript from emitting class fields that would shadow Lit's reactive accessors.
  declare faces: readonly PanelFace[];
  declare isDisabled: boolean;
  onFaceToggle: FaceToggleHandler | undefined = undefined;

  constructor() {
    super();
    this.faces = [];
    this.isDisabled = false;
  }

  // Light DOM: the Spectrum UXP widgets are built-ins and the panel's injected stylesheet must reach them.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult | typeof nothing {
    if (this.faces.length === 0) return nothing;
    return html`<div class="fr-face-list">${this.faces.map((face) => this.renderRow(face))}</div>`;
  }

  private renderRow(face: PanelFace): TemplateResult {
    const thumbnail = face.thumbnail === ''
      ? html`<div class="fr-face-thumb-empty"></div>`
      : html`<img class="fr-face-thumb" src=${face.thumbnail} alt="Face ${face.number}" />`;
    return html`
      <div class="fr-face-row" data-face=${face.number}>
        ${thumbnail}
        <sp-checkbox class="fr-face-check" ?checked=${face.isSelected} ?disabled=${this.isDisabled}
          @change=${(evt: Event) => this.onToggle(face.number, evt)}>Face ${face.number}</sp-checkbox>
        <sp-detail class="fr-face-score">${formatScore(face.score)}</sp-detail>
      </div>`;
  }

  private onToggle(faceNumber: number, evt: Event): void {
    const isSelected = readChecked(evt);
    if (isSelected === undefined || this.isDisabled) return;
    this.onFaceToggle?.(faceNumber, isSelected);
  }
}

/** Detector confidence 0..1 as a whole percentage ("97%"). */
export function formatScore(score: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(score) ? score : 0));
  return `${Math.round(clamped * 100)}%`;
}

export function defineFrFaceList(): void {
  if (!customElements.get(FR_FACE_LIST_TAG)) customElements.define(FR_FACE_LIST_TAG, FrFaceList);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-face-list': FrFaceList;
  }
}
