/**
 * Browser stand-ins for the Spectrum widgets Photoshop UXP builds in (`sp-button`, `sp-checkbox`, `sp-dropdown`, …),
 * so the very same ui/ components render and work in a plain browser. `defineSpectrumWidgets()` defines the ones
 * the registry lacks; in UXP every tag already exists and nothing happens.
 *
 * Each stand-in is a Lit element whose open shadow root holds a real native control (`<button>`,
 * `<input type=checkbox>`, `<select>`, `<input type=range>`, `<input type=text|password>`, `<progress>`), so
 * keyboard, focus, screen readers, password masking and Playwright's `click()` / `check()` / `selectOption()` /
 * `fill()` behave as on any form control; light-DOM content stays the label through `<slot>`. As in UXP, the new
 * value is a property of the sp-* element (`checked`, `selectedIndex`, `value`) and `change` / `input` are fired
 * from that element (bubbling, composed); the native controls' own events stay inside the shadow root. A disabled
 * widget fires nothing, and a click on it never reaches listeners on the element (stopped in the capture phase).
 * Only the tags, attributes and events ui/ uses are covered.
 * Look: `spectrum-widgets-styles.ts` (dark theme, CSS custom properties).
 */
import { LitElement, html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import * as styles from './spectrum-widgets-styles';

const FLAG = { type: Boolean, reflect: true } as const;

/** What every interactive stand-in shares: `disabled` (attribute ↔ property), focus delegation, UXP-style events. */
abstract class SpControl extends LitElement {
  static override properties: PropertyDeclarations = { disabled: FLAG };
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  declare disabled: boolean;

  constructor() {
    super();
    this.disabled = false;
    // Capture on the element itself runs before any listener on it (and before the shadow tree sees the click).
    this.addEventListener('click', this.swallowWhenDisabled, { capture: true });
  }

  /** Fires `type` from the element itself, bubbling and composed; the new value is already on the element. */
  protected emit(type: 'change' | 'input'): void {
    this.dispatchEvent(new Event(type, { bubbles: true, composed: true }));
  }

  protected control<T extends Element>(selector: string): T | null {
    return this.renderRoot.querySelector<T>(selector);
  }

  private readonly swallowWhenDisabled = (evt: Event): void => {
    if (!this.disabled) return;
    evt.stopImmediatePropagation();
    evt.preventDefault();
  };
}

/** Keeps a native control's own event inside the shadow root; the stand-in fires its own. */
function stop(evt: Event): void {
  evt.stopPropagation();
}

/**
 * sp-button: variant (cta — the default —, primary, secondary, warning, overBackground), quiet, disabled, size;
 * the text is the default slot, an icon the `icon` slot.
 * https://adobedocs.github.io/uxp-photoshop/uxp-api/reference-spectrum/Spectrum%20UXP%20Widgets/User%20Interface/sp-button
 */
export class SpButton extends SpControl {
  static override styles = [styles.baseStyles, styles.buttonStyles];
  static override properties: PropertyDeclarations = { variant: { reflect: true }, quiet: FLAG, size: { reflect: true } };

  declare variant: string | undefined;
  declare quiet: boolean;
  declare size: string | undefined;

  constructor() {
    super();
    this.quiet = false;
  }

  protected override render(): TemplateResult {
    return html`<button type="button" part="button" ?disabled=${this.disabled}><slot name="icon"></slot><slot></slot></button>`;
  }
}

/**
 * sp-action-button: quiet, disabled; same click behaviour as sp-button, lighter look.
 * https://adobedocs.github.io/uxp-photoshop/uxp-api/reference-spectrum/Spectrum%20UXP%20Widgets/User%20Interface/sp-action-button
 */
export class SpActionButton extends SpButton {
  static override styles = [styles.baseStyles, styles.buttonStyles, styles.actionButtonStyles];
}

/**
 * sp-checkbox: checked, indeterminate, disabled, invalid; the label is the default slot. Fires `input` then `change`,
 * value on `evt.target.checked`.
 * https://adobedocs.github.io/uxp-photoshop/uxp-api/reference-spectrum/Spectrum%20UXP%20Widgets/User%20Interface/sp-checkbox
 */
export class SpCheckbox extends SpControl {
  static override styles = [styles.baseStyles, styles.checkboxStyles];
  static override properties: PropertyDeclarations = { checked: FLAG, indeterminate: FLAG, invalid: FLAG };

  declare checked: boolean;
  declare indeterminate: boolean;
  declare invalid: boolean;

  constructor() {
    super();
    this.checked = false;
    this.indeterminate = false;
    this.invalid = false;
    // A click aimed at the element itself (not at its box or label) toggles it too, as a native checkbox would.
    this.addEventListener('click', (evt) => {
      if (evt.composedPath()[0] === this && !this.disabled) this.control<HTMLInputElement>('input')?.click();
    });
  }

  protected override render(): TemplateResult {
    return html`<label part="label"><input type="checkbox" .checked=${live(this.checked)}
      .indeterminate=${this.indeterminate} ?disabled=${this.disabled} aria-invalid=${this.invalid ? 'true' : 'false'}
      @input=${this.onInput} @change=${this.onChange}><slot></slot></label>`;
  }

  private readonly onInput = (evt: Event): void => this.forward(evt, 'input');

  private readonly onChange = (evt: Event): void => this.forward(evt, 'change');

  private forward(evt: Event, type: 'input' | 'change'): void {
    evt.stopPropagation();
    const box = evt.currentTarget as HTMLInputElement;
    if (this.disabled) {
      box.checked = this.checked;
      return;
    }
    this.checked = box.checked;
    this.indeterminate = false;
    this.emit(type);
  }
}

interface MenuItem {
  readonly label: string;
  readonly isSelected: boolean;
  readonly isDisabled: boolean;
}

/**
 * sp-dropdown: `<sp-menu slot="options">` of `<sp-menu-item>` (selected, disabled), placeholder, disabled, quiet,
 * invalid. Follows the menu items as they change (a MutationObserver on its light DOM): `selectedIndex` is the
 * item marked `selected` (-1, placeholder shown, when none) until the user picks another; then it fires `change`,
 * value on `evt.target.selectedIndex`.
 * https://developer.adobe.com/premiere-pro/uxp/uxp-api/reference-spectrum/spectrum-uxp-widgets/user-interface/sp-dropdown
 * https://adobedocs.github.io/uxp-photoshop/uxp-api/reference-spectrum/Spectrum%20UXP%20Widgets/User%20Interface/sp-menu-item
 */
export class SpDropdown extends SpControl {
  static override styles = [styles.baseStyles, styles.dropdownStyles];
  static override properties: PropertyDeclarations = {
    placeholder: {},
    quiet: FLAG,
    invalid: FLAG,
    selectedIndex: { attribute: false },
    items: { state: true },
  };

  declare placeholder: string;
  declare quiet: boolean;
  declare invalid: boolean;
  /** The chosen item's index among the `sp-menu-item`s, -1 when none. */
  declare selectedIndex: number;
  declare items: readonly MenuItem[];
  private readonly observer = new MutationObserver(() => this.readItems());

  constructor() {
    super();
    this.placeholder = '';
    this.quiet = false;
    this.invalid = false;
    this.selectedIndex = -1;
    this.items = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.observer.observe(this, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['selected', 'disabled'] });
    this.readItems();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.observer.disconnect();
  }

  protected override render(): TemplateResult {
    const hasChoice = this.selectedIndex >= 0 && this.selectedIndex < this.items.length;
    return html`<span class="field"><select part="select" class=${hasChoice ? '' : 'is-placeholder'}
      aria-label=${accessibleName(this, this.placeholder)} ?disabled=${this.disabled} @input=${stop} @change=${this.onChange}>
        <option value="" disabled hidden>${this.placeholder}</option>
        ${this.items.map((item, index) => html`<option value=${String(index)} ?disabled=${item.isDisabled}>${item.label}</option>`)}
      </select><span class="chevron" aria-hidden="true">▾</span></span>`;
  }

  // After render, so the options exist: option 0 is the placeholder.
  protected override updated(): void {
    const select = this.control<HTMLSelectElement>('select');
    const hasChoice = this.selectedIndex >= 0 && this.selectedIndex < this.items.length;
    if (select !== null) select.selectedIndex = hasChoice ? this.selectedIndex + 1 : 0;
  }

  private readItems(): void {
    const items: MenuItem[] = [];
    for (const menu of this.children) {
      if (menu.localName !== 'sp-menu') continue;
      for (const item of menu.children) {
        if (item.localName !== 'sp-menu-item') continue;
        items.push({ label: item.textContent?.trim() ?? '', isSelected: item.hasAttribute('selected'), isDisabled: item.hasAttribute('disabled') });
      }
    }
    this.items = items;
    this.selectedIndex = items.findIndex((item) => item.isSelected);
  }

  private readonly onChange = (evt: Event): void => {
    evt.stopPropagation();
    if (this.disabled) {
      this.requestUpdate();
      return;
    }
    this.selectedIndex = (evt.currentTarget as HTMLSelectElement).selectedIndex - 1;
    this.emit('change');
  };
}

