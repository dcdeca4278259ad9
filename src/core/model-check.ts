/**
 * Contract checks on a model file's bytes, before it is installed or loaded: is it a complete ONNX model, and do its
 * declared inputs and outputs (names, ranks, shapes, element types) fit the role it is given? The checks are the
 * very ones the engine applies when it loads a model (restore.ts, detect/, upscale.ts), run on the declared
 * signature, so a file that imports cleanly also loads cleanly. A refusal says what was expected and what was found,
 * and, when the file plainly fits another role, which one.
 */
import type { CatalogEntry, ModelRole, TensorSpec } from './catalog';
import { restoreDescriptor } from './catalog';
import { createDetector } from './detect';
import { DETECTOR_KINDS, type DetectorKind } from './detect/types';
import { describeError, RestoreError } from './errors';
import { GFPGAN } from './models';
import { parseOnnxSignature, type OnnxSignature } from './onnx-signature';
import { checkRestoreContract } from './restore';
import { dimAccepts, formatShape, type LoadedModel, type TensorInfo } from './runtime';
import { checkUpscaleSignature } from './upscale';

export interface ModelCheck {
  readonly role: ModelRole;
  readonly signature: OnnxSignature;
  /** For detectors: the decoder that reads it. */
  readonly detector?: DetectorKind;
  /** For upsamplers with static shapes: the declared scale. */
  readonly scale?: number;
}

/** A LoadedModel made of a declared signature: enough for the engine's contract checks, never run. */
function declaredOnly(signature: OnnxSignature, label: string): LoadedModel {
  return {
    inputs: signature.inputs,
    outputs: signature.outputs,
    run: () => Promise.reject(new RestoreError('HOST_FAILURE', `${label} was only inspected, not loaded`)),
    release: () => Promise.resolve(),
  };
}

/** Which detector decoder reads these outputs, if any. */
export function detectorKindOf(outputs: readonly TensorInfo[]): DetectorKind | undefined {
  const names = new Set(outputs.map((o) => o.name));
  if (['cls_8', 'obj_8', 'bbox_8', 'kps_8'].every((n) => names.has(n))) return 'yunet';
  if (names.has('loc') && names.has('conf')) return 'retinaface';
  if (names.has('score_8') || outputs.length === 9) return 'scrfd';
  return undefined;
}

function describe(signature: OnnxSignature): string {
  const list = (infos: readonly TensorInfo[]): string =>
    infos.length === 0 ? 'none' : infos.slice(0, 6).map((i) => `"${i.name}" ${i.type} ${formatShape(i.shape)}`).join(', ') + (infos.length > 6 ? `, … (${infos.length} in all)` : '');
  return `inputs ${list(signature.inputs)}; outputs ${list(signature.outputs)}`;
}

/** What the file looks like, for refusals: "a face detector (yunet)", "an upsampler", "a restorer". */
function lookalike(signature: OnnxSignature, label: string): string | undefined {
  const kind = detectorKindOf(signature.outputs);
  if (kind) return `a face detector (${kind})`;
  for (const [role, text] of [['upsampler', 'an upsampler'], ['restorer', 'a face restorer']] as const) {
    try {
      checkRole(role, signature, label, undefined);
      return text;
    } catch { /* not one */ }
  }
  return undefined;
}

const article = (word: string): string => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

function checkSpec(label: string, what: string, spec: TensorSpec, found: TensorInfo | undefined): void {
  if (!found) throw new RestoreError('MODEL_CONTRACT', `${label}: expected ${what} "${spec.name}" ${spec.type} ${formatShape(spec.shape.map((d) => d ?? -1))}; found none`);
  const fits = found.shape.length === spec.shape.length && spec.shape.every((d, i) => d === null || dimAccepts(found.shape[i], d));
  if (!fits || (found.type !== spec.type && found.type !== 'unknown')) {
    throw new RestoreError(
      'MODEL_CONTRACT',
      `${label}: expected ${what} ${spec.type} ${formatShape(spec.shape.map((d) => d ?? -1))}; found "${found.name}" ${found.type} ${formatShape(found.shape)}`,
    );
  }
}

