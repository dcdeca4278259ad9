import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { choiceAt, renderDropdown } from './choice-dropdown';
import { INITIAL_RUN_ON, type PanelRunOn, type RunTargetId } from './panel-controller';
import { clearValue, readChecked, readSelectedIndex, readTextValue } from './widget-events';

export const FR_RUN_ON_TAG = 'fr-run-on';

/** The command that starts the local accelerator, shown under the "Local accelerator" choice. */
export const SERVE_COMMAND = 'npx facerestore serve';

export const SERVER_URL_PLACEHOLDER = 'https://gpu.example:8000';
export const STORED_TOKEN_PLACEHOLDER = 'Token stored · type to replace';
export const FALLBACK_LABEL = 'If the server cannot be reached, finish here (slower)';

const RUN_TARGET_IDS: readonly RunTargetId[] = ['panel', 'local', 'server'];

/**
 * The "Run on" section: a dropdown of the targets and, for a remote one, its settings. `local`: the accelerator's
 * URL and how to start it. `server`: the URL and the access token (both committed on `change`, not per keystroke;
 * the token field is emptied once handed over and a stored token is never shown). Both remote targets: "finish here"
 * fallback, "Test connection" and the last check's line. Renders only; the owner passes the callbacks.
 */
export class FrRunOn extends LitElement {
  static override properties = {
    runOn: { attribute: false },
    isDisabled: { attribute: false },
  };

  declare runOn: PanelRunOn;
  /** A run is going: every input waits. */
  declare isDisabled: boolean;
  onTarget: ((id: RunTargetId) => void) | undefined = undefined;
  onUrl: ((url: string) => void) | undefined = undefined;
  /** A new token, or '' to forget the stored one. */
  onToken: ((token: string) => void) | undefined = undefined;
  onFallback: ((isAllowed: boolean) => void) | undefined = undefined;
  onTest: (() => void) | undefined = undefined;

  constructor() {
    super();
    this.runOn = INITIAL_RUN_ON;
    this.isDisabled = false;
  }

  // Light DOM, as the other fr-* elements: the Spectrum UXP widgets are built-ins styled by the panel's stylesheet.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): TemplateResult {
    const { runOn } = this;
    return html`
      <div class="fr-run-on">
        <div class="fr-field">
          <sp-label>Run on</sp-label>
          ${renderDropdown('fr-run-on-target', runOn.targets, runOn.targetId, 'This panel', this.isDisabled,
            this.onTargetChange)}
        </div>
        ${runOn.targetId === 'local' ? this.renderLocal() : nothing}
        ${runOn.targetId === 'server' ? this.renderServer() : nothing}
        ${runOn.targetId === 'panel' ? nothing : this.renderRemote()}
      </div>`;
  }

  private renderLocal(): TemplateResult {
    const where = this.runOn.url === '' ? '' : `${this.runOn.url} · `;
    return html`<sp-detail class="fr-run-on-detail">${where}start it with ${SERVE_COMMAND}</sp-detail>`;
  }

  private renderServer(): TemplateResult {
    const { hasToken, url } = this.runOn;
    // `.value` is set only when the stored URL changes, so a re-render never wipes what is being typed.
    return html`
      <div class="fr-field">
        <sp-label>Server URL</sp-label>
        <sp-textfield class="fr-run-on-url" placeholder=${SERVER_URL_PLACEHOLDER} .value=${url}
          ?disabled=${this.isDisabled} @change=${this.onUrlChange}></sp-textfield>
      </div>
      <div class="fr-field">
        <sp-label>Access token</sp-label>
        <sp-textfield class="fr-run-on-token" type="password" placeholder=${hasToken ? STORED_TOKEN_PLACEHOLDER : 'Optional'}
          ?disabled=${this.isDisabled} @change=${this.onTokenChange}></sp-textfield>
        ${hasToken ? html`<sp-action-button quiet class="fr-run-on-forget" ?disabled=${this.isDisabled}
          @click=${this.onForgetClick}>Forget token</sp-action-button>` : nothing}
      </div>`;
  }

  private renderRemote(): TemplateResult {
    const { connection, isFallbackAllowed } = this.runOn;
    return html`
      <sp-checkbox class="fr-option fr-run-on-fallback" ?checked=${isFallbackAllowed} ?disabled=${this.isDisabled}
        @change=${this.onFallbackChange}>${FALLBACK_LABEL}</sp-checkbox>
      <div class="fr-buttons">
        <sp-button class="fr-run-on-test" variant="secondary" ?disabled=${!this.canTest()}
          @click=${this.onTestClick}>Test connection</sp-button>
      </div>
      ${connection.text === '' ? nothing : html`<sp-body size="S" class="fr-connection fr-connection-${connection.kind}"
        role="status">${connection.text}</sp-body>`}`;
  }

  private canTest(): boolean {
    return !this.isDisabled && this.runOn.connection.kind !== 'testing';
  }

  // Disabled widgets swallow events in UXP but not in a browser: re-check before forwarding.
  private readonly onTargetChange = (evt: Event): void => {
    const id = choiceAt(this.runOn.targets, readSelectedIndex(evt))?.id;
    if (isRunTargetId(id) && !this.isDisabled) this.onTarget?.(id);
  };

  private readonly onUrlChange = (evt: Event): void => {
    const url = readTextValue(evt)?.trim();
    if (url === undefined || url === this.runOn.url || this.isDisabled) return;
    this.onUrl?.(url);
  };

  // An emptied field is not "forget": that takes the explicit Forget token action.
  private readonly onTokenChange = (evt: Event): void => {
    const token = readTextValue(evt)?.trim();
    if (token === undefined || token === '') return;
    clearValue(evt);
    if (!this.isDisabled) this.onToken?.(token);
  };

  private readonly onForgetClick = (): void => {
    if (this.runOn.hasToken && !this.isDisabled) this.onToken?.('');
  };

  private readonly onFallbackChange = (evt: Event): void => {
    const isChecked = readChecked(evt);
    if (isChecked !== undefined && !this.isDisabled) this.onFallback?.(isChecked);
  };

  private readonly onTestClick = (): void => {
    if (this.canTest()) this.onTest?.();
  };
}

function isRunTargetId(id: string | undefined): id is RunTargetId {
  return RUN_TARGET_IDS.some((known) => known === id);
}

export function defineFrRunOn(): void {
  if (!customElements.get(FR_RUN_ON_TAG)) customElements.define(FR_RUN_ON_TAG, FrRunOn);
}

declare global {
  interface HTMLElementTagNameMap {
    'fr-run-on': FrRunOn;
  }
}