/**
 * sp-slider: min, max, value, step, value-label (unit after the shown value), show-value="false", disabled, the label
 * in `slot="label"`. Fires `input` while dragging and `change` when released, value (a number) on `evt.target.value`.
 * https://developer.adobe.com/premiere-pro/uxp/uxp-api/reference-spectrum/spectrum-uxp-widgets/user-interface/sp-slider
 */
export class SpSlider extends SpControl {
  static override styles = [styles.baseStyles, styles.meterStyles];
  static override properties: PropertyDeclarations = {
    min: { type: Number },
    max: { type: Number },
    step: { type: Number },
    value: { type: Number },
    valueLabel: { attribute: 'value-label' },
    showValue: { attribute: 'show-value' },
    variant: { reflect: true },
  };

  declare min: number;
  declare max: number;
  declare step: number;
  declare value: number;
  declare valueLabel: string | undefined;
  declare showValue: string | undefined;
  declare variant: string | undefined;

  constructor() {
    super();
    this.min = 0;
    this.max = 100;
    this.step = 1;
    this.value = 0;
  }

  protected override render(): TemplateResult {
    const value = clamp(this.value, this.min, this.max);
    const text = `${value}${this.valueLabel ?? ''}`;
    return html`<div class="head"><span id="label"><slot name="label"></slot></span>${this.showValue === 'false'
      ? nothing : html`<span class="value" aria-hidden="true">${text}</span>`}</div>
      <input type="range" part="input" aria-labelledby="label" aria-valuetext=${text} min=${this.min} max=${this.max}
        step=${this.step} .value=${live(String(value))} ?disabled=${this.disabled} @input=${this.onInput} @change=${this.onChange}>`;
  }

