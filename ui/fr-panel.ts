import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { choiceAt, renderDropdown } from './choice-dropdown';
import { ControllerBinding } from './controller-binding';
import { defineFrFaceList } from './fr-face-list';
import { defineFrModels } from './fr-models';
import { defineFrRunOn } from './fr-run-on';
import { defineFrRunProgress } from './fr-run-progress';
import { defineFrUpscale } from './fr-upscale';
import type { PanelController, PanelState, RunTargetId } from './panel-controller';
import { readChecked, readNumericValue, readSelectedIndex } from './widget-events';

export const FR_PANEL_TAG = 'fr-panel';

/**
 * The FaceRestore panel. It renders `controller.state` and forwards every user action to the controller; it holds
 * no state of its own (house rule 14). Set `.controller` after creating it; `mountPanel` does this.
 */
export class FrPanel extends LitElement {
  private readonly binding = new ControllerBinding(this);

  get controller(): PanelController | undefined {
    return this.binding.controller;
  }

  set controller(controller: PanelController | undefined) {
    this.binding.controller = controller;
  }

  // Light DOM: Spectrum UXP widgets are built-ins, and shadow DOM in UXP needs a manifest feature flag.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult | typeof nothing {
    const state = this.binding.controller?.state;
    if (state === undefined) return nothing;
    const isIdle = state.phase === 'idle';
    // Restore stays pressable without a restore model: the controller then says which model is missing and how to get it.
    const canDetect = isIdle && state.canRun && state.detectors.length > 0;
    const canRestore = canDetect;
    return html`
      <div class="fr-panel">
        <fr-run-on .runOn=${state.runOn} .isDisabled=${!isIdle} .onTarget=${this.onRunTarget} .onUrl=${this.onServerUrl}
          .onToken=${this.onServerToken} .onFallback=${this.onFallbackAllowed} .onTest=${this.onTestConnection}></fr-run-on>
        <div class="fr-field">
          <sp-label>Restore model</sp-label>
          ${renderDropdown('fr-model', state.models, state.modelId, 'No model installed', !isIdle, this.onModelChange)}
        </div>
        <div class="fr-field">
          <sp-label>Face detector</sp-label>
          ${renderDropdown('fr-detector', state.detectors, state.detectorId, 'No detector', !isIdle, this.onDetectorChange)}
        </div>
        <sp-checkbox class="fr-option fr-center-face" ?checked=${state.isOnlyCenterFace} ?disabled=${!isIdle}
          @change=${this.onCenterFaceChange}>Only the centre face</sp-checkbox>
        <fr-upscale .upscales=${state.upscales} .upscaleId=${state.upscaleId} .upscalers=${state.upscalers}
          .upscalerId=${state.upscalerId} .isDisabled=${!isIdle} .onUpscale=${this.onUpscale}
          .onUpscaler=${this.onUpscaler}></fr-upscale>
        <div class="fr-buttons">
          <sp-button class="fr-find-faces" variant="secondary" ?disabled=${!canDetect}
            @click=${this.onFindFaces}>Find faces</sp-button>
          <sp-button class="fr-restore" variant="cta" ?disabled=${!canRestore}
            @click=${this.onRestore}>Restore</sp-button>
        </div>
        ${this.renderConfirmation(state)}
        ${this.renderFaces(state, isIdle)}
        ${renderRunProgress(state, this.onCancel)}
        <div class="fr-section">
          <sp-slider class="fr-strength" min="0" max="100" value=${toPercent(state.strength)} value-label="%"
            ?disabled=${!state.canSetStrength} @input=${this.onStrengthInput} @change=${this.onStrengthChange}>
            <sp-label slot="label">Face strength</sp-label>
          </sp-slider>
        </div>
        ${renderStatus(state)}
        <fr-models .models=${state.catalogModels} .canDownload=${state.canDownload} .isImporting=${state.isImporting}
          .isBusy=${!isIdle && state.phase !== 'confirming'} .onDownload=${this.onDownload} .onCancelDownload=${this.onCancelDownload}
          .onImport=${this.onImport} .onRemove=${this.onRemove}></fr-models>
      </div>`;
  }

  /** Phase 'confirming': the estimate, "Restore anyway" (goes ahead) and "Not now" (declines, via cancel). */
  private renderConfirmation(state: PanelState): TemplateResult | typeof nothing {
    if (state.phase !== 'confirming' || state.confirmation === undefined) return nothing;
    return html`
      <div class="fr-confirm">
        <sp-body size="S" class="fr-confirm-text">${state.confirmation.text}</sp-body>
        <div class="fr-buttons">
          <sp-button class="fr-confirm-restore" variant="cta" @click=${this.onConfirmRestore}>Restore anyway</sp-button>
          <sp-button class="fr-confirm-decline" variant="secondary" @click=${this.onDecline}>Not now</sp-button>
        </div>
      </div>`;
  }

  private renderFaces(state: PanelState, isIdle: boolean): TemplateResult | typeof nothing {
    if (state.faces.length === 0) return nothing;
    return html`
      <div class="fr-section">
        <sp-detail>Faces</sp-detail>
        <fr-face-list .faces=${state.faces} .isDisabled=${!isIdle} .onFaceToggle=${this.onFaceToggle}></fr-face-list>
      </div>`;
  }

  // Handlers are arrow fields so they keep `this` however the widget invokes them; each reads `evt.target`.
  private readonly onModelChange = (evt: Event): void => {
    const choice = choiceAt(this.binding.controller?.state.models, readSelectedIndex(evt));
    if (choice !== undefined) this.binding.controller?.setModel(choice.id);
  };

  private readonly onDetectorChange = (evt: Event): void => {
    const choice = choiceAt(this.binding.controller?.state.detectors, readSelectedIndex(evt));
    if (choice !== undefined) this.binding.controller?.setDetector(choice.id);
  };

  private readonly onRunTarget = (id: RunTargetId): void => {
    this.binding.controller?.setRunTarget(id);
  };

  private readonly onServerUrl = (url: string): void => {
    this.binding.controller?.setServerUrl(url);
  };

  private readonly onServerToken = (token: string): void => {
    void this.binding.controller?.setServerToken(token);
  };

  private readonly onFallbackAllowed = (isAllowed: boolean): void => {
    this.binding.controller?.setFallbackAllowed(isAllowed);
  };

  private readonly onTestConnection = (): void => {
    void this.binding.controller?.testConnection();
  };

  private readonly onUpscale = (id: string): void => {
    this.binding.controller?.setUpscale(id);
  };

  private readonly onUpscaler = (id: string): void => {
    this.binding.controller?.setUpscaler(id);
  };

  private readonly onCenterFaceChange = (evt: Event): void => {
    const isChecked = readChecked(evt);
    if (isChecked !== undefined) this.binding.controller?.setOnlyCenterFace(isChecked);
  };

  // Disabled sp-buttons swallow clicks in UXP but not in a browser: re-check the state before acting.
  private readonly onFindFaces = (): void => {
    const controller = this.binding.controller;
    if (controller === undefined || !isIdleAndRunnable(controller.state)) return;
    void controller.findFaces();
  };

  private readonly onRestore = (): void => {
    const controller = this.binding.controller;
    if (controller === undefined || !isIdleAndRunnable(controller.state)) return;
    void controller.restore();
  };

  private readonly onConfirmRestore = (): void => {
    const controller = this.binding.controller;
    if (controller?.state.phase === 'confirming') void controller.confirmRestore();
  };

  private readonly onDecline = (): void => {
    const controller = this.binding.controller;
    if (controller?.state.phase === 'confirming') controller.cancel();
  };

  private readonly onCancel = (): void => {
    this.binding.controller?.cancel();
  };

  private readonly onDownload = (id: string): void => {
    void this.binding.controller?.downloadModel(id);
  };

  private readonly onCancelDownload = (id: string): void => {
    this.binding.controller?.cancelDownload(id);
  };

  private readonly onImport = (): Promise<void> | undefined => this.binding.controller?.importModel();

  private readonly onRemove = (id: string): void => {
    void this.binding.controller?.removeModel(id);
  };

  private readonly onFaceToggle = (faceNumber: number, isSelected: boolean): void => {
    this.binding.controller?.setFaceSelected(faceNumber, isSelected);
  };

  private readonly onStrengthInput = (evt: Event): void => this.forwardStrength(evt, false);

  private readonly onStrengthChange = (evt: Event): void => this.forwardStrength(evt, true);

  private forwardStrength(evt: Event, isFinal: boolean): void {
    const value = readNumericValue(evt);
    const controller = this.binding.controller;
    if (value === undefined || controller === undefined || !controller.state.canSetStrength) return;
    controller.setStrength(Math.min(100, Math.max(0, value)) / 100, isFinal);
  }
}

