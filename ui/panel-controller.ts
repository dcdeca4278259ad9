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
}
