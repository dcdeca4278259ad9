/**
 * The panel's controller in Photoshop: holds the panel state, turns button presses into find/restore runs on the
 * active layer, maps every failure to a plain-words status, and drives the face layers' opacity from the slider.
 * The Models section (download, import, remove) lives in models-controller.ts, composed in here. The Lit panel (ui/)
 * sees only the `PanelController` contract.
 */
import type { Catalog } from '../../core/catalog';
import type { FetchLike as ServerFetch } from '../../core/kserve/remote-runtime';
import type { Clock } from '../../core/model-host';
import { DETECTOR_KINDS } from '../../core/detect/types';
import type { DownloadOptions } from '../../core/download';
import { isAbortError, RestoreError } from '../../core/errors';
import type { Restorer } from '../../core/restorer';
import type { Upsampler } from '../../core/upsampler';
import type { ModelRuntime, ModelSource } from '../../core/runtime';
import { INITIAL_RUN_ON, type PanelController, type PanelFace, type PanelState, type StatusKind } from '../../../ui/panel-controller';
import { createAbortSource, runModal, type AbortSource } from './modal';
import { bundledCatalog } from '../panel/bundled-catalog';
import { createEngineCache } from '../panel/engine-cache';
import { choicesFor, createChoiceSetters, UPSCALE_CHOICES } from '../panel/model-choices';
import { DETECTOR_LABELS, findInstalledModels, modelsMissing, upscalerMissing, type InstalledModels } from '../panel/installed-models';
import { createModelsController } from '../panel/models-controller';
import { createRunTargets, fallbackNote, runOnMethods, storageSettings } from '../panel/run-target';
import { systemClock } from '../panel/fetch-transport';
import { uxpSecrets } from './uxp-secrets';
import { decodeUtf8 } from '../../core/utf8';
import { ROLE_FOLDERS } from '../../core/model-manager';
import { estimateUpscale, LONG_RUN_SECONDS } from './upscale-plan';
import type { PsLayer, PsModules } from './ps-api';
import { findTarget } from './preflight';
import { isRefusal } from '../panel/refusals';
import { findFaces, restoreFaces, type FoundFaces } from './restore-run';
import { createUxpModelHost, type FetchLike } from './uxp-model-host';
import { createUxpModelStore, MODELS_URL, modelsFolder, pickOnnxFile } from './uxp-model-store';
import { PLUGIN_TILE } from './write-background';

export interface ControllerDeps {
  readonly ps: PsModules;
  /** Creates the inference runtime (once, on first use). */
  readonly createRuntime: () => Promise<ModelRuntime>;
  /** The start-up probe's verdict on running models in this host. */
  readonly runtimeCheck: { readonly canRun: boolean; readonly text: string };
  /** How to give the host a turn outside a modal scope. Default: a zero timeout. */
  readonly yieldToHost?: () => Promise<void>;
  /** ×2/×4 runs estimated longer than this ask first. Default LONG_RUN_SECONDS. */
  readonly longRunSeconds?: number;
  /** The model catalog (default: models/catalog.json, bundled) and `fetch` for downloads (none: downloads are off). */
  readonly models?: { readonly catalog?: Catalog; readonly fetch?: FetchLike; readonly download?: Omit<DownloadOptions, 'signal' | 'onProgress'> };
  /**
   * "Run on" a server: `fetch` for its requests (none: only this panel is offered) and the clock for timeouts. The
   * origins the plugin may reach are read from its manifest (plugin:/manifest.json `network.domains`).
   */
  readonly servers?: { readonly fetch?: ServerFetch; readonly clock?: Clock };
}

export interface RestoreController extends PanelController {
  /** Settles when the installed models have been looked up. */
  readonly ready: Promise<void>;
  dispose(): Promise<void>;
}


/** The origins the manifest lets the plugin reach (`requiredPermissions.network.domains`; manifest-v5). */
async function manifestOrigins(ps: PsModules): Promise<readonly string[]> {
  try {
    const manifest = JSON.parse(decodeUtf8(new Uint8Array(await ps.fs.readFile('plugin:/manifest.json')))) as { requiredPermissions?: { network?: { domains?: unknown } } };
    const domains = manifest.requiredPermissions?.network?.domains;
    return Array.isArray(domains) ? domains.filter((d): d is string => typeof d === 'string') : [];
  } catch {
    return [];
  }
}

function describeFailure(error: unknown): { kind: StatusKind; text: string } {
  if (isRefusal(error)) return { kind: 'error', text: error.message };
  if (isAbortError(error)) return { kind: 'info', text: 'Cancelled. The document is as it was before.' };
  if (error instanceof RestoreError) return { kind: 'error', text: `${error.message}. The document is as it was before.` };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'error', text: `Photoshop reported an error: ${message}. The document is as it was before.` };
}

