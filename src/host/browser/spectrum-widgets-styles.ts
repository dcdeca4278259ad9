/**
 * Shadow-root styles of the browser stand-ins for Photoshop UXP's built-in Spectrum widgets
 * (`spectrum-widgets.ts`): a compact dark theme close to Photoshop's panels. Every colour and size is a CSS custom
 * property with a fallback, so the page themes the widgets from outside, e.g. `body { --sp-accent: #2680eb; }`:
 * `--sp-text`, `--sp-text-muted`, `--sp-text-disabled`, `--sp-field-bg`, `--sp-field-bg-hover`, `--sp-border`,
 * `--sp-border-hover`, `--sp-bg` (slider thumb), `--sp-accent`, `--sp-accent-hover`, `--sp-on-accent`, `--sp-track`, `--sp-focus`,
 * `--sp-font-family`, `--sp-font-size`, `--sp-font-size-s`.
 */
import { css } from 'lit';

/** Shared by every stand-in: font, text colour, `hidden`, and the keyboard focus ring. */
export const baseStyles = css`
  :host {
    font-family: var(--sp-font-family, 'adobe-clean', 'Source Sans Pro', -apple-system, 'Segoe UI', Roboto, sans-serif);
    font-size: var(--sp-font-size, 12px);
    line-height: 1.35;
    color: var(--sp-text, #e3e3e3);
    color-scheme: dark;
    accent-color: var(--sp-accent, #1473e6);
    box-sizing: border-box;
  }
  :host([hidden]) { display: none !important; }
  *, *::before, *::after { box-sizing: border-box; }
  :focus-visible { outline: 2px solid var(--sp-focus, #2680eb); outline-offset: 1px; }
`;

/** `sp-button` and `sp-action-button`: pill buttons (cta blue, primary / secondary outlined, quiet borderless). */
export const buttonStyles = css`
  :host { display: inline-block; vertical-align: middle; }
  button {
    display: inline-flex; align-items: center; justify-content: center; width: 100%;
    min-height: 28px; padding: 0 14px; border-radius: 14px; border: 2px solid var(--sp-border, #8a8a8a);
    background: transparent; color: inherit; font: inherit; font-weight: 700; white-space: nowrap; cursor: pointer;
  }
  button:hover:not(:disabled) { background: var(--sp-field-bg-hover, #3e3e3e); border-color: var(--sp-border-hover, #b9b9b9); }
  :host([variant='secondary']) button { color: var(--sp-text-muted, #c8c8c8); }
  :host([variant='cta']) button, :host(:not([variant])) button {
    background: var(--sp-accent, #1473e6); border-color: var(--sp-accent, #1473e6); color: var(--sp-on-accent, #ffffff);
  }
  :host([variant='cta']) button:hover:not(:disabled), :host(:not([variant])) button:hover:not(:disabled) {
    background: var(--sp-accent-hover, #0d66d0); border-color: var(--sp-accent-hover, #0d66d0);
  }
  :host([variant='warning']) button { border-color: #e34850; color: #f0646c; }
  :host([quiet]) button { border-color: transparent; background: transparent; color: var(--sp-text-muted, #c8c8c8); }
  :host([size='s']) button { min-height: 22px; padding: 0 10px; border-radius: 11px; font-size: var(--sp-font-size-s, 11px); }
  button:disabled, :host([disabled]) button {
    cursor: default; background: var(--sp-field-bg, #2a2a2a); border-color: transparent; color: var(--sp-text-disabled, #6e6e6e);
  }
  :host([quiet][disabled]) button { background: transparent; }
  ::slotted([slot='icon']) { margin-right: 6px; }
`;

/** `sp-action-button`: square corners, thin border, normal weight. */
export const actionButtonStyles = css`
  button { border-radius: 4px; border-width: 1px; font-weight: 400; padding: 0 8px; min-height: 24px; color: inherit; }
  :host([quiet]) button { color: inherit; }
  :host([selected]) button { background: var(--sp-field-bg-hover, #3e3e3e); border-color: var(--sp-border-hover, #b9b9b9); }
`;

/** `sp-checkbox`: the native box (dark, accent-coloured when checked) and the slotted label. */
export const checkboxStyles = css`
  :host { display: inline-flex; vertical-align: middle; }
  label { display: inline-flex; align-items: center; min-height: 24px; cursor: pointer; }
  input { width: 14px; height: 14px; margin: 0 8px 0 0; flex: none; cursor: inherit; }
  :host([disabled]) label { cursor: default; color: var(--sp-text-disabled, #6e6e6e); }
  :host([invalid]) input { outline: 2px solid #e34850; }
`;

