/**
 * Test-only helpers for the ui/ jest suites (jsdom): a fake PanelController and mount/query/event helpers.
 * Not imported by the panel itself.
 */
import { mountPanel, type PanelController, type PanelState } from './index';
import type { PanelRunOn, RunTargetId } from './panel-controller';
import type { LitElement } from 'lit';
import type { FrPanel } from './fr-panel';

export type Call = readonly [method: string, ...args: unknown[]];

/** A stand-in controller: mutable state, a listener set, and a log of every method call. */
export class FakeController implements PanelController {
  state: PanelState;
  readonly calls: Call[] = [];
  readonly listeners = new Set<() => void>();

  constructor(overrides: Partial<PanelState> = {}) {
    this.state = { ...BASE_STATE, ...overrides };
  }

  /** Changes the state and notifies, as the real controller does after each change. */
  update(patch: Partial<PanelState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async findFaces(): Promise<void> { this.calls.push(['findFaces']); }
  async restore(): Promise<void> { this.calls.push(['restore']); }
  async confirmRestore(): Promise<void> { this.calls.push(['confirmRestore']); }
  cancel(): void { this.calls.push(['cancel']); }
  setStrength(strength: number, isFinal: boolean): void { this.calls.push(['setStrength', strength, isFinal]); }
  setModel(id: string): void { this.calls.push(['setModel', id]); }
  setUpscale(id: string): void { this.calls.push(['setUpscale', id]); }
  setUpscaler(id: string): void { this.calls.push(['setUpscaler', id]); }
  setDetector(id: string): void { this.calls.push(['setDetector', id]); }
  setOnlyCenterFace(isOnlyCenterFace: boolean): void { this.calls.push(['setOnlyCenterFace', isOnlyCenterFace]); }
  setFaceSelected(faceNumber: number, isSelected: boolean): void { this.calls.push(['setFaceSelected', faceNumber, isSelected]); }
  async downloadModel(id: string): Promise<void> { this.calls.push(['downloadModel', id]); }
  cancelDownload(id: string): void { this.calls.push(['cancelDownload', id]); }
  async importModel(): Promise<void> { this.calls.push(['importModel']); }
  async removeModel(id: string): Promise<void> { this.calls.push(['removeModel', id]); }
  setRunTarget(id: RunTargetId): void { this.calls.push(['setRunTarget', id]); }
  setServerUrl(url: string): void { this.calls.push(['setServerUrl', url]); }
  async setServerToken(token: string): Promise<void> { this.calls.push(['setServerToken', token]); }
  setFallbackAllowed(isAllowed: boolean): void { this.calls.push(['setFallbackAllowed', isAllowed]); }
  async testConnection(): Promise<void> { this.calls.push(['testConnection']); }
}

/** "Run on" as a fresh panel has it: this panel, the three targets, nothing stored, never checked. */
export const RUN_ON: PanelRunOn = {
  targetId: 'panel',
  targets: [{ id: 'panel', label: 'This panel' }, { id: 'local', label: 'Local accelerator' }, { id: 'server', label: 'Server' }],
  url: '',
  hasToken: false,
  isFallbackAllowed: false,
  connection: { kind: 'untested', text: '' },
};

export const BASE_STATE: PanelState = {
  phase: 'idle',
  status: { kind: 'info', text: 'Ready.' },
  progress: undefined,
  models: [{ id: 'gfpgan-1.4', label: 'GFPGAN 1.4' }, { id: 'gfpgan-1.3', label: 'GFPGAN 1.3' }],
  modelId: 'gfpgan-1.4',
  detectors: [{ id: 'yunet', label: 'YuNet' }, { id: 'retinaface', label: 'RetinaFace' }],
  detectorId: 'yunet',
  isOnlyCenterFace: false,
  faces: [],
  upscales: [{ id: '1', label: '×1 · faces only' }, { id: '2', label: '×2' }, { id: '4', label: '×4' }],
  upscaleId: '1',
  upscalers: [],
  upscalerId: undefined,
  confirmation: undefined,
  strength: 1,
  canSetStrength: false,
  canRun: true,
  catalogModels: [],
  isImporting: false,
  canDownload: true,
  runOn: RUN_ON,
};

/** A Models section: one of each state, and a download in progress. */
export const CATALOG_MODELS: PanelState['catalogModels'] = [
  { id: 'gfpgan-1.4', role: 'restorer', name: 'GFPGAN v1.4', sizeLabel: '324.5 MB', state: 'installed', detail: 'Checksum verified · github.com · Apache-2.0', isDownloading: false, canRemove: true },
  { id: 'gfpgan-1.3', role: 'restorer', name: 'GFPGAN v1.3', sizeLabel: '324.5 MB', state: 'missing', detail: 'From github.com · Apache-2.0', isDownloading: true, progress: { fraction: 0.25, label: '81.1 of 324.5 MB · 4.1 MB/s · 1 min left' }, canRemove: true },
  { id: 'codeformer', role: 'restorer', name: 'CodeFormer', sizeLabel: '', state: 'pth-only', detail: 'Published only as a PyTorch checkpoint: import an ONNX export of it', isDownloading: false, canRemove: true },
  { id: 'yunet-2023mar', role: 'detector', name: 'YuNet 2023mar', sizeLabel: '227 KB', state: 'partial', detail: '100 KB downloaded; Download resumes it', isDownloading: false, canRemove: true },
  { id: 'gfpgan-1.2', role: 'restorer', name: 'GFPGAN v1.2', sizeLabel: '324.5 MB', state: 'missing', detail: 'From github.com', isDownloading: false, canRemove: true },
];

export const UPSCALERS: PanelState['upscalers'] = [
  { id: 'realesrgan-x4plus', label: 'Real-ESRGAN x4plus' },
  { id: 'realesr-general-x4v3', label: 'Real-ESRGAN general x4v3' },
];

export const FACES: PanelState['faces'] = [
  { number: 1, score: 0.971, thumbnail: 'data:image/jpeg;base64,AAAA', isSelected: true },
  { number: 2, score: 0.5, thumbnail: '', isSelected: false },
];

export interface Mounted {
  readonly panel: FrPanel;
  readonly root: HTMLElement;
  readonly unmount: () => void;
}

const mounted: Mounted[] = [];

/** Mounts a panel into a fresh root in the document and waits for its first render (and its child elements'). */
export async function mount(controller: PanelController): Promise<Mounted> {
  const root = document.createElement('div');
  document.body.appendChild(root);
  const unmount = mountPanel(root, controller);
  const panel = root.querySelector('fr-panel');
  if (panel === null) throw new Error('mountPanel appended no <fr-panel>');
  const result = { panel, root, unmount };
  mounted.push(result);
  await settle(panel);
  return result;
}

/** Unmounts everything `mount` created; call from `afterEach`. */
export function unmountAll(): void {
  for (const { root, unmount } of mounted.splice(0)) {
    unmount();
    root.remove();
  }
}

/** Waits until the panel and every fr-* element it rendered have finished updating. */
export async function settle(panel: FrPanel): Promise<void> {
  await panel.updateComplete;
  for (const child of panel.querySelectorAll('fr-run-on, fr-face-list, fr-run-progress, fr-upscale, fr-models')) {
    await (child as LitElement).updateComplete;
  }
}

export function query(panel: Element, selector: string): HTMLElement {
  const element = panel.querySelector<HTMLElement>(selector);
  if (element === null) throw new Error(`nothing matches ${selector}`);
  return element;
}

/** jsdom knows no sp-* widgets: put the value where UXP puts it (on the target), then fire the event. */
export function fire(element: HTMLElement, type: string, targetProps: Record<string, unknown> = {}): void {
  Object.assign(element, targetProps);
  element.dispatchEvent(new Event(type, { bubbles: true }));
}