export function createRestoreController(deps: ControllerDeps): RestoreController {
  const { ps } = deps;
  const idleYield = deps.yieldToHost ?? ((): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0)));
  const listeners = new Set<() => void>();
  let state: PanelState = {
    phase: 'starting',
    status: { kind: 'info', text: 'Looking for models…' },
    progress: undefined,
    models: [],
    modelId: undefined,
    detectors: DETECTOR_KINDS.map((kind) => ({ id: kind, label: DETECTOR_LABELS[kind] })),
    detectorId: 'yunet',
    isOnlyCenterFace: false,
    upscales: UPSCALE_CHOICES,
    upscaleId: '1',
    upscalers: [],
    upscalerId: undefined,
    confirmation: undefined,
    faces: [],
    strength: 1,
    canSetStrength: false,
    canRun: deps.runtimeCheck.canRun,
    catalogModels: [],
    isImporting: false,
    canDownload: deps.models?.fetch !== undefined,
    runOn: INITIAL_RUN_ON,
  };
  const set = (patch: Partial<PanelState>): void => {
    state = { ...state, ...patch };
    for (const listener of [...listeners]) listener();
  };

  let installed: InstalledModels | undefined;
  let modalYield: (() => Promise<void>) | undefined;
  let found: FoundFaces | undefined;
  let selected = new Set<number>();
  let run: AbortSource | undefined;
  let lastLayers: { documentID: number; layers: readonly PsLayer[] } | undefined;
  const catalog = deps.models?.catalog ?? bundledCatalog();

  // The models folder's path on disk (for messages), known once the data folder has been asked for (reload).
  let folder = '';
  // One fs.readFile per model: UXP memory is tight, and the bytes go to the runtime whole.
  const readFile = async (path: string): Promise<ModelSource> => ({ label: path.slice(path.lastIndexOf('/') + 1), location: new Uint8Array(await ps.fs.readFile(`${MODELS_URL}/${path}`)) });
  // The origins the manifest lets the plugin reach: a server elsewhere is refused with how to allow it.
  let allowedOrigins: readonly string[] = [];
  const targets = createRunTargets({
    fetch: deps.servers?.fetch,
    clock: deps.servers?.clock ?? systemClock,
    settings: storageSettings(ps.localStorage),
    secrets: uxpSecrets(ps.uxp.storage.secureStorage ?? ps.uxp.secureStorage),
    catalog,
    allowedOrigins: () => allowedOrigins,
    here: 'this panel',
    onChange: (runOn) => {
      // A server runs models without the panel's WebAssembly; its models are the ones offered.
      set({ runOn, canRun: deps.runtimeCheck.canRun || targets.isRemote(), ...(installed ? choicesFor(targets.offered(installed), state) : {}) });
    },
  });
  const engines = createEngineCache({
    readModel: readFile, tile: PLUGIN_TILE, createRuntime: deps.createRuntime, placement: () => targets.placement(), yieldToHost: () => (modalYield ?? idleYield)(),
  });
  const offered = (): InstalledModels => targets.offered(installed!);
  const chosenModel = () => installed && offered().restore.find((m) => m.id === state.modelId);
  const chosenUpscaler = () => installed && offered().upscale.find((m) => m.id === state.upscalerId);
  const getRestorer = (): Promise<Restorer> => {
    const detectors = offered().detectors;
    const detector = detectors.find((d) => d.kind === state.detectorId) ?? detectors[0];
    return engines.restorer(chosenModel()!, detector);
  };
  const getUpsampler = (): Promise<Upsampler> => {
    const model = chosenUpscaler();
    if (!model) return Promise.reject(targets.isRemote() ? targets.noUpscaler() : models.downloadingRefusal('upsampler') ?? upscalerMissing(installed!, catalog, state.canDownload));
    return engines.upsampler(model);
  };

  /** Re-reads the models folder after a download, import or removal (of `changed` paths) and refreshes the choices. */
  const reload = async (changed: readonly string[] = []): Promise<InstalledModels> => {
    folder ||= await modelsFolder(ps);
    // Empty role folders on first run give the user somewhere to put files by hand.
    for (const sub of Object.values(ROLE_FOLDERS)) await ps.fs.mkdir(`${MODELS_URL}/${sub}`, { recursive: true }).catch(() => undefined);
    installed = await findInstalledModels(createUxpModelStore({ fs: ps.fs, location: folder }), catalog, folder);
    engines.invalidate(changed); // a file may have been replaced under the same name
    set(choicesFor(targets.offered(installed), state));
    return installed;
  };
  const models = createModelsController({
    catalog,
    createHost: (warn) => createUxpModelHost({ fs: ps.fs, location: folder, ...(deps.models?.fetch ? { fetch: deps.models.fetch } : {}), warn }),
    pickFile: () => pickOnnxFile(ps),
    ...(deps.models?.download ? { download: deps.models.download } : {}),
    getState: () => state, set, reload, isBusy: () => state.phase !== 'idle' && state.phase !== 'confirming',
  });

  const facesFrom = (f: FoundFaces): PanelFace[] =>
    f.faces.map((face, i) => ({ number: face.index + 1, score: face.score, thumbnail: f.thumbnails[i] ?? '', isSelected: selected.has(face.index + 1) }));

  /** Runs one operation with the shared begin/progress/error/end handling. */
  const operate = async (phase: 'detecting' | 'restoring', body: (abort: AbortSource) => Promise<void>): Promise<void> => {
    if (state.phase !== 'idle') return;
    const missing = !installed ? undefined : targets.isRemote() ? targets.refusal() ?? targets.missing(offered()) : models.missingRefusal(installed, chosenModel()?.entry?.id);
    if (!state.canRun || missing) {
      set({ status: { kind: 'error', text: missing?.message ?? deps.runtimeCheck.text } });
      return;
    }
    const abort = createAbortSource();
    run = abort;
    set({ phase, progress: { fraction: 0, label: phase === 'detecting' ? 'Finding faces…' : 'Restoring…' } });
    let failure: PanelState['status'] | undefined;
    try {
      await body(abort);
    } catch (error) {
      failure = describeFailure(error);
    } finally {
      run = undefined;
      // A run that lost its server and finished here says so, after what it did.
      const note = fallbackNote(targets, state.status, 'this panel');
      set({ phase: 'idle', progress: undefined, ...(failure ? { status: failure } : note ? { status: note } : {}) });
    }
  };

  const onProgress = (fraction: number, label: string): void => {
    if (state.phase === 'cancelling') return;
    set({ progress: { fraction: Math.max(state.progress?.fraction ?? 0, fraction), label } });
  };

  let strengthApplying = false;
  let strengthWanted: number | undefined;
  const applyStrength = async (): Promise<void> => {
    if (strengthApplying) return;
    strengthApplying = true;
    try {
      while (strengthWanted !== undefined && lastLayers && state.phase === 'idle') {
        const value = strengthWanted;
        strengthWanted = undefined;
        const { documentID, layers } = lastLayers;
        await runModal(ps.core, { commandName: 'Face Strength', historyName: 'Face Strength', documentID }, async () => {
          for (const layer of layers) layer.opacity = Math.round(value * 100);
        });
      }
    } catch (error) {
      lastLayers = undefined;
      strengthWanted = undefined;
      const detail = describeFailure(error).text;
      set({ canSetStrength: false, status: { kind: 'warning', text: `Could not change the faces' opacity (were the layers deleted?). Restore again to use the slider. ${detail}` } });
    } finally {
      strengthApplying = false;
    }
  };

  const scaleOf = (): number => Number(state.upscaleId);

  /** Restore, after asking first when a ×2/×4 run would take long (`isConfirmed` = the user already agreed). */
  const startRestore = async (isConfirmed: boolean): Promise<void> => {
    // The estimate the user agreed to (shown in the confirmation), reused for the time left.
    const agreed = isConfirmed ? state.confirmation : undefined;
    if (state.phase === 'confirming') {
      if (!isConfirmed) return;
      set({ phase: 'idle', confirmation: undefined });
    } else if (isConfirmed) {
      return;
    }
    let needsConfirmation: PanelState['confirmation'];
    let usedStrength = state.strength;
    await operate('restoring', async (abort) => {
      const target = findTarget(ps.app); // Refuse before loading any model.
      const scale = scaleOf();
      let upscale: { scale: number; upsampler: Upsampler; modelLabel: string; seconds: number } | undefined;
      if (scale > 1) {
        const up = await getUpsampler();
        const where = targets.isRemote() ? `on ${state.runOn.url}` : 'on this computer';
        onProgress(0, targets.isRemote() ? 'Measuring the server’s speed…' : 'Measuring this computer’s speed…');
        const estimate = agreed ?? await estimateUpscale(up, target, scale, where);
        if (!isConfirmed && estimate.seconds > (deps.longRunSeconds ?? LONG_RUN_SECONDS)) {
          needsConfirmation = { text: estimate.text, seconds: estimate.seconds };
          return;
        }
        upscale = { scale, upsampler: up, modelLabel: chosenUpscaler()?.label ?? '', seconds: estimate.seconds };
      }
      const outcome = await restoreFaces(ps, target, {
        restorer: await getRestorer(),
        modelLabel: chosenModel()?.label ?? '',
        isOnlyCenterFace: state.isOnlyCenterFace,
        listed: found ? { found, selected } : undefined,
        strength: usedStrength = state.strength,
        signal: abort.signal,
        onProgress,
        useYield: (y) => { modalYield = y; },
        ...(upscale ? { upscale } : {}),
      });
      lastLayers = { documentID: outcome.documentID, layers: outcome.faceLayers };
      // The slider may have moved while the run worked: the new layers take the value it shows now, once idle.
      if (state.strength !== usedStrength) strengthWanted = state.strength;
      if (!outcome.usedListedFaces || upscale) {
        // A fresh detection, or a resized layer: list what was restored, all ticked, so a re-run can leave some out.
        found = upscale ? undefined : outcome.found;
        selected = new Set(outcome.found.faces.map((f) => f.index + 1));
        set({ faces: found ? facesFrom(outcome.found) : [] });
      }
      const n = outcome.faceLayers.length;
      const enlarged = upscale ? ` The document is now ×${upscale.scale}, with “${outcome.upscaledLayer?.name ?? ''}” above the source.` : '';
      set({
        canSetStrength: true,
        status: { kind: 'success', text: `Restored ${n} face${n === 1 ? '' : 's'} into the group “${outcome.groupName}” above “${outcome.layerName}”, which is unchanged.${enlarged} Use Face strength to blend.` },
      });
    });
    if (needsConfirmation) set({ phase: 'confirming', confirmation: needsConfirmation });
    else if (strengthWanted !== undefined) void applyStrength();
  };

  const ready = (async () => {
    try {
      allowedOrigins = await manifestOrigins(ps);
      await targets.start();
      const present = await reload();
      await models.start(present);
      const missing = targets.isRemote() ? undefined : modelsMissing(present, catalog, state.canDownload);
      set({
        status: missing
          ? { kind: 'error', text: missing.message }
          : !state.canRun
            ? { kind: 'error', text: deps.runtimeCheck.text }
            : { kind: 'info', text: `${deps.runtimeCheck.text} Select the layer with the faces, then press Restore (or Find faces to choose which).` },
      });
    } catch (error) {
      set({ status: describeFailure(error) });
    } finally {
      set({ phase: 'idle' });
    }
  })();

  return {
    ready,
    get state() {
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    findFaces: () =>
      operate('detecting', async (abort) => {
        const target = findTarget(ps.app); // Refuse before loading any model.
        const result = await findFaces(ps, target, { restorer: await getRestorer(), isOnlyCenterFace: state.isOnlyCenterFace, signal: abort.signal, onProgress });
        found = result;
        selected = new Set(result.faces.map((f) => f.index + 1));
        const n = result.faces.length;
        set({ faces: facesFrom(result), status: { kind: 'success', text: `Found ${n} face${n === 1 ? '' : 's'} in “${result.layerName}”. Untick any you want to leave alone, then press Restore.` } });
      }),

    restore: () => startRestore(false),
    confirmRestore: () => startRestore(true),

    cancel() {
      if (state.phase === 'confirming') {
        set({ phase: 'idle', confirmation: undefined, status: { kind: 'info', text: 'Not run. The document is unchanged.' } });
        return;
      }
      if (!run || state.phase === 'cancelling') return;
      run.abort();
      set({ phase: 'cancelling', progress: state.progress && { ...state.progress, label: 'Cancelling…' } });
    },

    setStrength(strength, isFinal) {
      if (!(strength >= 0 && strength <= 1)) return;
      set({ strength });
      if (!lastLayers) return;
      strengthWanted = strength;
      if (isFinal || !strengthApplying) void applyStrength();
    },

    ...createChoiceSetters(() => state, set, () => { found = undefined; }),
    setFaceSelected(faceNumber, isSelected) {
      if (!found) return;
      if (isSelected) selected.add(faceNumber);
      else selected.delete(faceNumber);
      set({ faces: facesFrom(found) });
    },

    ...runOnMethods(targets, () => state.phase === 'idle', (text) => set({ status: { kind: 'error', text } })),

    downloadModel: (id) => models.downloadModel(id),
    cancelDownload: (id) => models.cancelDownload(id),
    importModel: () => models.importModel(),
    removeModel: (id) => models.removeModel(id),

    async dispose() {
      models.dispose();
      run?.abort();
      listeners.clear();
      await engines.dispose();
    },
  };
}