  private readonly onInput = (evt: Event): void => this.forward(evt, 'input');

  private readonly onChange = (evt: Event): void => this.forward(evt, 'change');

  private forward(evt: Event, type: 'input' | 'change'): void {
    evt.stopPropagation();
    const range = evt.currentTarget as HTMLInputElement;
    if (this.disabled) {
      range.value = String(this.value);
      return;
    }
    this.value = Number(range.value);
    this.emit(type);
  }
}

/** The text types the stand-in shows as such; any other `type` (UXP also has number, search) is a plain text field. */
const TEXT_TYPES: readonly string[] = ['text', 'password'];

/**
 * sp-textfield: value, type (text, password — masked by the browser; anything else is text), placeholder, disabled,
 * quiet. Typing sets `value` and fires `input` on each keystroke; committing (Enter, or leaving the field after a
 * change) fires `change` once, value (a string) on `evt.target.value`. Setting `value` (to '' to empty it) shows in the
 * field at once. `value` is never reflected to an attribute, so a typed token does not land in the DOM.
 * https://adobedocs.github.io/uxp-photoshop/uxp-api/reference-spectrum/Spectrum%20UXP%20Widgets/User%20Interface/sp-textfield
 */
export class SpTextfield extends SpControl {
  static override styles = [styles.baseStyles, styles.textfieldStyles];
  static override properties: PropertyDeclarations = {
    value: {},
    type: { reflect: true },
    placeholder: {},
    quiet: FLAG,
  };

