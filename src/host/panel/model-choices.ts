/**
 * The panel's restore model / detector / upscaler choices, made from what is installed: catalog models under their
 * catalog names, other files under their file names. A choice the user made is kept while its file is there;
 * otherwise the role's catalog default is chosen, else the first model that is not licence-restricted.
 */
import type { ModelRole } from '../../core/catalog';
import { DETECTOR_KINDS, type DetectorKind } from '../../core/detect/types';
import type { PanelState } from '../../../ui/panel-controller';
import { DETECTOR_LABELS, type InstalledModel, type InstalledModels } from './installed-models';

export type ChoicesPatch = Pick<PanelState, 'models' | 'modelId' | 'detectors' | 'detectorId' | 'upscalers' | 'upscalerId'>;

function pick(models: readonly InstalledModel[], role: ModelRole, current: string | undefined): string | undefined {
  if (current !== undefined && models.some((m) => m.id === current)) return current;
  const isDefault = (m: InstalledModel): boolean => m.entry?.role === role && m.entry.isDefault;
  return (models.find(isDefault) ?? models.find((m) => m.entry && !m.entry.restricted) ?? models.find((m) => !m.entry) ?? models[0])?.id;
}

/** Output scale choices: ×1 restores faces only; ×2/×4 also enlarge the picture with an upscaler. */
export const UPSCALE_CHOICES: PanelState['upscales'] = [
  { id: '1', label: '×1 · faces only' },
  { id: '2', label: '×2' },
  { id: '4', label: '×4' },
];

/** The choices for `installed`, keeping the current selections in `state` where possible. */
export function choicesFor(installed: InstalledModels, state: ChoicesPatch): ChoicesPatch {
  // With no detector installed, every kind stays listed: Find faces and Restore stay pressable and explain what is missing.
  const kinds = installed.detectors.length > 0 ? installed.detectors.map((d) => d.kind) : DETECTOR_KINDS;
  const detectors = kinds.map((kind) => ({ id: kind, label: DETECTOR_LABELS[kind] }));
  return {
    models: installed.restore.map((m) => ({ id: m.id, label: m.label })),
    modelId: pick(installed.restore, 'restorer', state.modelId),
    detectors,
    detectorId: detectors.some((d) => d.id === state.detectorId) ? state.detectorId : detectors[0].id,
    upscalers: installed.upscale.map((m) => ({ id: m.id, label: m.label })),
    upscalerId: pick(installed.upscale, 'upsampler', state.upscalerId),
  };
}

/** The panel's choice setters, the same in every host: each applies only while idle and only a listed choice. */
export interface ChoiceSetters {
  setModel(id: string): void;
  setUpscale(id: string): void;
  setUpscaler(id: string): void;
  setDetector(id: string): void;
  setOnlyCenterFace(isOnlyCenterFace: boolean): void;
}

/**
 * `forgetFaces` runs when the detector or "Only the centre face" changes: faces found before no longer apply, and the
 * host drops them (the face list is cleared here).
 */
export function createChoiceSetters(get: () => PanelState, set: (patch: Partial<PanelState>) => void, forgetFaces: () => void): ChoiceSetters {
  const isIdle = (): boolean => get().phase === 'idle';
  return {
    setModel(id) {
      if (isIdle() && get().models.some((m) => m.id === id)) set({ modelId: id });
    },
    setUpscale(id) {
      if (isIdle() && get().upscales.some((u) => u.id === id)) set({ upscaleId: id });
    },
    setUpscaler(id) {
      if (isIdle() && get().upscalers.some((u) => u.id === id)) set({ upscalerId: id });
    },
    setDetector(id) {
      if (!isIdle() || !get().detectors.some((d) => d.id === id)) return;
      forgetFaces();
      set({ detectorId: id as DetectorKind, faces: [] });
    },
    setOnlyCenterFace(isOnlyCenterFace) {
      if (!isIdle()) return;
      forgetFaces();
      set({ isOnlyCenterFace, faces: [] });
    },
  };
}
