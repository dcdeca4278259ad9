/**
 * The web page's controller (ui/web-controller.ts): the panel's state and actions, on a picture the user opened
 * instead of a Photoshop layer. Find faces lists them with boxes; Restore runs the engine (onnxruntime-web) and keeps
 * the result, so the strength slider re-blends from the cached faces without running a model; Save writes the result
 * and each face's layer and mask as PNGs. The Models section is the panel's (src/host/panel/models-controller.ts) over
 * the browser's storage. The picture is never uploaded; with "Run on" a server, only what the models see (aligned
 * 512² face crops, upscaling tiles, the detector's input) goes to that server and comes back.
 */
import type { Catalog } from '../../core/catalog';
import type { FetchLike as ServerFetch } from '../../core/kserve/remote-runtime';
import { DETECTOR_KINDS } from '../../core/detect/types';
import { isAbortError, RestoreError } from '../../core/errors';
import type { PixelImage } from '../../core/image';
import type { ModelHost } from '../../core/model-host';
import type { ProgressEvent } from '../../core/progress';
import type { Restorer } from '../../core/restorer';
import { faceThumbnail } from '../../core/thumbnail';
import type { ModelRuntime } from '../../core/runtime';
import type { Upsampler } from '../../core/upsampler';
import { INITIAL_RUN_ON, type PanelState, type StatusKind } from '../../../ui/panel-controller';
import type { WebController, WebRuntimeInfo, WebViewState } from '../../../ui/web-controller';
import { createAbortSource, type AbortSource } from '../panel/abort-source';
import { createEngineCache } from '../panel/engine-cache';
import { DETECTOR_LABELS, findInstalledModels, readModel, upscalerMissing, type InstalledModels } from '../panel/installed-models';
import { choicesFor, createChoiceSetters, UPSCALE_CHOICES } from '../panel/model-choices';
import { createModelsController, type PickedFile } from '../panel/models-controller';
import { isRefusal, Refusal } from '../panel/refusals';
import { createRunTargets, fallbackNote, runOnMethods, storageSecrets, storageSettings, type StorageLike } from '../panel/run-target';
import { systemClock } from '../panel/fetch-transport';
import { stageLabel } from '../panel/run-labels';
import { boxesOf, faceFilesOf, fileStem, toWebPixels, type LastRestore, type ListedFaces } from './web-session';
import { faceLayerImage, faceMaskImage } from './image-files';

/** What the page does with files; injected so the controller also runs under Node in tests. */
export interface WebFiles {
  decode(file: Blob, name: string): Promise<PixelImage>;
  encodePng(image: PixelImage): Promise<Blob>;
  /** A small JPEG data URL of an 8-bit RGB image, for the face list. */
  thumbnailUrl(image: PixelImage): Promise<string>;
  /** Hands a file to the browser's download. */
  save(blob: Blob, name: string): void;
  /** Asks for an .onnx file. */
  pickModelFile(): Promise<PickedFile | undefined>;
}

export interface WebControllerDeps {
  readonly catalog: Catalog;
  readonly modelHost: ModelHost;
  readonly createRuntime: () => Promise<ModelRuntime>;
  readonly runtime: WebRuntimeInfo;
  readonly files: WebFiles;
  /** Lets the page repaint between model runs. Default: a zero timeout. */
  readonly yieldToHost?: () => Promise<void>;
  /**
   * "Run on" a server: the page's fetch (none: only this page), where the choice is kept (localStorage) and the
   * token (sessionStorage: gone with the tab), and the page's origin, which the server must allow (--cors-origin).
   */
  readonly servers?: { readonly fetch?: ServerFetch; readonly settings?: StorageLike; readonly secrets?: StorageLike; readonly pageOrigin?: string };
}

export interface WebAppController extends WebController {
  /** Settles when the installed models have been looked up. */
  readonly ready: Promise<void>;
  dispose(): Promise<void>;
}

const THUMBNAIL_SIZE = 96;
const AS_BEFORE = 'The picture is as it was.';

