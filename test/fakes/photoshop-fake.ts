/**
 * An in-memory Photoshop implementing exactly `PsModules` (src/host/photoshop/ps-api.ts), strict where Photoshop is
 * strict: edits need a modal scope, one modal scope at a time, history suspension and rollback, cancellation, imaging
 * data rules. Sources: DOCS ps-reference/media/executeasmodal.md, batchplay.md, imaging.md; ../shared/docs/uxp-platform.md
 * §1–§3. Behaviour without a public source is marked UNVERIFIED / guess at the place it is faked.
 *
 * Files: fake-document.ts (layers, history, DOM handles), fake-imaging.ts (pixels, image data), fake-uxp.ts (uxp, fs).
 */
import { AsyncLocalStorage } from 'async_hooks';
import type {
  PanelEntry, PsAction, PsApp, PsBounds, PsCore, PsDescriptor, PsDocument, PsExecutionContext, PsHistorySuspension, PsModalOptions, PsModules,
} from '../../src/host/photoshop/ps-api';
import {
  FakeDocument, FakeHost, PhotoshopError, type DocModel, type DocumentSnapshot, type DocumentSpec, type ModalGuard,
} from './fake-document';
import { blankRaster, createFakeImaging, ImageDataRegistry, maxValue, type PixelArray, type PutRecord } from './fake-imaging';
import { createFakeUxp, type FakeUxpOptions } from './fake-uxp';

export type { DocumentSnapshot, DocumentSpec, LayerSnapshot, LayerSpec, MaskSpec, PixelsSpec } from './fake-document';
export type { PutRecord } from './fake-imaging';

export interface FakePhotoshopOptions extends FakeUxpOptions {
  /** This plugin's id, named in collision errors when it collides with itself; default the manifest's. */
  pluginId?: string;
  /** putLayerMask throws on a layer with no user mask yet (to exercise a batchPlay "make mask" fallback). */
  putLayerMaskNeedsExistingMask?: boolean;
  /** See HostOptions.newLayerIntoActiveGroup (default true, UNVERIFIED). */
  newLayerIntoActiveGroup?: boolean;
  /** executeAsModal `timeOut` when the plugin gives none; executeasmodal.md: "Defaults to one second". */
  defaultModalTimeOutSeconds?: number;
}

export interface ModalCallRecord {
  readonly commandName: string;
  readonly interactive: boolean;
  readonly timeOut: number | undefined;
  readonly nested: boolean;
}

export interface ProgressRecord {
  readonly value: number | undefined;
  readonly commandName: string | undefined;
}

export interface RasterView {
  readonly bounds: PsBounds;
  readonly channels: number;
  readonly data: PixelArray;
}

export interface FakePhotoshop {
  readonly modules: PsModules;
  /** Opens a document and makes it `app.activeDocument`. */
  openDocument(spec: DocumentSpec): PsDocument;
  /** Another plugin enters a modal state until the returned function is called. */
  holdModal(pluginId: string): () => void;
  /** The user presses Cancel / Esc in the running modal scope. */
  cancelModal(reason?: string): void;
  /** True while one of this plugin's modal scopes runs. */
  isModal(): boolean;
  /** Deep, comparable plain copy of a document (default: the active one). */
  snapshot(doc?: PsDocument | number): DocumentSnapshot;
  /** Layer pixels cropped to the layer bounds, at document depth; null when empty. */
  layerPixels(layerId: number): RasterView | null;
  /** The user mask over the whole canvas, at document depth; null when the layer has none. */
  layerMask(layerId: number): RasterView | null;
  /** History state names, oldest first ("Open" first). */
  history(doc?: PsDocument | number): string[];
  /** The panels the plugin gave `uxp.entrypoints.setup`, or null before it called it. */
  registeredPanels(): Readonly<Record<string, PanelEntry>> | null;
  /** PhotoshopImageData objects created and not yet disposed. */
  liveImageData(): number;
  readonly modalCalls: readonly ModalCallRecord[];
  readonly progressReports: readonly ProgressRecord[];
  readonly putCalls: readonly PutRecord[];
}

const MANIFEST_ID = 'com.facerestore.photoshop'; // manifest.json "id"

interface ScopeState {
  active: boolean;
  cancelled: boolean;
}

/** One running executeAsModal call. */
interface Scope extends ScopeState {
  readonly context: PsExecutionContext;
}

