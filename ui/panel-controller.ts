/**
 * The contract between the Lit panel (ui/) and whatever drives it (the Photoshop host today, the web page later).
 * Elements render `state` and call the methods; they never import the engine or a host gateway.
 */

/** `confirming`: a restore that would take long waits for the user's go-ahead (see `confirmation`). */
export type PanelPhase = 'starting' | 'idle' | 'confirming' | 'detecting' | 'restoring' | 'cancelling';

export type StatusKind = 'info' | 'success' | 'warning' | 'error';

/** One line under the buttons: what happened, or why the plugin refused, in plain words. */
export interface PanelStatus {
  readonly kind: StatusKind;
  readonly text: string;
}

export interface PanelProgress {
  /** Overall progress in [0, 1]. */
  readonly fraction: number;
  /** What is happening now ("Restoring face 2 of 3", "Upscaling tile 4 of 12 · about 3 min left"). */
  readonly label: string;
}

/** Asked before a run that would take long: the estimate comes from this computer's measured speed. */
export interface PanelConfirmation {
  /** e.g. "Upscaling 12.0 MP to ×2 takes about 9 min on this computer." */
  readonly text: string;
  /** The estimate, seconds. */
  readonly seconds: number;
}

/** A detected face, listed after "Find faces" or a restore. */
export interface PanelFace {
  /** 1-based number shown to the user and used in layer names ("Face 1"). */
  readonly number: number;
  /** Detector confidence, 0..1. */
  readonly score: number;
  /** `data:image/jpeg;base64,…` thumbnail of the face, or '' when none could be made. */
  readonly thumbnail: string;
  readonly isSelected: boolean;
}

export interface PanelChoice {
  readonly id: string;
  readonly label: string;
}

/** The models' roles, in the order the Models section lists them. */
export type PanelModelRole = 'restorer' | 'detector' | 'upsampler';

/**
 * A model's state in the Models section. `installed`: on disk and usable. `partial`: an interrupted download waits
 * to resume. `missing`: downloadable, not there. `pth-only`: published only in a form the plugin cannot download
 * (PyTorch); the user imports an ONNX export of it.
 */
export type PanelModelState = 'installed' | 'partial' | 'missing' | 'pth-only';

/** One row of the Models section: a catalog model, or an imported / hand-placed file. */
export interface PanelModel {
  readonly id: string;
  readonly role: PanelModelRole;
  readonly name: string;
  /** "324 MB" (installed: the file's size; otherwise the catalog's), or '' when unknown. */
  readonly sizeLabel: string;
  readonly state: PanelModelState;
  /** Where it came from and how far it is trusted, its licence: "Checksum verified · github.com · Apache-2.0". */
  readonly detail: string;
  readonly isDownloading: boolean;
  /** While downloading: fraction 0..1 and "12.3 of 324.5 MB · 4.1 MB/s · 1 min left". */
  readonly progress?: PanelProgress;
  /** False for a file the panel cannot delete (none today; kept so a host can protect bundled models). */
  readonly canRemove: boolean;
}

/**
 * Where models run. `panel`: in this panel or page (onnxruntime-web). `local`: the local accelerator, `facerestore
 * serve` on this computer (onnxruntime-node, several times faster). `server`: a KServe v2 server at a URL the user
 * gives (`facerestore serve` elsewhere, Triton, KServe). Only model runs move; pixels are read and written here.
 */
export type RunTargetId = 'panel' | 'local' | 'server';

/** The last connection check: `untested` before any, `testing` while one runs. */
export type ConnectionKind = 'untested' | 'testing' | 'ok' | 'failed';

/** The "Run on" section. */
export interface PanelRunOn {
  readonly targetId: RunTargetId;
  /** The three targets with their labels ("This panel", "Local accelerator", "Server"). */
  readonly targets: readonly PanelChoice[];
  /** The URL the chosen remote target uses: fixed for `local`, as the user typed it for `server` ('' until typed). */
  readonly url: string;
  /** True when an access token is stored for `url` (the token itself never comes back to the UI). */
  readonly hasToken: boolean;
  /** The user allowed a run to finish here, slower, when the server cannot be reached. */
  readonly isFallbackAllowed: boolean;
  /** The last check of the chosen target: kind and one line (server, models it serves, round trip; or why not). */
  readonly connection: { readonly kind: ConnectionKind; readonly text: string };
}

