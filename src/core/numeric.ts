/** Small numeric helpers shared by the kernels that reproduce OpenCV. */

/** cvRound / saturate_cast<int>(double): round half to even (the default FPU rounding OpenCV relies on). */
export function cvRound(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Clamps to [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
