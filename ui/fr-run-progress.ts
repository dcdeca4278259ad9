import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { PanelProgress } from './panel-controller';

export const FR_RUN_PROGRESS_TAG = 'fr-run-progress';

/**
 * A running detection or restore: an `sp-progressbar` (0..100) with the step label, and a Cancel button.
 * While cancelling, the label reads "Cancelling…" and the button is disabled so a second click does nothing.
 * Renders only; the owner passes `onCancel`.
 */
export class FrRunProgress extends LitElement {
  static override properties = {
    progress: { attribute: false },
    isCancelling: { attribute: false },
  };

  declare progress: PanelProgress | undefined;
  declare isCancelling: boolean;
  onCancel: (() => void) | undefined = undefined;

  constructor() {
    super();
    this.progress = undefined;
    this.isCancelling = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult | typeof nothing {
    if (this.progress === undefined && !this.isCancelling) return nothing;
    const fraction = this.progress?.fraction ?? 0;
    const percent = Math.round(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * 100);
    const label = this.isCancelling ? 'Cancelling…' : (this.progress?.label ?? '');
    return html`
      <div class="fr-run-progress">
        <sp-progressbar class="fr-progressbar" max="100" value=${percent}>
          <sp-label slot="label">${label}</sp-label>
        </sp-progressbar>
        <sp-button class="fr-cancel" variant="secondary" quiet ?disabled=${this.isCancelling}
          @click=${this.onCancelClick}>Cancel</sp-button>
      </div>`;
  }

  private readonly onCancelClick = (): void => {
    // UXP's disabled sp-button swallows clicks, but a plain browser (and jsdom) does not: guard here too.
    if (this.isCancelling) return;
    this.onCancel?.();
  };
}

export function defineFrRunProgress(): void {
  if (!customElements.get(FR_RUN_PROGRESS_TAG)) customElements.define(FR_RUN_PROGRESS_TAG, FrRunProgress);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-run-progress': FrRunProgress;
  }
}
