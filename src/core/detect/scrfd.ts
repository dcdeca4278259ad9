/**
 * SCRFD decoding as insightface does it (python-package/insightface/model_zoo/scrfd.py): anchor centres on a grid
 * per stride, distances to the four box sides and landmark offsets in units of the stride.
 */
import { RestoreError } from '../errors';
import { requireOutput, type LoadedModel } from '../runtime';
import type { PixelSpec } from './prepare';
import type { Candidate, DecoderFactory } from './nms';

// Module-scope aliases: hot loops, and global lookups are slow in sandboxed realms (jest's vm contexts).
const { floor } = Math;

/** RGB, (x − 127.5) / 128: insightface's blobFromImage(…, 1/128, mean 127.5, swapRB=True). */
export const SCRFD_PIXELS: PixelSpec = { order: 'rgb', mean: [127.5, 127.5, 127.5], scale: 1 / 128 };

interface ScrfdLayout {
  readonly strides: readonly number[];
  /** Output names per stride, in stride order. */
  readonly score: readonly string[];
  readonly bbox: readonly string[];
  readonly kps: readonly string[];
}

const NAMED_STRIDES = [8, 16, 32];

/**
 * Named exports (score_8 … kps_32) are read by name. Otherwise, as insightface does, by session order: 9 outputs =
 * scores, boxes, keypoints for strides 8/16/32; 15 = the same for strides 8…128. Exports without keypoints (6 or 10
 * outputs) are refused: alignment needs the five landmarks.
 */
function layoutOf(model: LoadedModel, label: string): ScrfdLayout {
  const names = model.outputs.map((o) => o.name);
  const named = (head: string): string[] => NAMED_STRIDES.map((s) => `${head}_${s}`);
  const wanted = [...named('score'), ...named('bbox'), ...named('kps')];
  if (wanted.every((w) => names.includes(w))) {
    return { strides: NAMED_STRIDES, score: named('score'), bbox: named('bbox'), kps: named('kps') };
  }
  const strides = names.length === 9 ? NAMED_STRIDES : names.length === 15 ? [8, 16, 32, 64, 128] : undefined;
  if (!strides) {
    throw new RestoreError(
      'MODEL_CONTRACT',
      `scrfd detector model must have outputs ${wanted.join(', ')} (or 9 unnamed outputs in that order, scores, boxes, ` +
        `keypoints); this one (${label}) has ${names.length} outputs: ${names.join(', ') || 'none'}` +
        (names.length === 6 || names.length === 10 ? ' (a model without keypoints cannot be used: alignment needs them)' : ''),
    );
  }
  const m = strides.length;
  return { strides, score: names.slice(0, m), bbox: names.slice(m, 2 * m), kps: names.slice(2 * m, 3 * m) };
}

export const createScrfdDecoder: DecoderFactory = (model, label) => {
  const layout = layoutOf(model, label);
  return (outputs, inputWidth, inputHeight, scoreThreshold) => {
    const faces: Candidate[] = [];
    layout.strides.forEach((s, level) => {
      const cols = inputWidth / s;
      const cells = (inputHeight / s) * cols;
      const scores = requireOutput(outputs, layout.score[level], label);
      // 3-stride models put 2 anchors per cell, 5-stride ones 1; read it from the output rather than assume.
      const anchors = scores.length / cells;
      if (!Number.isInteger(anchors) || anchors < 1) {
        throw new RestoreError(
          'MODEL_CONTRACT',
          `${label} output "${layout.score[level]}" has ${scores.length} values, not a multiple of the ${cells} cells of stride ${s} for a ${inputWidth}×${inputHeight} input`,
        );
      }
      const bbox = requireOutput(outputs, layout.bbox[level], label, scores.length * 4);
      const kps = requireOutput(outputs, layout.kps[level], label, scores.length * 10);
      for (let i = 0; i < scores.length; i++) {
        const score = scores[i];
        // insightface keeps score >= threshold.
        if (!(score >= scoreThreshold)) continue;
        const cell = floor(i / anchors);
        const ax = (cell % cols) * s;
        const ay = floor(cell / cols) * s;
        const landmarks: number[] = new Array<number>(10);
        for (let t = 0; t < 5; t++) {
          landmarks[2 * t] = ax + kps[i * 10 + 2 * t] * s;
          landmarks[2 * t + 1] = ay + kps[i * 10 + 2 * t + 1] * s;
        }
        faces.push({
          score,
          box: [ax - bbox[i * 4] * s, ay - bbox[i * 4 + 1] * s, ax + bbox[i * 4 + 2] * s, ay + bbox[i * 4 + 3] * s],
          landmarks,
        });
      }
    });
    return faces;
  };
};
