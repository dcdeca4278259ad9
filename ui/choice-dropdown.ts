import { html, type TemplateResult } from 'lit';
import type { PanelChoice } from './panel-controller';

/**
 * An `sp-dropdown` listing `choices`, the one with `selectedId` selected. Disabled while `isBusy` or when there is
 * nothing to choose (the placeholder then says why). `onChange` reads the new `selectedIndex` (see `choiceAt`).
 */
export function renderDropdown(
  className: string,
  choices: readonly PanelChoice[],
  selectedId: string | undefined,
  placeholder: string,
  isBusy: boolean,
  onChange: (evt: Event) => void,
): TemplateResult {
  return html`
    <sp-dropdown class="fr-dropdown ${className}" placeholder=${placeholder}
      ?disabled=${isBusy || choices.length === 0} @change=${onChange}>
      <sp-menu slot="options">
        ${choices.map((choice) => html`<sp-menu-item ?selected=${choice.id === selectedId}>${choice.label}</sp-menu-item>`)}
      </sp-menu>
    </sp-dropdown>`;
}

/** The choice at a dropdown's `selectedIndex`, or undefined when either is missing or out of range. */
export function choiceAt(choices: readonly PanelChoice[] | undefined, index: number | undefined): PanelChoice | undefined {
  return choices === undefined || index === undefined ? undefined : choices[index];
}

export function hasChoice(choices: readonly PanelChoice[], id: string | undefined): boolean {
  return id !== undefined && choices.some((choice) => choice.id === id);
}
