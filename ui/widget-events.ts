/**
 * Reads values from events of the built-in Spectrum UXP widgets. UXP puts the new value on `evt.target`
 * (`value`, `checked`, `selectedIndex`), not in an event detail, and the widgets have no TypeScript types,
 * so each reader checks the type and returns `undefined` for anything unexpected. `clearValue` empties a text field
 * from its own event (a secret is not left in the field once handed over).
 */

function targetProperty(evt: Event, key: 'value' | 'checked' | 'selectedIndex'): unknown {
  const target = evt.target as unknown as Record<string, unknown> | null;
  return target === null ? undefined : target[key];
}

/** `evt.target.checked` of an `sp-checkbox`. */
export function readChecked(evt: Event): boolean | undefined {
  const checked = targetProperty(evt, 'checked');
  return typeof checked === 'boolean' ? checked : undefined;
}

/** `evt.target.selectedIndex` of an `sp-dropdown`, or undefined when nothing valid is selected. */
export function readSelectedIndex(evt: Event): number | undefined {
  const index = targetProperty(evt, 'selectedIndex');
  return typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : undefined;
}

/** `evt.target.value` of an `sp-slider` as a number (accepts a numeric string, as attributes are strings). */
export function readNumericValue(evt: Event): number | undefined {
  const value = targetProperty(evt, 'value');
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/** `evt.target.value` of an `sp-textfield`, as typed (not trimmed), or undefined when it is not a string. */
export function readTextValue(evt: Event): string | undefined {
  const value = targetProperty(evt, 'value');
  return typeof value === 'string' ? value : undefined;
}

/** Empties the `sp-textfield` that fired `evt` (sets `evt.target.value` to ''); does nothing without a target. */
export function clearValue(evt: Event): void {
  const target = evt.target as unknown as Record<string, unknown> | null;
  if (target !== null) target.value = '';
}