/** The role's checks, as the engine runs them on load. */
function checkRole(role: ModelRole, signature: OnnxSignature, label: string, entry: CatalogEntry | undefined): Omit<ModelCheck, 'signature'> {
  const model = declaredOnly(signature, label);
  if (role === 'restorer') {
    const descriptor = entry?.role === 'restorer' ? restoreDescriptor(entry) : GFPGAN;
    const contract = checkRestoreContract(model, label, descriptor);
    const input = signature.inputs.find((i) => i.name === contract.imageInput)?.shape ?? [];
    const output = signature.outputs.find((o) => o.name === contract.output)?.shape ?? [];
    // Dynamic sizes: a restorer's output must be declared the input's size (an upsampler declares out_height…).
    if ([2, 3].some((d) => typeof input[d] === 'string' && typeof output[d] === 'string' && input[d] !== output[d])) {
      throw new RestoreError(
        'MODEL_CONTRACT',
        `${label}: expected a restorer returning the ${descriptor.faceSize}×${descriptor.faceSize} face it takes; found output ${formatShape(output)} (${output.slice(2).join('×')}) declared unlike its input (${input.slice(2).join('×')})`,
      );
    }
    if (entry?.role === 'restorer' && entry.contract.weight && !contract.weightInput) {
      const w = entry.contract.weight;
      throw new RestoreError('MODEL_CONTRACT', `${label}: expected a second input "${w.name}" (${w.type} fidelity weight) as ${entry.name} has; found ${describe(signature)}`);
    }
    return { role };
  }
  if (role === 'detector') {
    const kind = entry?.role === 'detector' ? entry.contract.decoder : detectorKindOf(signature.outputs);
    if (!kind) {
      throw new RestoreError(
        'MODEL_CONTRACT',
        `${label}: expected a face detector with the outputs of one of ${DETECTOR_KINDS.join(', ')} (e.g. YuNet's cls_8, obj_8, bbox_8, kps_8…); found ${describe(signature)}`,
      );
    }
    createDetector(kind, model, label);
    return { role, detector: kind };
  }
  const fixed = checkUpscaleSignature(model, label);
  const out = signature.outputs[0].shape;
  const outH = out[2];
  const scale = fixed && typeof outH === 'number' && outH > 0 ? outH / fixed.height : undefined;
  if (scale !== undefined && scale <= 1) {
    throw new RestoreError('MODEL_CONTRACT', `${label}: expected an upsampler (output larger than input); found ${describe(signature)}, which keeps the size`);
  }
  if (entry?.role === 'upsampler') {
    checkSpec(label, 'input', entry.contract.input, signature.inputs[0]);
    if (scale !== undefined && scale !== entry.contract.scale) {
      throw new RestoreError('MODEL_CONTRACT', `${label}: expected a ×${entry.contract.scale} upsampler (${entry.name}); found a ×${scale} one`);
    }
  }
  return { role, ...(scale !== undefined ? { scale } : {}) };
}

/**
 * Checks that `bytes` are a complete ONNX model fitting `role` (and the catalog `entry`'s contract, when importing as
 * a catalog model). Throws MODEL_LOAD_FAILED for truncated or non-ONNX files and MODEL_CONTRACT for a wrong role.
 */
export function checkModelBytes(bytes: Uint8Array, role: ModelRole, options: { readonly label: string; readonly entry?: CatalogEntry }): ModelCheck {
  const { label, entry } = options;
  const parsed = parseOnnxSignature(bytes);
  if ('problem' in parsed) throw new RestoreError('MODEL_LOAD_FAILED', `${label} cannot be used: ${parsed.detail}`);
  try {
    return { ...checkRole(role, parsed, label, entry), signature: parsed };
  } catch (error) {
    if (!(error instanceof RestoreError) || error.code !== 'MODEL_CONTRACT') throw error;
    const like = lookalike(parsed, label);
    const expected = entry ? `${entry.name} (${role})` : article(role);
    const hint = like && !like.includes(role) ? ` It looks like ${like}: import it with that role instead.` : '';
    throw new RestoreError('MODEL_CONTRACT', `Refused ${label} as ${expected}. ${describeError(error).replace(/\.$/, '')}.${hint}`, { cause: error });
  }
}