function describeFailure(error: unknown): { kind: StatusKind; text: string } {
  if (isRefusal(error)) return { kind: 'error', text: error.message };
  if (isAbortError(error)) return { kind: 'info', text: `Cancelled. ${AS_BEFORE}` };
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'error', text: `${message.replace(/[.\s]+$/, '')}. ${AS_BEFORE}` };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function createWebController(deps: WebControllerDeps): WebAppController {
  const { catalog, files } = deps;
  const idleYield = deps.yieldToHost ?? ((): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0)));
  const listeners = new Set<() => void>();
  let state: PanelState = {
    phase: 'starting', status: { kind: 'info', text: 'Looking for models…' }, progress: undefined,
    models: [], modelId: undefined,
    detectors: DETECTOR_KINDS.map((kind) => ({ id: kind, label: DETECTOR_LABELS[kind] })), detectorId: 'yunet',
    isOnlyCenterFace: false, upscales: UPSCALE_CHOICES, upscaleId: '1', upscalers: [], upscalerId: undefined,
    confirmation: undefined, faces: [], strength: 1, canSetStrength: false, canRun: true,
    catalogModels: [], isImporting: false, canDownload: deps.modelHost.transport !== undefined,
    runOn: INITIAL_RUN_ON,
  };
  let web: WebViewState = { image: undefined, isOpening: false, boxes: [], result: undefined, isSaving: false, faceFiles: [], runtime: deps.runtime };
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  const set = (patch: Partial<PanelState>): void => {
    state = { ...state, ...patch };
    notify();
  };
  const setWeb = (patch: Partial<WebViewState>): void => {
    web = { ...web, ...patch };
    notify();
  };

  let installed: InstalledModels | undefined;
  let image: { pixels: PixelImage; name: string } | undefined;
  let listed: ListedFaces | undefined;
  let selected = new Set<number>();
  let last: LastRestore | undefined;
  let run: AbortSource | undefined;
  const store = deps.modelHost.store;
  const { fetch, settings, secrets, pageOrigin } = deps.servers ?? {};
  const targets = createRunTargets({
    fetch, clock: systemClock, settings: storageSettings(settings), secrets: storageSecrets(secrets), catalog, here: 'this page',
    // A browser reports a CORS refusal as a network failure: name the flag that allows this page.
    ...(pageOrigin ? { unreachableHint: `a server this page calls must allow it: start it with --cors-origin ${pageOrigin}` } : {}),
    onChange: (runOn) => set({ runOn, ...(installed ? choicesFor(targets.offered(installed), state) : {}) }),
  });
  const engines = createEngineCache({ readModel: (path) => readModel(store, path), createRuntime: deps.createRuntime, placement: () => targets.placement(), yieldToHost: idleYield });
  let warnSink: (code: string, message: string) => void = () => undefined;
  const host: ModelHost = { ...deps.modelHost, warn: (code, message) => warnSink(code, message) };

  const offered = (): InstalledModels => targets.offered(installed!);
  const chosenModel = () => installed && offered().restore.find((m) => m.id === state.modelId);
  const getRestorer = (): Promise<Restorer> => {
    const detectors = offered().detectors;
    const detector = detectors.find((d) => d.kind === state.detectorId) ?? detectors[0];
    return engines.restorer(chosenModel()!, detector);
  };
  const getUpsampler = (): Promise<Upsampler> => {
    const model = installed && offered().upscale.find((m) => m.id === state.upscalerId);
    if (!model) return Promise.reject(targets.isRemote() ? targets.noUpscaler() : models.downloadingRefusal('upsampler') ?? upscalerMissing(installed!, catalog, state.canDownload));
    return engines.upsampler(model);
  };
  const reload = async (changed: readonly string[] = []): Promise<InstalledModels> => {
    installed = await findInstalledModels(store, catalog, undefined);
    engines.invalidate(changed);
    set(choicesFor(targets.offered(installed), state));
    return installed;
  };
  const models = createModelsController({
    catalog,
    createHost: (warn) => {
      warnSink = warn;
      return host;
    },
    pickFile: () => files.pickModelFile(),
    getState: () => state, set, reload, isBusy: () => state.phase !== 'idle' && state.phase !== 'confirming',
  });

  const showFaces = (faces: ListedFaces): void => {
    set({ faces: faces.faces.map((f, i) => ({ number: f.index + 1, score: f.score, thumbnail: faces.thumbnails[i] ?? '', isSelected: selected.has(f.index + 1) })) });
    if (image) setWeb({ boxes: boxesOf(faces.faces, selected, image.pixels) });
  };
  const thumbnails = async (pixels: PixelImage, faces: ListedFaces['faces']): Promise<string[]> => {
    return Promise.all(faces.map((f) => files.thumbnailUrl(faceThumbnail(pixels, f.box, THUMBNAIL_SIZE)).catch(() => '')));
  };
  const noFace = (name: string): Refusal => new Refusal('NO_FACE', `No face found in ${name}. Faces need to be at least about 10 pixels between the eyes; try another detector, or untick “Only the centre face”.`);

  const operate = async (phase: 'detecting' | 'restoring', body: (abort: AbortSource, pixels: PixelImage, name: string) => Promise<void>): Promise<void> => {
    if (state.phase !== 'idle' || web.isOpening) return;
    if (!image) {
      set({ status: { kind: 'error', text: 'Open a photo first: drop it on the page, or use Open image….' } });
      return;
    }
    const missing = !installed ? undefined : targets.isRemote() ? targets.refusal() ?? targets.missing(offered()) : models.missingRefusal(installed, chosenModel()?.entry?.id);
    if (missing) {
      set({ status: { kind: 'error', text: missing.message } });
      return;
    }
    const abort = createAbortSource();
    run = abort;
    set({ phase, progress: { fraction: 0, label: phase === 'detecting' ? 'Finding faces…' : 'Restoring…' } });
    let failure: PanelState['status'] | undefined;
    try {
      await body(abort, image.pixels, image.name);
    } catch (error) {
      failure = describeFailure(error);
    } finally {
      run = undefined;
      const note = fallbackNote(targets, state.status, 'this page');
      set({ phase: 'idle', progress: undefined, ...(failure ? { status: failure } : note ? { status: note } : {}) });
    }
  };
  const progress = (from: number, to: number) => (event: ProgressEvent): void => {
    if (state.phase === 'cancelling') return;
    const fraction = from + (to - from) * event.fraction;
    set({ progress: { fraction: Math.max(state.progress?.fraction ?? 0, fraction), label: stageLabel(event) } });
  };

  const restore = (): Promise<void> => operate('restoring', async (abort, pixels, name) => {
    const chosen = listed ? listed.faces.filter((f) => selected.has(f.index + 1)) : undefined;
    if (chosen && chosen.length === 0) throw new Refusal('NO_FACE_SELECTED', 'No face is ticked. Tick the faces to restore, or press Find faces again.');
    const scale = Number(state.upscaleId);
    const upsampler = scale > 1 ? await getUpsampler() : undefined;
    const restorer = await getRestorer();
    const strength = state.strength;
    const faceShare = upsampler ? 0.4 : 1;
    const result = await restorer.restore(pixels, {
      ...(chosen ? { faces: chosen } : { onlyCenterFace: state.isOnlyCenterFace }),
      upscale: scale, strength, signal: abort.signal, onProgress: progress(0, faceShare), shouldComposite: !upsampler,
    });
    if (result.faces.length === 0) throw noFace(name);
    let final = result;
    if (upsampler) {
      const background = await upsampler.upscale(pixels, { scale, signal: abort.signal, onProgress: progress(faceShare, 1) });
      final = { ...result, background };
    }
    const composite = upsampler ? restorer.composite(pixels, final, { strength }) : result.image!;
    last = { result: final, restorer, composite, strength };
    if (!chosen) {
      // A fresh detection: list what was restored, all ticked, so a re-run can leave some out.
      selected = new Set(result.faces.map((f) => f.index + 1));
      listed = { faces: result.faces.map(({ index, score, box, landmarks }) => ({ index, score, box, landmarks })), thumbnails: await thumbnails(pixels, result.faces) };
      showFaces(listed);
    }
    const stem = fileStem(name);
    setWeb({ result: { name: `${stem}-restored.png`, pixels: toWebPixels(composite) }, faceFiles: faceFilesOf(final, stem) });
    // The slider may have moved while the models ran: show the result at the strength the slider shows now.
    if (state.strength !== strength) {
      wanted = state.strength;
      void blend();
    }
    const n = result.faces.length;
    const size = scale > 1 ? ` at ×${scale} (${final.width}×${final.height})` : '';
    set({ canSetStrength: true, status: { kind: 'success', text: `Restored ${plural(n, 'face')}${size}. Drag the divider to compare; Face strength re-blends without running the model again.` } });
  });

  // Strength re-blends from the cached faces; slider moves that arrive during a blend collapse into the latest one.
  let blending = false;
  let wanted: number | undefined;
  const blend = async (): Promise<void> => {
    if (blending) return;
    blending = true;
    try {
      while (wanted !== undefined && last && image) {
        const strength = wanted;
        wanted = undefined;
        const composite = last.restorer.composite(image.pixels, last.result, { strength });
        last = { ...last, composite, strength };
        setWeb({ result: { name: web.result?.name ?? 'restored.png', pixels: toWebPixels(composite) } });
        await idleYield();
      }
    } finally {
      blending = false;
    }
  };

  const save = async (what: string, make: () => PixelImage | undefined, name: string): Promise<void> => {
    if (web.isSaving) return;
    const pixels = make();
    if (!pixels) {
      set({ status: { kind: 'error', text: `Nothing to save: ${what} is not there. Restore first.` } });
      return;
    }
    setWeb({ isSaving: true });
    try {
      files.save(await files.encodePng(pixels), name);
      set({ status: { kind: 'success', text: `Saved ${name} (${pixels.width}×${pixels.height}) to your downloads.` } });
    } catch (error) {
      set({ status: { kind: 'error', text: `${name} was not saved: ${describeFailure(error).text}` } });
    } finally {
      setWeb({ isSaving: false });
    }
  };

  const ready = (async () => {
    try {
      await targets.start();
      const present = await reload();
      await models.start(present);
      const missing = targets.isRemote() ? undefined : models.missingRefusal(present);
      set({ status: missing ? { kind: 'error', text: missing.message } : { kind: 'info', text: 'Open a photo (or drop it on the page), then press Restore, or Find faces to choose which.' } });
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
    get web() {
      return web;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async openImage(file) {
      if (state.phase !== 'idle' || web.isOpening) return;
      setWeb({ isOpening: true });
      try {
        const pixels = await files.decode(file, file.name);
        image = { pixels, name: file.name };
        listed = undefined;
        last = undefined;
        selected = new Set();
        setWeb({ image: { name: file.name, pixels: toWebPixels(pixels) }, boxes: [], result: undefined, faceFiles: [] });
        set({ faces: [], canSetStrength: false, status: { kind: 'info', text: `Opened ${file.name} (${pixels.width}×${pixels.height}). Press Restore, or Find faces to choose which.` } });
      } catch (error) {
        const text = error instanceof RestoreError || error instanceof Error ? error.message : String(error);
        set({ status: { kind: 'error', text: `${text.replace(/[.\s]+$/, '')}.${image ? ` ${image.name} is still open.` : ''}` } });
      } finally {
        setWeb({ isOpening: false });
      }
    },

    findFaces: () => operate('detecting', async (abort, pixels, name) => {
      const restorer = await getRestorer();
      const faces = await restorer.detect(pixels, { onlyCenterFace: state.isOnlyCenterFace, signal: abort.signal, onProgress: progress(0, 0.9) });
      if (faces.length === 0) throw noFace(name);
      selected = new Set(faces.map((f) => f.index + 1));
      listed = { faces, thumbnails: await thumbnails(pixels, faces) };
      showFaces(listed);
      set({ status: { kind: 'success', text: `Found ${plural(faces.length, 'face')} in ${name}. Untick any you want to leave alone, then press Restore.` } });
    }),

    restore,
    confirmRestore: restore,

    cancel() {
      if (!run || state.phase === 'cancelling') return;
      run.abort();
      set({ phase: 'cancelling', progress: state.progress && { ...state.progress, label: 'Cancelling…' } });
    },

    setStrength(strength, isFinal) {
      if (!(strength >= 0 && strength <= 1)) return;
      set({ strength });
      if (!last) return;
      wanted = strength;
      if (isFinal || !blending) void blend();
    },

    ...createChoiceSetters(() => state, set, () => {
      listed = undefined;
      setWeb({ boxes: [] });
    }),
    setFaceSelected(faceNumber, isSelected) {
      if (!listed) return;
      if (isSelected) selected.add(faceNumber);
      else selected.delete(faceNumber);
      showFaces(listed);
    },

    saveResult: () => save('the result', () => last?.composite, web.result?.name ?? 'restored.png'),
    saveFace(number, part) {
      const face = last?.result.faces.find((f) => f.index + 1 === number);
      const names = web.faceFiles.find((f) => f.number === number);
      const make = (): PixelImage | undefined => {
        if (!last || !face?.placement) return undefined;
        const { width, height } = last.result;
        return part === 'layer' ? faceLayerImage(face.placement, width, height) : faceMaskImage(face.placement, width, height);
      };
      return save(`face ${number}`, make, (part === 'layer' ? names?.layerName : names?.maskName) ?? `face-${number}-${part}.png`);
    },

    ...runOnMethods(targets, () => state.phase === 'idle', (text) => set({ status: { kind: 'error', text } })),

    downloadModel: (id) => models.downloadModel(id),
    cancelDownload: (id) => models.cancelDownload(id),
    importModel: () => models.importModel(),
    removeModel: (id) => models.removeModel(id),

    async dispose() {
      run?.abort();
      models.dispose();
      await engines.dispose();
    },
  };
}