  declare value: string;
  declare type: string;
  declare placeholder: string;
  declare quiet: boolean;
  /** `value` when the field was focused or last committed: Enter and blur fire `change` only when it differs. */
  private committed = '';

  constructor() {
    super();
    this.value = '';
    this.type = 'text';
    this.placeholder = '';
    this.quiet = false;
  }

  protected override render(): TemplateResult {
    const type = TEXT_TYPES.includes(this.type) ? this.type : 'text';
    return html`<input type=${type} part="input" placeholder=${this.placeholder}
      aria-label=${accessibleName(this, this.placeholder)} autocomplete="off" spellcheck="false"
      .value=${live(this.value ?? '')} ?disabled=${this.disabled}
      @focus=${this.onFocus} @input=${this.onInput} @change=${this.onChange} @keydown=${this.onKeyDown}>`;
  }

  private readonly onFocus = (): void => {
    this.committed = this.value;
  };

  private readonly onInput = (evt: Event): void => {
    evt.stopPropagation();
    if (this.read(evt.currentTarget as HTMLInputElement)) this.emit('input');
  };

  // The browser's own commit (a change then blur; Chrome and Firefox also on Enter).
  private readonly onChange = (evt: Event): void => {
    evt.stopPropagation();
    if (this.read(evt.currentTarget as HTMLInputElement)) this.commit();
  };

  // Enter commits in every browser (and in jsdom); `committed` keeps the browser's own change from firing it twice.
  private readonly onKeyDown = (evt: KeyboardEvent): void => {
    if (evt.key !== 'Enter' || evt.isComposing) return;
    if (this.read(evt.currentTarget as HTMLInputElement)) this.commit();
  };

  /** Takes the typed text into `value`; when disabled, puts `value` back in the field instead. */
  private read(field: HTMLInputElement): boolean {
    if (this.disabled) {
      field.value = this.value ?? '';
      return false;
    }
    this.value = field.value;
    return true;
  }

  private commit(): void {
    if (this.value === this.committed) return;
    this.emit('change');
    // After the listeners: one that empties the field (a handed-over token) leaves '' as the baseline.
    this.committed = this.value;
  }
}

/**
 * sp-progressbar: max, value, value-label (replaces the shown percentage), show-value="false", size="small", the
 * label in `slot="label"`.
 * https://adobedocs.github.io/uxp-photoshop/uxp-api/reference-spectrum/Spectrum%20UXP%20Widgets/User%20Interface/sp-progressbar
 */
export class SpProgressbar extends LitElement {
  static override styles = [styles.baseStyles, styles.meterStyles];
  static override properties: PropertyDeclarations = {
    max: { type: Number },
    value: { type: Number },
    valueLabel: { attribute: 'value-label' },
    showValue: { attribute: 'show-value' },
    size: { reflect: true },
    variant: { reflect: true },
  };

  declare max: number;
  declare value: number;
  declare valueLabel: string | undefined;
  declare showValue: string | undefined;
  declare size: string | undefined;
  declare variant: string | undefined;

  constructor() {
    super();
    this.max = 100;
    this.value = 0;
  }