class ModalController implements ModalGuard {
  readonly calls: ModalCallRecord[] = [];
  readonly progress: ProgressRecord[] = [];
  host!: FakeHost;
  private readonly stack: Scope[] = [];
  private readonly als = new AsyncLocalStorage<Scope>();
  private heldBy: string | null = null;
  private waiters: (() => void)[] = [];

  constructor(private readonly pluginId: string, private readonly defaultTimeOut: number, private readonly hostVersion: string) {}

  get running(): boolean {
    return this.stack.length > 0;
  }

  private get cancelled(): boolean {
    return this.stack.some((s) => s.cancelled);
  }

  assertUsable(): void {
    // executeasmodal.md: after a cancel, "Photoshop APIs such as batchPlay will raise an exception". Wording UNVERIFIED;
    // -128 is batchplay.md's "user cancelled the operation" result code.
    if (this.cancelled) throw new PhotoshopError('The user cancelled the operation (modal scope cancelled)', -128);
  }

  assertCanEdit(event: string): void {
    this.assertUsable();
    // Wording seen in public plugin code and the Adobe "your first plugin" tutorial; number/code 1000 from public code.
    if (!this.running) throw new PhotoshopError(`Event: ${event} may modify the state of Photoshop. Such events are only allowed from inside a modal scope`, 1000, '1000');
  }

  async executeAsModal<T>(target: (context: PsExecutionContext, descriptor?: object) => Promise<T>, options: PsModalOptions): Promise<T> {
    // executeasmodal.md options table: commandName is **required**.
    if (typeof options !== 'object' || options === null || typeof options.commandName !== 'string' || options.commandName === '') {
      throw new TypeError('executeAsModal: options.commandName is required');
    }
    if (typeof target !== 'function') throw new TypeError('executeAsModal: the target must be a function');
    const parent = this.als.getStore();
    // executeasmodal.md Notes: nested scopes are allowed. "Nested" = called from inside a running target function's
    // async context; a parallel call from outside (e.g. a missing await) collides like another plugin would.
    const nested = parent !== undefined && parent.active;
    this.calls.push({ commandName: options.commandName, interactive: options.interactive === true, timeOut: options.timeOut, nested });
    if (nested) this.assertUsable();
    const scope = nested ? this.enter() : await this.acquire(options.timeOut ?? this.defaultTimeOut);
    let threw = false;
    try {
      return await this.als.run(scope, async () => {
        await Promise.resolve(); // the target runs after Photoshop entered the modal state
        return target(scope.context, {});
      });
    } catch (e) {
      threw = true;
      throw e;
    } finally {
      scope.active = false;
      this.stack.splice(this.stack.indexOf(scope), 1);
      if (!this.running) {
        // executeasmodal.md: at scope end unresumed suspensions commit if the target returned normally, else roll back.
        // Done when the outermost scope ends, since nested scopes share one modal state (UNVERIFIED detail).
        for (const doc of this.host.docs.values()) this.host.resume(doc, !threw);
        this.wake();
      }
    }
  }

  /**
   * One modal state at a time (executeasmodal.md). Since 25.10 a blocked call retries for `timeOut` seconds and then
   * fails naming the holder, "Plugin: <id> is running a modal command"; before, it failed at once with "host is in a
   * modal state". Either way `number` is 9 (the doc's sample checks `e.number == 9`).
   */
  private async acquire(timeOutSeconds: number): Promise<Scope> {
    const [major, minor] = this.hostVersion.split('.').map(Number);
    const retries = major > 25 || (major === 25 && minor >= 10);
    const deadline = Date.now() + (retries ? timeOutSeconds * 1000 : 0);
    while (this.running || this.heldBy !== null) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new PhotoshopError(retries ? `Plugin: ${this.heldBy ?? this.pluginId} is running a modal command` : 'host is in a modal state', 9);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.enter(); // synchronously after the check, so two woken callers cannot both enter
  }

