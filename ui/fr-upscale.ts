import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { choiceAt, renderDropdown } from './choice-dropdown';
import type { PanelChoice } from './panel-controller';
import { readSelectedIndex } from './widget-events';

export const FR_UPSCALE_TAG = 'fr-upscale';

/** The id of the ×1 choice: faces only, no background upsampler (so no "Upscaler" dropdown). */
export const FACES_ONLY_UPSCALE_ID = '1';

/**
 * The output scale: an "Upscale" dropdown (×1 · faces only / ×2 / ×4) and, for ×2 and ×4, an "Upscaler" dropdown
 * of the installed background upsamplers. Renders only; the owner passes `onUpscale` / `onUpscaler` (chosen ids).
 */
export class FrUpscale extends LitElement {
  static override properties = {
    upscales: { attribute: false },
    upscaleId: { attribute: false },
    upscalers: { attribute: false },
    upscalerId: { attribute: false },
    isDisabled: { attribute: false },
  };

  declare upscales: readonly PanelChoice[];
  declare upscaleId: string;
  declare upscalers: readonly PanelChoice[];
  declare upscalerId: string | undefined;
  declare isDisabled: boolean;
  onUpscale: ((id: string) => void) | undefined = undefined;
  onUpscaler: ((id: string) => void) | undefined = undefined;

  constructor() {
    super();
    this.upscales = [];
    this.upscaleId = FACES_ONLY_UPSCALE_ID;
    this.upscalers = [];
    this.upscalerId = undefined;
    this.isDisabled = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult {
    return html`
      <div class="fr-field">
        <sp-label>Upscale</sp-label>
        ${renderDropdown('fr-upscale-scale', this.upscales, this.upscaleId, 'Faces only', this.isDisabled,
          this.onUpscaleChange)}
      </div>
      ${this.upscaleId === FACES_ONLY_UPSCALE_ID ? nothing : html`
        <div class="fr-field">
          <sp-label>Upscaler</sp-label>
          ${renderDropdown('fr-upscaler', this.upscalers, this.upscalerId, 'No upscaler installed', this.isDisabled,
            this.onUpscalerChange)}
        </div>`}`;
  }

  // Disabled widgets swallow changes in UXP but not in a browser: re-check before forwarding.
  private readonly onUpscaleChange = (evt: Event): void => {
    const choice = choiceAt(this.upscales, readSelectedIndex(evt));
    if (choice !== undefined && !this.isDisabled) this.onUpscale?.(choice.id);
  };

  private readonly onUpscalerChange = (evt: Event): void => {
    const choice = choiceAt(this.upscalers, readSelectedIndex(evt));
    if (choice !== undefined && !this.isDisabled) this.onUpscaler?.(choice.id);
  };
}

export function defineFrUpscale(): void {
  if (!customElements.get(FR_UPSCALE_TAG)) customElements.define(FR_UPSCALE_TAG, FrUpscale);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-upscale': FrUpscale;
  }
}