/** `sp-dropdown`: a field-coloured native `<select>` with a chevron. */
export const dropdownStyles = css`
  :host { display: inline-block; min-width: 120px; vertical-align: middle; }
  .field { position: relative; display: block; width: 100%; }
  select {
    appearance: none; -webkit-appearance: none; width: 100%; min-height: 28px; padding: 0 28px 0 10px;
    border: 1px solid var(--sp-border, #5a5a5a); border-radius: 4px; background: var(--sp-field-bg, #1f1f1f);
    color: inherit; font: inherit; cursor: pointer; text-overflow: ellipsis;
  }
  select:hover:not(:disabled) { border-color: var(--sp-border-hover, #8a8a8a); }
  select:disabled { cursor: default; color: var(--sp-text-disabled, #6e6e6e); border-color: var(--sp-field-bg, #2a2a2a); }
  select.is-placeholder { color: var(--sp-text-muted, #a8a8a8); font-style: italic; }
  option { color: var(--sp-text, #e3e3e3); background: var(--sp-field-bg, #1f1f1f); font-style: normal; }
  :host([quiet]) select { border-width: 0 0 1px 0; border-radius: 0; background: transparent; }
  :host([invalid]) select { border-color: #e34850; }
  .chevron { position: absolute; right: 10px; top: 50%; transform: translateY(-50%); pointer-events: none; font-size: 10px; }
  :host([disabled]) .chevron { color: var(--sp-text-disabled, #6e6e6e); }
`;

/** `sp-textfield`: a field-coloured native `<input>`, the placeholder muted; quiet keeps only the bottom line. */
export const textfieldStyles = css`
  :host { display: inline-block; min-width: 120px; vertical-align: middle; }
  input {
    display: block; width: 100%; min-height: 28px; margin: 0; padding: 0 10px;
    border: 1px solid var(--sp-border, #5a5a5a); border-radius: 4px; background: var(--sp-field-bg, #1f1f1f);
    color: inherit; font: inherit;
  }
  input::placeholder { color: var(--sp-text-muted, #a8a8a8); font-style: italic; opacity: 1; }
  input:hover:not(:disabled) { border-color: var(--sp-border-hover, #8a8a8a); }
  input:focus { border-color: var(--sp-accent, #1473e6); }
  input:disabled { color: var(--sp-text-disabled, #6e6e6e); border-color: var(--sp-field-bg, #2a2a2a); }
  input:disabled::placeholder { color: var(--sp-text-disabled, #6e6e6e); }
  :host([quiet]) input { border-width: 0 0 1px 0; border-radius: 0; background: transparent; padding: 0 2px; }
`;

/** `sp-slider` and `sp-progressbar`: a label row (slotted label, value right-aligned) above the track. */
export const meterStyles = css`
  :host { display: block; min-width: 120px; }
  .head { display: flex; align-items: baseline; justify-content: space-between; margin-bottom: 2px; color: var(--sp-text-muted, #b9b9b9); }
  .value { margin-left: 8px; font-variant-numeric: tabular-nums; }
  input[type='range'] {
    appearance: none; -webkit-appearance: none; display: block; width: 100%; margin: 0; height: 20px;
    background: transparent; cursor: pointer;
  }
  input[type='range']::-webkit-slider-runnable-track { height: 2px; border-radius: 1px; background: var(--sp-track, #5a5a5a); }
  input[type='range']::-moz-range-track { height: 2px; border-radius: 1px; background: var(--sp-track, #5a5a5a); }
  input[type='range']::-moz-range-progress { height: 2px; background: var(--sp-accent, #1473e6); }
  input[type='range']::-webkit-slider-thumb {
    -webkit-appearance: none; width: 14px; height: 14px; margin-top: -6px; border-radius: 50%;
    border: 2px solid var(--sp-text, #e3e3e3); background: var(--sp-bg, #323232);
  }
  input[type='range']::-moz-range-thumb {
    width: 10px; height: 10px; border-radius: 50%; border: 2px solid var(--sp-text, #e3e3e3); background: var(--sp-bg, #323232);
  }
  input[type='range']:hover:not(:disabled)::-webkit-slider-thumb { border-color: #ffffff; }
  input[type='range']:disabled { cursor: default; }
  input[type='range']:disabled::-webkit-slider-thumb { border-color: var(--sp-text-disabled, #6e6e6e); }
  input[type='range']:disabled::-moz-range-thumb { border-color: var(--sp-text-disabled, #6e6e6e); }
  :host([disabled]) .head { color: var(--sp-text-disabled, #6e6e6e); }
  progress {
    appearance: none; -webkit-appearance: none; display: block; width: 100%; height: 4px; border: 0; border-radius: 2px;
    background: var(--sp-track, #4b4b4b); overflow: hidden;
  }
  progress::-webkit-progress-bar { background: var(--sp-track, #4b4b4b); }
  progress::-webkit-progress-value { background: var(--sp-accent, #1473e6); }
  progress::-moz-progress-bar { background: var(--sp-accent, #1473e6); }
  :host([size='small']) progress { height: 2px; }
`;

/** `sp-label`, `sp-body`, `sp-detail`: theme-aware text. The page's own rules on the host (colour, display) win. */
export const labelStyles = css`:host { display: inline-block; color: var(--sp-text-muted, #b9b9b9); }`;

export const bodyStyles = css`
  :host { display: block; font-size: var(--sp-font-size, 12px); }
  :host([size='XS']), :host([size='xs']) { font-size: 11px; }
  :host([size='M']), :host([size='m']) { font-size: 14px; }
  :host([size='L']), :host([size='l']) { font-size: 16px; }
`;

export const detailStyles = css`
  :host { display: inline-block; font-size: var(--sp-font-size-s, 11px); color: var(--sp-text-muted, #b9b9b9); letter-spacing: 0.02em; }
`;
