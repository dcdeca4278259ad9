import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { PanelModel, PanelModelRole } from './panel-controller';

export const FR_MODELS_TAG = 'fr-models';

const ROLE_TITLES: ReadonlyArray<readonly [PanelModelRole, string]> = [
  ['restorer', 'Restore models'],
  ['detector', 'Face detectors'],
  ['upsampler', 'Upscalers'],
];

const STATE_WORDS: Record<PanelModel['state'], string> = {
  installed: 'Installed',
  partial: 'Partly downloaded',
  missing: 'Not installed',
  'pth-only': 'Not installed',
};

/**
 * The collapsible "Models" section: the models grouped by role, each with its size and state, a Download (or
 * Resume) button — a progress bar and Cancel while it downloads — and Remove for installed ones; one "Import
 * .onnx…" button below. Renders only; the owner passes the callbacks. It opens by itself while a restore model or
 * detector is missing (the status then points here) until the user closes it.
 */
export class FrModels extends LitElement {
  static override properties = {
    models: { attribute: false },
    canDownload: { attribute: false },
    isImporting: { attribute: false },
    isBusy: { attribute: false },
    isOpen: { attribute: false },
  };

  declare models: readonly PanelModel[];
  declare canDownload: boolean;
  declare isImporting: boolean;
  /** A restore runs: Remove waits. */
  declare isBusy: boolean;
  /** Undefined until the user toggles the section: it is then open exactly when something needed is missing. */
  declare isOpen: boolean | undefined;
  onDownload: ((id: string) => void) | undefined = undefined;
  onCancelDownload: ((id: string) => void) | undefined = undefined;
  onImport: (() => Promise<void> | void) | undefined = undefined;
  onRemove: ((id: string) => void) | undefined = undefined;
  /** An import started here is running (also guards against repeated clicks around the file picker, PS-57264). */
  private isImportPending = false;

  constructor() {
    super();
    this.models = [];
    this.canDownload = false;
    this.isImporting = false;
    this.isBusy = false;
    this.isOpen = undefined;
  }

  // Light DOM, as the other fr-* elements: the Spectrum UXP widgets are built-ins styled by the panel's stylesheet.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Open when the user opened it, or — before any toggle — when a restore model or detector is missing or a download runs. */
  get isExpanded(): boolean {
    if (this.isOpen !== undefined) return this.isOpen;
    const has = (role: PanelModelRole): boolean => this.models.some((m) => m.role === role && m.state === 'installed');
    return !has('restorer') || !has('detector') || this.models.some((m) => m.isDownloading);
  }

  protected override render(): TemplateResult {
    const isExpanded = this.isExpanded;
    const installed = this.models.filter((m) => m.state === 'installed').length;
    return html`
      <div class="fr-section fr-models">
        <div class="fr-models-header">
          <sp-action-button quiet class="fr-models-toggle" aria-expanded=${isExpanded ? 'true' : 'false'}
            @click=${this.onToggle}>${isExpanded ? '▾' : '▸'} Models</sp-action-button>
          <sp-detail class="fr-models-summary">${installed} installed</sp-detail>
        </div>
        ${isExpanded ? this.renderBody() : nothing}
      </div>`;
  }

  private renderBody(): TemplateResult {
    return html`
      ${ROLE_TITLES.map(([role, title]) => {
        const rows = this.models.filter((m) => m.role === role);
        if (rows.length === 0) return nothing;
        return html`
          <div class="fr-models-group" data-role=${role}>
            <sp-detail class="fr-models-role">${title}</sp-detail>
            ${rows.map((m) => this.renderRow(m))}
          </div>`;
      })}
      <div class="fr-buttons">
        <sp-button class="fr-models-import" variant="secondary" ?disabled=${this.isImporting}
          @click=${this.onImportClick}>Import .onnx…</sp-button>
      </div>`;
  }

  private renderRow(m: PanelModel): TemplateResult {
    return html`
      <div class="fr-model-row" data-model=${m.id} data-state=${m.state}>
        <div class="fr-model-head">
          <sp-body size="S" class="fr-model-name">${m.name}</sp-body>
          <sp-detail class="fr-model-size">${m.sizeLabel}</sp-detail>
        </div>
        <sp-detail class="fr-model-detail">${m.isDownloading ? 'Downloading' : STATE_WORDS[m.state]} · ${m.detail}</sp-detail>
        ${m.isDownloading ? this.renderProgress(m) : this.renderActions(m)}
      </div>`;
  }

  private renderProgress(m: PanelModel): TemplateResult {
    const fraction = m.progress?.fraction ?? 0;
    const percent = Math.round(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * 100);
    return html`
      <div class="fr-model-progress">
        <sp-progressbar class="fr-progressbar" max="100" value=${percent}>
          <sp-label slot="label">${m.progress?.label ?? 'Starting…'}</sp-label>
        </sp-progressbar>
        <sp-button class="fr-model-cancel" variant="secondary" quiet
          @click=${() => this.onCancelDownload?.(m.id)}>Cancel</sp-button>
      </div>`;
  }

  private renderActions(m: PanelModel): TemplateResult | typeof nothing {
    const canGet = this.canDownload && (m.state === 'missing' || m.state === 'partial');
    const canRemove = m.canRemove && (m.state === 'installed' || m.state === 'partial');
    if (!canGet && !canRemove) return nothing;
    return html`
      <div class="fr-buttons fr-model-actions">
        ${canGet ? html`<sp-button class="fr-model-download" variant="primary" size="s"
          @click=${() => this.onDownloadClick(m)}>${m.state === 'partial' ? 'Resume' : 'Download'}</sp-button>` : nothing}
        ${canRemove ? html`<sp-button class="fr-model-remove" variant="secondary" quiet size="s" ?disabled=${this.isBusy}
          @click=${() => this.onRemoveClick(m)}>Remove</sp-button>` : nothing}
      </div>`;
  }

  private readonly onToggle = (): void => {
    this.isOpen = !this.isExpanded;
  };

  // Widgets that are disabled swallow clicks in UXP but not in a browser: re-check before forwarding.
  private onDownloadClick(m: PanelModel): void {
    if (!this.canDownload || m.isDownloading) return;
    this.onDownload?.(m.id);
  }

  private onRemoveClick(m: PanelModel): void {
    if (this.isBusy || m.isDownloading) return;
    this.onRemove?.(m.id);
  }

  private readonly onImportClick = (): void => {
    if (this.isImporting || this.isImportPending) return;
    this.isImportPending = true;
    void Promise.resolve(this.onImport?.()).finally(() => {
      this.isImportPending = false;
    });
  };
}

export function defineFrModels(): void {
  if (!customElements.get(FR_MODELS_TAG)) customElements.define(FR_MODELS_TAG, FrModels);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-models': FrModels;
  }
}
