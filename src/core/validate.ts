/**
 * Option validation in the style of sharp's `is.*` predicates: precise, synchronous, before any work starts.
 * One message shape everywhere: "Expected <what> for <option> but received <value> of type <type>".
 */
import { RestoreError } from './errors';

export const is = {
  defined: <T>(value: T | undefined | null): value is T => value !== undefined && value !== null,
  bool: (value: unknown): value is boolean => typeof value === 'boolean',
  number: (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value),
  integer: (value: unknown): value is number => Number.isInteger(value),
  inRange: (value: number, min: number, max: number): boolean => value >= min && value <= max,
  string: (value: unknown): value is string => typeof value === 'string',
  oneOf: <T extends string>(value: unknown, choices: readonly T[]): value is T =>
    typeof value === 'string' && (choices as readonly string[]).includes(value),
  // By tag, as sharp does, so objects from another realm (an iframe, a vm context) count too.
  plainObject: (value: unknown): value is Record<string, unknown> =>
    Object.prototype.toString.call(value) === '[object Object]' && !Array.isArray(value),
};

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `[${value.length} items]`;
  return Object.prototype.toString.call(value);
}

/** Builds (does not throw) the standard INVALID_OPTION error. */
export function invalidOption(option: string, expected: string, value: unknown): RestoreError {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return new RestoreError(
    'INVALID_OPTION',
    `Expected ${expected} for ${option} but received ${describeValue(value)} of type ${type}`,
  );
}

/** Rejects keys that are not part of an options object: a typo must not silently fall back to a default. */
export function rejectUnknownKeys(what: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new RestoreError(
        'INVALID_OPTION',
        `Unknown option ${JSON.stringify(key)} for ${what}; accepted options are: ${allowed.join(', ')}`,
      );
    }
  }
}

export function checkNumber(option: string, value: unknown, min: number, max: number): number {
  if (!is.number(value) || !is.inRange(value, min, max)) {
    throw invalidOption(option, `a number between ${min} and ${max}`, value);
  }
  return value;
}

export function checkInteger(option: string, value: unknown, min: number, max: number): number {
  if (!is.integer(value) || !is.inRange(value as number, min, max)) {
    throw invalidOption(option, `an integer between ${min} and ${max}`, value);
  }
  return value as number;
}

export function checkBoolean(option: string, value: unknown): boolean {
  if (!is.bool(value)) throw invalidOption(option, 'a boolean', value);
  return value;
}

export function checkChoice<T extends string>(option: string, value: unknown, choices: readonly T[]): T {
  if (!is.oneOf(value, choices)) throw invalidOption(option, `one of ${choices.join(', ')}`, value);
  return value;
}