function renderRunProgress(state: PanelState, onCancel: () => void): TemplateResult | typeof nothing {
  const isCancelling = state.phase === 'cancelling';
  if (state.progress === undefined && !isCancelling) return nothing;
  return html`<fr-run-progress .progress=${state.progress} .isCancelling=${isCancelling}
    .onCancel=${onCancel}></fr-run-progress>`;
}

function renderStatus(state: PanelState): TemplateResult | typeof nothing {
  if (state.status.text === '') return nothing;
  return html`<sp-body size="S" class="fr-status fr-status-${state.status.kind}" role="status">${state.status.text}</sp-body>`;
}

function isIdleAndRunnable(state: PanelState): boolean {
  return state.phase === 'idle' && state.canRun;
}

/** Strength 0..1 as the slider's whole 0..100. */
function toPercent(strength: number): number {
  return Math.round(Math.min(1, Math.max(0, Number.isFinite(strength) ? strength : 0)) * 100);
}

/** Defines `fr-panel` and the elements it renders, once per registry. */
export function defineFrPanel(): void {
  defineFrFaceList();
  defineFrModels();
  defineFrRunOn();
  defineFrRunProgress();
  defineFrUpscale();
  if (!customElements.get(FR_PANEL_TAG)) customElements.define(FR_PANEL_TAG, FrPanel);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-panel': FrPanel;
  }
}
