/**
 * The panel's restore model / detector / upscaler choices, made from what is installed: catalog models under their
 * catalog names, other files under their file names. A choice the user made is kept while its file is there;
 * otherwise the role's catalog default is chosen, else the first model that is not licence-restricted.
 */
import type { ModelRole } from '../../core/catalog';
import { DETECTOR_KINDS } from '../../core/detect/types';
import type { PanelState } from '../../../ui/panel-controller';
import { DETECTOR_LABELS, type InstalledModel, type InstalledModels } from './installed-models';

export type ChoicesPatch = Pick<PanelState, 'models' | 'modelId' | 'detectors' | 'detectorId' | 'upscalers' | 'upscalerId'>;

function pick(models: readonly InstalledModel[], role: ModelRole, current: string | undefined): string | undefined {
  if (current !== undefined && models.some((m) => m.id === current)) return current;
  const isDefault = (m: InstalledModel): boolean => m.entry?.role === role && m.entry.isDefault;
  return (models.find(isDefault) ?? models.find((m) => m.entry && !m.entry.restricted) ?? models.find((m) => !m.entry) ?? models[0])?.id;
}

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