  private enter(): Scope {
    const state: ScopeState = { active: true, cancelled: false };
    const scope: Scope = Object.assign(state, { context: this.makeContext(state) });
    this.stack.push(scope);
    return scope;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  hold(pluginId: string): () => void {
    if (this.running || this.heldBy !== null) throw new Error('holdModal: Photoshop is already in a modal state');
    this.heldBy = pluginId;
    return () => {
      if (this.heldBy === pluginId) {
        this.heldBy = null;
        this.wake();
      }
    };
  }

  cancel(reason: string): void {
    if (!this.running) throw new Error('cancelModal: no modal scope is running');
    for (const scope of [...this.stack].reverse()) {
      scope.cancelled = true;
      scope.context.onCancel?.({ reason });
    }
  }

  private makeContext(scope: ScopeState): PsExecutionContext {
    const live = (what: string): void => {
      if (!scope.active) throw new Error(`${what}: the modal scope of this execution context has ended`);
      this.assertUsable();
    };
    const context: PsExecutionContext = {
      get isCancelled() {
        return scope.cancelled;
      },
      onCancel: undefined,
      reportProgress: (opts) => {
        live('reportProgress');
        // executeasmodal.md reportProgress: "a value between 0 and 1". Out-of-range throwing is the fake's strictness.
        if (opts.value !== undefined && !(typeof opts.value === 'number' && opts.value >= 0 && opts.value <= 1)) {
          throw new RangeError(`reportProgress: value ${String(opts.value)} is outside [0, 1]`);
        }
        this.progress.push({ value: opts.value, commandName: opts.commandName });
      },
      hostControl: {
        suspendHistory: async (opts) => {
          live('suspendHistory');
          return this.host.suspend(this.host.requireDoc(opts.documentID), opts.name);
        },
        resumeHistory: async (suspension: PsHistorySuspension & { finalName?: string }, commit = true) => {
          live('resumeHistory'); // executeasmodal.md: resuming in another (nested) scope than the suspending one is allowed
          const doc = this.host.findSuspension(suspension.historySuspensionID);
          if (!doc) throw new Error(`resumeHistory: no suspended history with id ${suspension.historySuspensionID}`);
          if (suspension.finalName !== undefined) doc.suspension!.token.finalName = suspension.finalName;
          this.host.resume(doc, commit);
        },
      },
    };
    return context;
  }
}

// ---- batchPlay -------------------------------------------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (v: unknown, expected: Record<string, unknown>): boolean =>
  isRecord(v) && Object.keys(v).length === Object.keys(expected).length && Object.entries(expected).every(([k, e]) => v[k] === e);
const onlyKeys = (d: PsDescriptor, allowed: string[]): boolean => Object.keys(d).every((k) => allowed.includes(k));

/** batchplay.md "Result value": a failing command resolves with an error descriptor instead of rejecting. */
const failure = (message: string, result: number): PsDescriptor => ({ _obj: 'error', message, result });

function createAction(host: FakeHost, modal: ModalController): PsAction {
  function select(d: PsDescriptor): PsDescriptor {
    const target = d._target as unknown[];
    const layerRef = target[0] as { _id: number };
    const docRef = target[1];
    modal.assertCanEdit('select'); // public plugin code: "Event: select may modify the state of Photoshop"
    let doc: DocModel;
    try {
      doc = host.resolveDocument(isRecord(docRef) && typeof docRef._id === 'number' ? docRef._id : undefined);
    } catch {
      return failure('The object “current document” is not currently available.', -25922);
    }
    if (!host.locate(doc, layerRef._id)) return failure(`The object “layer ${layerRef._id}” is not currently available.`, -25922); // UNVERIFIED text
    doc.state.activeLayerIds = [layerRef._id]; // selecting adds no history state (UNVERIFIED)
    return { _obj: 'select' };
  }

  function makeMask(): PsDescriptor {
    modal.assertCanEdit('make');
    const doc = host.activeDocumentId === null ? undefined : host.docs.get(host.activeDocumentId);
    if (!doc) return failure('The object “current document” is not currently available.', -25922); // batchplay.md example
    const loc = doc.state.activeLayerIds.map((id) => host.locate(doc, id)).find((l) => l !== null);
    // Failures below: PS refuses these in the UI too; messages and codes UNVERIFIED.
    if (!loc) return failure('The object “current layer” is not currently available.', -25922);
    if (loc.node.isBackground || loc.node.mask !== null || loc.node.allLocked) return failure('The command “Make” is not currently available.', -25920);
    const depth = host.depthOf(doc);
    loc.node.mask = blankRaster(doc.state.width, doc.state.height, 1, depth, maxValue(depth)); // revealAll
    host.commitEdit(doc, 'Add Layer Mask');
    return { _obj: 'make' };
  }

  const isSelect = (d: PsDescriptor): boolean => {
    const t = d._target;
    return d._obj === 'select' && Array.isArray(t) && t.length >= 1 && t.length <= 2 && isRecord(t[0]) && t[0]._ref === 'layer'
      && typeof t[0]._id === 'number' && Object.keys(t[0]).length === 2 && (t.length === 1 || (isRecord(t[1]) && t[1]._ref === 'document'))
      && (d.makeVisible === undefined || d.makeVisible === false) && onlyKeys(d, ['_obj', '_target', 'makeVisible', 'layerID', '_isCommand', '_options']);
  };
  // uxp-platform.md §1.5: the reveal-all mask recipe used by many public plugins.
  const isMakeMask = (d: PsDescriptor): boolean => d._obj === 'make' && same(d.new, { _class: 'channel' })
    && same(d.at, { _ref: 'channel', _enum: 'channel', _value: 'mask' }) && same(d.using, { _enum: 'userMaskEnabled', _value: 'revealAll' })
    && onlyKeys(d, ['_obj', 'new', 'at', 'using', '_isCommand', '_options']);

  return {
    async batchPlay(commands: PsDescriptor[], options: object): Promise<PsDescriptor[]> {
      // batchplay.md: invalid arguments reject, e.g. "Argument 1 has an invalid type. Expected type: array actual type: boolean".
      if (!Array.isArray(commands)) throw new Error(`Argument 1 has an invalid type. Expected type: array actual type: ${typeof commands}`);
      modal.assertUsable();
      const continueOnError = isRecord(options) && options.continueOnError === true;
      const results: PsDescriptor[] = [];
      for (const d of commands) {
        if (!isRecord(d) || !(isSelect(d) || isMakeMask(d))) throw new Error(`batchPlay: ${JSON.stringify(d)} is not implemented in fake`);
        const result = isSelect(d) ? select(d) : makeMask();
        results.push(result);
        if (result._obj === 'error' && !continueOnError) break; // batchplay.md continueOnError (default false)
      }
      return results;
    },
  };
}

// ---- assembly --------------------------------------------------------------------------------------------------------

export function createFakePhotoshop(options: FakePhotoshopOptions = {}): FakePhotoshop {
  const { uxp, fs, localStorage, registeredPanels } = createFakeUxp(options);
  const modal = new ModalController(options.pluginId ?? MANIFEST_ID, options.defaultModalTimeOutSeconds ?? 1, uxp.host.version);
  const host = new FakeHost(modal, { newLayerIntoActiveGroup: options.newLayerIntoActiveGroup ?? true });
  modal.host = host;
  const registry = new ImageDataRegistry();
  const putCalls: PutRecord[] = [];
  const imaging = createFakeImaging(host, registry, putCalls, { putLayerMaskNeedsExistingMask: options.putLayerMaskNeedsExistingMask === true });

  const app: PsApp = {
    // photoshop.md activeDocument: null when no document is open.
    get activeDocument() {
      modal.assertUsable();
      return host.activeDocumentId === null ? null : new FakeDocument(host, host.activeDocumentId);
    },
    get documents() {
      modal.assertUsable();
      return [...host.docs.keys()].map((id) => new FakeDocument(host, id));
    },
  };
  const core: PsCore = { executeAsModal: (target, opts) => modal.executeAsModal(target, opts) };
  const docOf = (doc?: PsDocument | number): DocModel => {
    const id = typeof doc === 'number' ? doc : doc?.id ?? host.activeDocumentId;
    const model = id === null ? undefined : host.docs.get(id);
    if (!model) throw new Error(`fake: no document ${String(id)}`);
    return model;
  };

  return {
    modules: { app, core, imaging, action: createAction(host, modal), uxp, fs, localStorage },
    openDocument: (spec) => new FakeDocument(host, host.openDocument(spec).id),
    holdModal: (pluginId) => modal.hold(pluginId),
    cancelModal: (reason = 'User cancelled') => modal.cancel(reason), // reason text UNVERIFIED
    isModal: () => modal.running,
    snapshot: (doc) => host.snapshot(docOf(doc)),
    layerPixels: (layerId) => host.rasterView(layerId, 'pixels'),
    layerMask: (layerId) => host.rasterView(layerId, 'mask'),
    history: (doc) => [...docOf(doc).history],
    registeredPanels,
    liveImageData: () => registry.live.size,
    modalCalls: modal.calls,
    progressReports: modal.progress,
    putCalls,
  };
}
