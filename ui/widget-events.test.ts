/** @jest-environment jsdom */
import { clearValue, readChecked, readNumericValue, readSelectedIndex, readTextValue } from './widget-events';

/** An event whose target carries the given properties, as a UXP widget's would. */
function eventOn(props: Record<string, unknown>): Event {
  const target = Object.assign(document.createElement('sp-test-widget'), props);
  const evt = new Event('change');
  target.dispatchEvent(evt);
  return evt;
}

describe('widget-events', () => {
  it('reads checked only when it is a boolean', () => {
    expect(readChecked(eventOn({ checked: true }))).toBe(true);
    expect(readChecked(eventOn({ checked: false }))).toBe(false);
    expect(readChecked(eventOn({ checked: 'true' }))).toBeUndefined();
    expect(readChecked(eventOn({}))).toBeUndefined();
  });

  it('reads selectedIndex only when it is a non-negative integer', () => {
    expect(readSelectedIndex(eventOn({ selectedIndex: 0 }))).toBe(0);
    expect(readSelectedIndex(eventOn({ selectedIndex: 2 }))).toBe(2);
    expect(readSelectedIndex(eventOn({ selectedIndex: -1 }))).toBeUndefined();
    expect(readSelectedIndex(eventOn({ selectedIndex: 1.5 }))).toBeUndefined();
    expect(readSelectedIndex(eventOn({}))).toBeUndefined();
  });

  it('reads a slider value given as a number or a numeric string', () => {
    expect(readNumericValue(eventOn({ value: 42 }))).toBe(42);
    expect(readNumericValue(eventOn({ value: '42.5' }))).toBe(42.5);
    expect(readNumericValue(eventOn({ value: '' }))).toBeUndefined();
    expect(readNumericValue(eventOn({ value: 'abc' }))).toBeUndefined();
    expect(readNumericValue(eventOn({ value: Number.NaN }))).toBeUndefined();
  });

  it('reads a text field value only when it is a string, untrimmed', () => {
    expect(readTextValue(eventOn({ value: ' https://gpu.example ' }))).toBe(' https://gpu.example ');
    expect(readTextValue(eventOn({ value: '' }))).toBe('');
    expect(readTextValue(eventOn({ value: 42 }))).toBeUndefined();
    expect(readTextValue(eventOn({}))).toBeUndefined();
  });

  it('clears the value of the event target', () => {
    const evt = eventOn({ value: 'secret' });
    clearValue(evt);
    expect((evt.target as unknown as { value: unknown }).value).toBe('');
  });

  it('returns undefined for an event that was never dispatched (no target)', () => {
    expect(readChecked(new Event('change'))).toBeUndefined();
    expect(readTextValue(new Event('change'))).toBeUndefined();
    expect(() => clearValue(new Event('change'))).not.toThrow();
  });
});
