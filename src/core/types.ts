/** Geometry and face records shared by the pipeline stages. Coordinates are image pixels, x right, y down. */

export type Point = readonly [number, number];

/** Five landmarks in image-left-first order: left eye, right eye, nose tip, left mouth corner, right mouth corner. */
export type Landmarks5 = readonly [Point, Point, Point, Point, Point];

/** Axis-aligned box [x1, y1, x2, y2]. */
export type Box = readonly [number, number, number, number];

/** Row-major 2×3 affine matrix [a, b, c, d, e, f]: x' = a·x + b·y + c, y' = d·x + e·y + f. */
export type Affine = readonly [number, number, number, number, number, number];

/** An integer rectangle in document pixels. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface DetectedFace {
  /** Position in detection order (descending score after filtering); the `_NN` in output file names. */
  readonly index: number;
  readonly score: number;
  readonly box: Box;
  readonly landmarks: Landmarks5;
}