  protected override render(): TemplateResult {
    const max = Number.isFinite(this.max) && this.max > 0 ? this.max : 100;
    const value = clamp(this.value, 0, max);
    const text = this.valueLabel ?? `${Math.round((value / max) * 100)}%`;
    return html`<div class="head"><span id="label"><slot name="label"></slot></span>${this.showValue === 'false'
      ? nothing : html`<span class="value" aria-hidden="true">${text}</span>`}</div>
      <progress part="progress" aria-labelledby="label" aria-valuetext=${text} max=${max} .value=${value}></progress>`;
  }
}

/** The text widgets: theme-aware text, the content a default slot. */
class SpText extends LitElement {
  protected override render(): TemplateResult {
    return html`<slot></slot>`;
  }
}

/**
 * sp-label (also `slot="label"` of sp-slider / sp-progressbar).
 * https://developer.adobe.com/premiere-pro/uxp/uxp-api/reference-spectrum/spectrum-uxp-widgets/typography/sp-label
 */
export class SpLabel extends SpText {
  static override styles = [styles.baseStyles, styles.labelStyles];
}

/**
 * sp-body, `size` XS…XXXL (ui/ uses S).
 * https://adobedocs.github.io/uxp-photoshop/uxp-api/reference-spectrum/Spectrum%20UXP%20Widgets/Typography/sp-body
 */
export class SpBody extends SpText {
  static override styles = [styles.baseStyles, styles.bodyStyles];
}

/**
 * sp-detail: smaller text (no upper-casing: UXP supports no `text-transform`).
 * https://adobedocs.github.io/uxp-photoshop/uxp-api/reference-spectrum/Spectrum%20UXP%20Widgets/Typography/sp-detail
 */
export class SpDetail extends SpText {
  static override styles = [styles.baseStyles, styles.detailStyles];
}

/**
 * A field's accessible name: its aria-label, else the `sp-label` just before it (how ui/ labels its fields), else the
 * placeholder.
 */
function accessibleName(element: Element, placeholder: string): string {
  const previous = element.previousElementSibling;
  const label = previous?.localName === 'sp-label' ? previous.textContent?.trim() : undefined;
  return element.getAttribute('aria-label') ?? (label || placeholder);
}

function clamp(value: number, min: number, max: number): number {
  const low = Number.isFinite(min) ? min : 0;
  const high = Number.isFinite(max) && max >= low ? max : low;
  return Math.min(high, Math.max(low, Number.isFinite(value) ? value : low));
}

/** Every stand-in by tag. `sp-menu` / `sp-menu-item` stay plain elements: sp-dropdown reads them as data. */
export const SPECTRUM_WIDGETS: ReadonlyArray<readonly [tag: string, widget: CustomElementConstructor]> = [
  ['sp-button', SpButton],
  ['sp-action-button', SpActionButton],
  ['sp-checkbox', SpCheckbox],
  ['sp-dropdown', SpDropdown],
  ['sp-slider', SpSlider],
  ['sp-textfield', SpTextfield],
  ['sp-progressbar', SpProgressbar],
  ['sp-label', SpLabel],
  ['sp-body', SpBody],
  ['sp-detail', SpDetail],
];

/**
 * Defines the stand-ins `registry` does not have yet (in UXP: none). Call before `mountPanel`, or at least before
 * the panel's first render; elements already in the page upgrade when their tag is defined.
 * @returns the tags defined by this call.
 * @example
 * defineSpectrumWidgets();
 * mountPanel(document.getElementById('app')!, controller);
 */
export function defineSpectrumWidgets(registry: CustomElementRegistry = customElements): string[] {
  const defined: string[] = [];
  for (const [tag, widget] of SPECTRUM_WIDGETS) {
    if (registry.get(tag) !== undefined) continue;
    registry.define(tag, widget);
    defined.push(tag);
  }
  return defined;
}
