/**
 * IEEE 754 binary16 ⇄ float32, both directions exact where they can be: widening is exact for every half, narrowing
 * rounds to nearest, ties to even (what `numpy.float16` and `torch.half()` do), overflowing to ±Inf.
 */

/**
 * float16 bits → the same value as a float32: every half, subnormals and ±Inf included, is exactly representable.
 * NaN payloads are not kept (a JS number has one NaN); weights never carry meaning in them.
 */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds `mantissa >>> shift` to nearest, ties to even. `shift` is 1..24. */
function roundShift(mantissa: number, shift: number): number {
  const kept = mantissa >>> shift;
  const rest = mantissa & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** The float16 bits nearest to `value` (first rounded to float32, as torch does from a float tensor). */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 112; // the half's biased exponent (127 − 15)
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal (2^-25): ±0
    return sign | roundShift(mantissa | 0x800000, 14 - e); // subnormal; may round up to the smallest normal, which is right
  }
  return sign | ((e << 10) + roundShift(mantissa, 13)); // a carry out of the mantissa bumps the exponent (up to ±Inf): right
}

/** The half bits of every value. */
export function toHalfBits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]);
  return out;
}

let table: Float32Array | undefined;

/** Half bits → float32 values through a 65,536-entry table (built on first use): weights are converted by the million. */
export function halfBitsToFloats(bits: Uint16Array): Float32Array {
  if (!table) {
    table = new Float32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) table[h] = halfToFloat(h);
  }
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

/** Every value rounded to the nearest float16, kept as float32 (what a graph computes after Cast(float16 → float)). */
export function roundToHalf(values: Float32Array): Float32Array {
  return halfBitsToFloats(toHalfBits(values));
}