/** "Run on" before the host has read the user's choice: here, nothing checked. */
export const INITIAL_RUN_ON: PanelRunOn = {
  targetId: 'panel', targets: [], url: '', hasToken: false, isFallbackAllowed: false, connection: { kind: 'untested', text: '' },
};

export interface PanelState {
  readonly phase: PanelPhase;
  readonly status: PanelStatus;
  /** Present while a detection or restore runs. */
  readonly progress: PanelProgress | undefined;
  /** Restore models found; empty when none is installed (status then says where to put them). */
  readonly models: readonly PanelChoice[];
  readonly modelId: string | undefined;
  readonly detectors: readonly PanelChoice[];
  readonly detectorId: string;
  readonly isOnlyCenterFace: boolean;
  readonly faces: readonly PanelFace[];
  /** Output scale choices (×1 = faces only, ×2, ×4) and the chosen one's id. */
  readonly upscales: readonly PanelChoice[];
  readonly upscaleId: string;
  /** Installed background upsamplers (Real-ESRGAN models); empty when none (×2/×4 then explain where to put one). */
  readonly upscalers: readonly PanelChoice[];
  readonly upscalerId: string | undefined;
  /** Present in phase 'confirming'. */
  readonly confirmation: PanelConfirmation | undefined;
  /** Face blend strength, 0..1 (shown as 0..100 %). */
  readonly strength: number;
  /** True once a restore made layers whose opacity the slider can change. */
  readonly canSetStrength: boolean;
  /** False when this host cannot run models at all (start-up probe); status explains why. */
  readonly canRun: boolean;
  /** The Models section: every catalog model plus imported ones, grouped by role in catalog order. */
  readonly catalogModels: readonly PanelModel[];
  /** True while an import is being read and checked (the Import button is disabled). */
  readonly isImporting: boolean;
  /** False when this host cannot download (no network permission or no fetch); Download buttons are hidden. */
  readonly canDownload: boolean;
  /** Where models run, and the connection to a server. */
  readonly runOn: PanelRunOn;
}

export interface PanelController {
  readonly state: PanelState;
  /** Calls `listener` after every state change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Detects faces in the active layer and lists them (all selected), without changing the document. */
  findFaces(): Promise<void>;
  /**
   * Restores the selected faces (or every face, when none were listed yet) into a new layer group; with ×2/×4 it
   * also enlarges the document and adds the upscaled layer. A long run first asks (phase 'confirming').
   */
  restore(): Promise<void>;
  /** Goes ahead with the restore that is waiting in phase 'confirming'. */
  confirmRestore(): Promise<void>;
  /** Cancels the running detection or restore (the document is left as it was), or declines a confirmation. */
  cancel(): void;
  /** Sets the last run's face opacity. `isFinal` is false while the slider is dragged, true on release. */
  setStrength(strength: number, isFinal: boolean): void;
  setModel(id: string): void;
  setUpscale(id: string): void;
  setUpscaler(id: string): void;
  setDetector(id: string): void;
  setOnlyCenterFace(isOnlyCenterFace: boolean): void;
  setFaceSelected(faceNumber: number, isSelected: boolean): void;
  /** Downloads (or resumes) a catalog model; runs beside restores, reports progress in its row. */
  downloadModel(id: string): Promise<void>;
  /** Stops a download; what arrived is kept so Download resumes it. */
  cancelDownload(id: string): void;
  /** Opens a file picker for an .onnx file, checks its contract and installs it under the role it fits. */
  importModel(): Promise<void>;
  /** Deletes an installed model (and any partial download of it). */
  removeModel(id: string): Promise<void>;
  /** Chooses where models run (idle only); a remote target is checked at once. Persisted. */
  setRunTarget(id: RunTargetId): void;
  /** The `server` target's URL (checked, then persisted); the connection state goes back to untested. */
  setServerUrl(url: string): void;
  /** Stores (or, with '', forgets) the access token for the current remote URL, in the host's secure storage. */
  setServerToken(token: string): Promise<void>;
  /** Allows or forbids finishing a run here when the server cannot be reached. Persisted. */
  setFallbackAllowed(isAllowed: boolean): void;
  /** Checks the chosen remote target: reachable, token accepted, which models it serves. */
  testConnection(): Promise<void>;
}
