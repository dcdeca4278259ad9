/**
 * In-memory Photoshop documents: the layer tree, history and suspension, and the `Document` / `Layer` DOM handles.
 * Sources: DOCS ps-reference/classes/document.md, layer.md, @types/photoshop dom/Layer.d.ts + Constants.d.ts,
 * ../shared/docs/uxp-platform.md §1.10, §2. Guesses are marked UNVERIFIED.
 *
 * Model: a document's `state` (canvas size, resolution, layer tree, active layer ids) is plain data. Rasters are immutable
 * once stored, so a suspension can save the state with a cheap deep clone and a rollback is an assignment. Handles hold only ids and look
 * the layer up on every access, so a deleted layer's handle throws and a rolled-back one works again.
 */
import type { PsBounds, PsDocument, PsLayer, PsLayerCreateOptions, PsPlacement, PsResampleMethod } from '../../src/host/photoshop/ps-api';
import {
  alphaBounds, blankRaster, blit, crop, depthOfArray, isEmpty, maxValue, resampleRaster, ZERO_BOUNDS, type Depth, type PixelArray, type Raster,
  type ResampleKernel,
} from './fake-imaging';

/** An error carrying Photoshop's `number` (and `code`) as the real ones do. */
export class PhotoshopError extends Error {
  constructor(message: string, readonly number?: number, readonly code?: string) {
    super(message);
    this.name = 'Error';
  }
}

/** Modal-scope rules the documents obey; implemented by the executeAsModal fake. */
export interface ModalGuard {
  /** Throws unless this plugin is inside a modal scope that was not cancelled (executeasmodal.md). */
  assertCanEdit(event: string): void;
  /** Throws after the user cancelled the running modal scope: "Photoshop APIs … raise an exception" (executeasmodal.md). */
  assertUsable(): void;
}

/** Pixels in document coordinates at the document's depth; `channels` = colour channels, plus one if it has alpha. */
export interface PixelsSpec {
  left: number;
  top: number;
  width: number;
  height: number;
  channels: number;
  data: PixelArray;
}

/** A user mask: `fill` everywhere (default 255-equivalent, reveal all), then `pixels` (one channel) placed on it. */
export interface MaskSpec {
  fill?: number;
  pixels?: Omit<PixelsSpec, 'channels'>;
}

export interface LayerSpec {
  name: string;
  /** A `constants.LayerKind` value; default "pixel". */
  kind?: string;
  isBackground?: boolean;
  allLocked?: boolean;
  opacity?: number;
  visible?: boolean;
  pixels?: PixelsSpec;
  mask?: MaskSpec;
  /** Group children, top of the stack first. */
  children?: LayerSpec[];
}

export interface DocumentSpec {
  title?: string;
  width: number;
  height: number;
  /** Pixels per inch (`Document.resolution`); default 72, the fake's choice. */
  resolution?: number;
  /** A `constants.DocumentMode` value; default "RGBColorMode". */
  mode?: string;
  /** A `constants.BitsPerChannelType` value; default "bitDepth8". */
  bitsPerChannel?: string;
  colorProfile?: string;
  /** Top of the stack first; a Background layer must be the last top-level entry. */
  layers: LayerSpec[];
  /** Name of the active layer; default the first layer of `layers`; null = no active layer. */
  activeLayer?: string | null;
}

export interface LayerNode {
  readonly id: number;
  name: string;
  readonly kind: string;
  opacity: number;
  visible: boolean;
  readonly isBackground: boolean;
  readonly allLocked: boolean;
  /** Canvas-sized; null = no pixel data. Background: colour channels only; other layers: colour + alpha. */
  pixels: Raster | null;
  /** Canvas-sized single channel at document depth; null = no user mask. */
  mask: Raster | null;
  /** Groups only; top first. */
  readonly children: LayerNode[] | null;
}

/** Everything an edit can change, so a suspension's saved copy can restore it (resizeImage changes the canvas size). */
export interface DocState {
  /** Canvas size in pixels; every stored raster has this size. */
  width: number;
  height: number;
  /** Pixels per inch. */
  resolution: number;
  layers: LayerNode[];
  activeLayerIds: number[];
}

export interface Suspension {
  readonly id: number;
  readonly name: string;
  /** The object handed to the plugin: it may set `finalName` on it (executeasmodal.md). */
  readonly token: { historySuspensionID: number; finalName?: string };
  readonly saved: DocState;
  changed: boolean;
}

export interface DocModel {
  readonly id: number;
  readonly title: string;
  readonly mode: string;
  readonly bitsPerChannel: string;
  readonly colorProfile: string;
  /** Canvas size and resolution live here (`state.width` …), not on the model: a rollback must restore them. */
  state: DocState;
  readonly history: string[];
  suspension: Suspension | null;
  counters: { layer: number; group: number };
}

export interface Located {
  readonly node: LayerNode;
  readonly parent: LayerNode | null;
  readonly siblings: LayerNode[];
  readonly index: number;
}

export interface RasterSnapshot {
  channels: number;
  data: PixelArray;
}

export interface LayerSnapshot {
  id: number;
  name: string;
  kind: string;
  opacity: number;
  visible: boolean;
  isBackground: boolean;
  allLocked: boolean;
  bounds: PsBounds;
  pixels: RasterSnapshot | null;
  mask: RasterSnapshot | null;
  children: LayerSnapshot[] | null;
}

export interface DocumentSnapshot {
  id: number;
  title: string;
  mode: string;
  bitsPerChannel: string;
  width: number;
  height: number;
  resolution: number;
  activeLayerIds: number[];
  layers: LayerSnapshot[];
}

const DEPTHS: Readonly<Record<string, Depth>> = { bitDepth8: 8, bitDepth16: 16, bitDepth32: 32 };

/** Not-found wording modelled on batchplay.md's "The object “current document” is not currently available." (UNVERIFIED for DOM). */
const notAvailable = (what: string): PhotoshopError => new PhotoshopError(`The object “${what}” is not currently available.`, -25922);

const cloneNode = (n: LayerNode): LayerNode => ({ ...n, children: n.children ? n.children.map(cloneNode) : null });
const cloneState = (s: DocState): DocState => ({ ...s, layers: s.layers.map(cloneNode), activeLayerIds: [...s.activeLayerIds] });

function locate(list: LayerNode[], id: number, parent: LayerNode | null): Located | null {
  for (let index = 0; index < list.length; index++) {
    const node = list[index];
    if (node.id === id) return { node, parent, siblings: list, index };
    const inner = node.children ? locate(node.children, id, node) : null;
    if (inner) return inner;
  }
  return null;
}

function findByName(list: LayerNode[], name: string): LayerNode | null {
  for (const n of list) {
    if (n.name === name) return n;
    const inner = n.children ? findByName(n.children, name) : null;
    if (inner) return inner;
  }
  return null;
}

const subtreeIds = (n: LayerNode): number[] => [n.id, ...(n.children ?? []).flatMap(subtreeIds)];

function checkOpacity(v: unknown): number {
  // layer.md: opacity in percent. Range check and wording are the fake's (UNVERIFIED).
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) throw new RangeError(`Invalid opacity ${String(v)}: expected a number in 0..100`);
  return v;
}

export interface ResizeArgs {
  width?: unknown;
  height?: unknown;
  resolution?: unknown;
  resampleMethod?: unknown;
  amount?: unknown;
}

/** Adobe Photoshop user guide (CS5 manual, "File size"): "Photoshop supports a maximum pixel dimension of 300,000 by 300,000 pixels per image". */
export const MAX_PIXELS_PER_SIDE = 300000;

/** constants.md §ResampleMethod values → the fake's kernel; "none" ("Currently unsupported") is refused. */
const RESAMPLE_KERNELS: Readonly<Record<Exclude<PsResampleMethod, 'none'>, ResampleKernel>> = {
  bicubicAutomatic: 'bilinear', bicubic: 'bilinear', bicubicSharper: 'bilinear', bicubicSmoother: 'bilinear', bilinear: 'bilinear',
  preserveDetailsUpscale: 'bilinear', deepUpscale: 'bilinear', nearestNeighbor: 'nearest',
};

/** Checks resizeImage's arguments and works out the new size (rules and their sources: FakeHost.resizeImage). */
function resizeTarget(state: DocState, a: ResizeArgs): { width: number; height: number; resolution: number; kernel: ResampleKernel } {
  const fail = (what: string): never => {
    throw new PhotoshopError(`resizeImage: ${what} (fake validation; Photoshop's wording UNVERIFIED)`);
  };
  const size = (name: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_PIXELS_PER_SIDE) {
      return fail(`${name} must be a whole number of pixels in 1..${MAX_PIXELS_PER_SIDE}, got ${String(v)}`);
    }
    return v;
  };
  let width = size('width', a.width), height = size('height', a.height);
  const resolution = a.resolution === undefined ? undefined : typeof a.resolution === 'number' && Number.isFinite(a.resolution) && a.resolution > 0
    ? a.resolution : fail(`resolution must be a positive number of pixels per inch, got ${String(a.resolution)}`);
  const method = a.resampleMethod ?? 'bilinear';
  if (method === 'none') fail('ResampleMethod.NONE is "Currently unsupported" (Constants.d.ts)');
  const kernel = typeof method === 'string' && Object.hasOwn(RESAMPLE_KERNELS, method) ? RESAMPLE_KERNELS[method as keyof typeof RESAMPLE_KERNELS] : fail(`unknown resampleMethod ${JSON.stringify(method)}`);
  if (a.amount !== undefined && !(typeof a.amount === 'number' && a.amount >= 0 && a.amount <= 100)) fail(`amount must be in 0..100, got ${String(a.amount)}`);
  const scaled = (v: number, f: number): number => Math.max(1, Math.round(v * f));
  if (width === undefined && height === undefined) {
    if (resolution === undefined) fail('give a width, a height or a resolution');
    width = scaled(state.width, resolution! / state.resolution);
    height = scaled(state.height, resolution! / state.resolution);
  } else if (height === undefined) height = scaled(state.height, width! / state.width);
  else if (width === undefined) width = scaled(state.width, height / state.height);
  if (width! > MAX_PIXELS_PER_SIDE || height! > MAX_PIXELS_PER_SIDE) fail(`the result ${width}×${height} exceeds ${MAX_PIXELS_PER_SIDE} px per side`);
  return { width: width!, height: height!, resolution: resolution ?? state.resolution, kernel };
}

export interface HostOptions {
  /**
   * A new layer/group goes to the top of the active layer when that is a group (Photoshop's Layers panel behaviour as
   * remembered; UNVERIFIED for the DOM); false = always directly above the active layer.
   */
  readonly newLayerIntoActiveGroup: boolean;
}

export class FakeHost {
  readonly docs = new Map<number, DocModel>();
  activeDocumentId: number | null = null;
  private nextLayerId = 1;
  private nextDocId = 101; // distinct from layer ids so mixing the two up fails in tests
  private nextSuspensionId = 1;

  constructor(readonly guard: ModalGuard, private readonly options: HostOptions) {}

  // ---- documents -----------------------------------------------------------------------------------------------------

  openDocument(spec: DocumentSpec): DocModel {
    if (!Number.isInteger(spec.width) || !Number.isInteger(spec.height) || spec.width <= 0 || spec.height <= 0) throw new Error('openDocument: width/height must be positive integers');
    const resolution = spec.resolution ?? 72;
    if (!(resolution > 0) || !Number.isFinite(resolution)) throw new Error('openDocument: resolution must be a positive number');
    const mode = spec.mode ?? 'RGBColorMode';
    const id = this.nextDocId++;
    const doc: DocModel = {
      id, title: spec.title ?? `Untitled-${id}`, mode, bitsPerChannel: spec.bitsPerChannel ?? 'bitDepth8',
      colorProfile: spec.colorProfile ?? (mode === 'grayscaleMode' ? 'Gray Gamma 2.2' : 'sRGB IEC61966-2.1'),
      state: { width: spec.width, height: spec.height, resolution, layers: [], activeLayerIds: [] }, history: ['Open'], suspension: null,
      counters: { layer: 1, group: 1 },
    };
    doc.state.layers = spec.layers.map((l, i) => this.buildNode(doc, l, i === spec.layers.length - 1));
    if (spec.activeLayer !== null) {
      const active = spec.activeLayer === undefined ? doc.state.layers[0] : findByName(doc.state.layers, spec.activeLayer);
      if (spec.activeLayer !== undefined && !active) throw new Error(`openDocument: no layer named ${spec.activeLayer}`);
      if (active) doc.state.activeLayerIds = [active.id];
    }
    this.docs.set(id, doc);
    this.activeDocumentId = id;
    return doc;
  }

  private buildNode(doc: DocModel, spec: LayerSpec, lastTopLevel: boolean | null): LayerNode {
    const kind = spec.kind ?? 'pixel';
    const isBackground = spec.isBackground === true;
    if (isBackground && (lastTopLevel !== true || kind !== 'pixel')) throw new Error('openDocument: the Background must be the bottom top-level pixel layer');
    if (kind !== 'group' && spec.children !== undefined) throw new Error(`openDocument: only groups have children (${spec.name})`);
    if (kind === 'group' && spec.pixels) throw new Error(`openDocument: group ${spec.name} cannot have pixels`);
    if (isBackground && spec.mask) throw new Error('openDocument: the Background cannot have a mask');
    const node: LayerNode = {
      id: this.nextLayerId++, name: spec.name, kind, opacity: checkOpacity(spec.opacity ?? 100), visible: spec.visible ?? true, isBackground,
      allLocked: spec.allLocked === true, pixels: null, mask: null,
      children: kind === 'group' ? (spec.children ?? []).map((c) => this.buildNode(doc, c, null)) : null,
    };
    const colors = this.colorChannelsOrNull(doc);
    if ((spec.pixels || spec.mask) && colors === null) throw new Error(`openDocument: pixels are only modelled for RGB and Grayscale documents`);
    if (colors !== null) {
      const depth = this.depthOf(doc);
      const { width, height } = doc.state;
      if (isBackground) node.pixels = blankRaster(width, height, colors, depth, maxValue(depth)); // white, opaque
      else if (spec.pixels) node.pixels = blankRaster(width, height, colors + 1, depth, 0); // transparent outside
      if (spec.pixels && node.pixels) this.placeSpec(doc, node.pixels, spec.pixels, spec.pixels.channels, !isBackground);
      if (spec.mask) {
        node.mask = blankRaster(width, height, 1, depth, spec.mask.fill ?? maxValue(depth));
        if (spec.mask.pixels) this.placeSpec(doc, node.mask, { ...spec.mask.pixels, channels: 1 }, 1, false);
      }
    }
    return node;
  }

  private placeSpec(doc: DocModel, dst: Raster, p: PixelsSpec, channels: number, dstAlpha: boolean): void {
    const depth = this.depthOf(doc);
    if (depthOfArray(p.data) !== depth) throw new Error(`openDocument: pixel data must be the ${depth}-bit array type of the document`);
    if (p.data.length !== p.width * p.height * channels) throw new Error('openDocument: pixel data length must be width*height*channels');
    const colors = dst.channels - (dstAlpha ? 1 : 0);
    if (channels !== colors && !(dstAlpha && channels === colors + 1)) throw new Error(`openDocument: ${channels} channels do not fit this layer`);
    blit(dst, dstAlpha, { width: p.width, height: p.height, channels, data: p.data }, channels === colors + 1, p.left, p.top, maxValue(depth));
  }

  /** imaging.md: a missing or negative documentID means the active document. */
  resolveDocument(documentID?: number): DocModel {
    const id = documentID === undefined || documentID < 0 ? this.activeDocumentId : documentID;
    const doc = id === null ? undefined : this.docs.get(id);
    if (!doc) throw notAvailable(id === null ? 'current document' : `document ${id}`);
    return doc;
  }

  requireDoc(id: number): DocModel {
    this.guard.assertUsable();
    const doc = this.docs.get(id);
    if (!doc) throw notAvailable(`document ${id}`);
    return doc;
  }

  depthOf(doc: DocModel): Depth {
    const depth = DEPTHS[doc.bitsPerChannel];
    if (depth === undefined) throw new Error(`fake: no pixel depth for ${doc.bitsPerChannel}`);
    return depth;
  }

  private colorChannelsOrNull(doc: DocModel): number | null {
    return doc.mode === 'RGBColorMode' ? 3 : doc.mode === 'grayscaleMode' ? 1 : null;
  }

  colorChannels(doc: DocModel): number {
    const c = this.colorChannelsOrNull(doc);
    if (c === null) throw new Error(`fake: no pixel model for ${doc.mode}`);
    return c;
  }

  // ---- layers --------------------------------------------------------------------------------------------------------

  locate(doc: DocModel, id: number): Located | null {
    return locate(doc.state.layers, id, null);
  }

  /** Any use of a deleted (or rolled-back-away) layer throws. */
  requireLayer(docId: number, layerId: number): Located & { doc: DocModel } {
    const doc = this.requireDoc(docId);
    const loc = this.locate(doc, layerId);
    if (!loc) throw notAvailable(`layer ${layerId}`);
    return { ...loc, doc };
  }

  /** Right/bottom-exclusive box of non-transparent pixels; all zeros when empty (layer.md bounds). Groups: union (UNVERIFIED). */
  layerBounds(doc: DocModel, node: LayerNode): PsBounds {
    if (node.children) {
      const boxes = node.children.map((c) => this.layerBounds(doc, c)).filter((b) => !isEmpty(b));
      if (boxes.length === 0) return ZERO_BOUNDS;
      return {
        left: Math.min(...boxes.map((b) => b.left)), top: Math.min(...boxes.map((b) => b.top)),
        right: Math.max(...boxes.map((b) => b.right)), bottom: Math.max(...boxes.map((b) => b.bottom)),
      };
    }
    if (node.pixels === null) return ZERO_BOUNDS;
    return node.isBackground ? { left: 0, top: 0, right: doc.state.width, bottom: doc.state.height } : alphaBounds(node.pixels);
  }

  /** Document.createPixelLayer / createLayerGroup (document.md; uxp-platform.md §1.10). */
  createLayer(docId: number, kind: 'pixel' | 'group', options: PsLayerCreateOptions = {}): LayerNode {
    this.guard.assertCanEdit('make');
    const doc = this.requireDoc(docId);
    const name = options.name ?? (kind === 'group' ? `Group ${doc.counters.group++}` : `Layer ${doc.counters.layer++}`); // default names UNVERIFIED
    if (typeof name !== 'string') throw new TypeError('create layer: name must be a string');
    const node: LayerNode = {
      id: this.nextLayerId++, name, kind, opacity: checkOpacity(options.opacity ?? 100), visible: true, isBackground: false, allLocked: false,
      pixels: null, mask: null, children: kind === 'group' ? [] : null,
    };
    // Placement: directly above the active layer, in its parent (UNVERIFIED beyond the Layers panel); none active → top.
    const active = doc.state.activeLayerIds.map((id) => this.locate(doc, id)).find((l) => l !== null) ?? null;
    if (!active) doc.state.layers.unshift(node);
    else if (active.node.children && this.options.newLayerIntoActiveGroup) active.node.children.unshift(node);
    else active.siblings.splice(active.index, 0, node);
    doc.state.activeLayerIds = [node.id];
    this.commitEdit(doc, kind === 'group' ? 'New Group' : 'New Layer'); // history names UNVERIFIED
    return node;
  }

  /** Layer.move (Layer.d.ts; Constants.d.ts ElementPlacement). */
  move(docId: number, layerId: number, relative: PsLayer, placement: PsPlacement): void {
    this.guard.assertCanEdit('move');
    const self = this.requireLayer(docId, layerId);
    if (!(relative instanceof FakeLayer) || relative.docId !== docId) throw new Error('move: relativeObject must be a layer of the same document');
    const rel = this.requireLayer(docId, relative.id).node;
    if (placement === 'placeAtBeginning' || placement === 'placeAtEnd') throw new Error(`move: ${placement} is not implemented in fake`);
    if (placement !== 'placeBefore' && placement !== 'placeAfter' && placement !== 'placeInside') throw new Error(`move: invalid ElementPlacement ${String(placement)}`);
    if (rel === self.node || subtreeIds(self.node).includes(rel.id)) throw new Error('move: a layer cannot be moved relative to itself or into itself');
    if (self.node.isBackground) throw new Error('move: the Background layer cannot be moved (UNVERIFIED wording)');
    // Constants.d.ts PLACEINSIDE: "Place inside a group layer, throws error if not group layer".
    if (placement === 'placeInside' && !rel.children) throw new Error(`move: placeInside needs a group layer; layer ${rel.id} is ${rel.kind}`);
    if (placement === 'placeAfter' && rel.isBackground) throw new Error('move: nothing can go below the Background layer (UNVERIFIED)');
    self.siblings.splice(self.index, 1);
    const target = this.locate(self.doc, rel.id)!;
    if (placement === 'placeInside') rel.children!.unshift(self.node); // top of the group (UNVERIFIED)
    else target.siblings.splice(placement === 'placeBefore' ? target.index : target.index + 1, 0, self.node);
    this.commitEdit(self.doc, 'Layer Order');
  }

  /** Layer.delete (layer.md). The next active layer (below, else above, else the parent) is a guess. */
  delete(docId: number, layerId: number): void {
    this.guard.assertCanEdit('delete');
    const loc = this.requireLayer(docId, layerId);
    const { doc } = loc;
    if (loc.parent === null && doc.state.layers.length === 1) throw new Error('delete: a document keeps at least one layer (UNVERIFIED)');
    const removed = new Set(subtreeIds(loc.node));
    loc.siblings.splice(loc.index, 1);
    const wasActive = doc.state.activeLayerIds.some((id) => removed.has(id));
    doc.state.activeLayerIds = doc.state.activeLayerIds.filter((id) => !removed.has(id));
    if (wasActive && doc.state.activeLayerIds.length === 0) {
      const next = loc.siblings[loc.index] ?? loc.siblings[loc.index - 1] ?? loc.parent;
      if (next) doc.state.activeLayerIds = [next.id];
    }
    this.commitEdit(doc, 'Delete Layer');
  }

  /** name / opacity / visible setters. Layer.d.ts allLocked "prevents edits to pixels and properties" (visibility allowed: UNVERIFIED). */
  setProperty(docId: number, layerId: number, key: 'name' | 'opacity' | 'visible', value: unknown): void {
    this.guard.assertCanEdit('set');
    const { node, doc } = this.requireLayer(docId, layerId);
    if (node.allLocked && key !== 'visible') throw new Error(`Layer ${node.id} is locked`);
    if (key === 'name') {
      if (typeof value !== 'string') throw new TypeError('Layer.name must be a string');
      if (node.isBackground) throw new Error('Renaming the Background (which converts it to a layer) is not modelled by the fake');
      node.name = value;
      this.commitEdit(doc, 'Rename Layer');
    } else if (key === 'opacity') {
      if (node.isBackground) throw new Error('The Background layer has no opacity to set (UNVERIFIED)');
      node.opacity = checkOpacity(value);
      this.commitEdit(doc, 'Layer Opacity');
    } else {
      if (typeof value !== 'boolean') throw new TypeError('Layer.visible must be a boolean');
      node.visible = value;
      this.commitEdit(doc, value ? 'Show Layer' : 'Hide Layer');
    }
  }

  /**
   * Document.resizeImage (DOCS ps-reference/classes/document.md#resizeimage, 23.0): Image > Image Size with resampling.
   * Documented (same words in @types/photoshop dom/Document.d.ts): width "Numeric value of new width in pixels", height
   * likewise, resolution "Image resolution in pixels per inch (ppi)", resampleMethod a `constants.ResampleMethod`
   * (modules/constants.md), amount "the amount of noise value when using preserve details 0..100"; needs a modal scope
   * like every edit (executeasmodal.md). So plain pixels, not ruler units as in ExtendScript's `resizeImage(UnitValue …)`
   * — the docs' word, not checked in Photoshop.
   * Not documented, and faked here (UNVERIFIED):
   * - only width (or only height): the other follows the aspect ratio, `Math.round`, at least 1 px (the source of a
   *   public third-party plugin, a photoshop-mcp bridge, reports measuring 4000×2500 → width 2000 → 2000×1250; the
   *   rounding rule is the fake's); width and height both given: both are used, the aspect ratio is not kept (same source);
   * - only resolution: resampled keeping the print size, px × new/old ppi rounded (the same source measured 2000×1250
   *   at 300 ppi → 72 ppi → 480×300); with width/height too, resolution only relabels;
   * - no size and no resolution, non-integer / non-finite / ≤ 0 sizes, sizes over Photoshop's 300,000 px per side
   *   (MAX_PIXELS_PER_SIDE), an unknown method, "none" (Constants.d.ts: "Currently unsupported"), amount outside
   *   0..100: rejected with an Error; Photoshop's wording is unknown;
   * - the history state is named "Image Size" (the menu command's name); the modal-scope event name "imageSize" is
   *   the batchPlay/ActionManager command behind it (ExtendScript charID 'ImgS').
   * Resampling: every layer's pixels and every user mask (canvas-sized in the fake) go through `resampleRaster` —
   * bilinear for every method except "nearestNeighbor"; Photoshop's own kernels (bicubic, automatic, ML upscales) are
   * not reproduced, and the default when no method is given (the imageInterpolation preference) is not modelled.
   */
  resizeImage(docId: number, args: ResizeArgs): void {
    this.guard.assertCanEdit('imageSize');
    const doc = this.requireDoc(docId);
    const target = resizeTarget(doc.state, args);
    const to = (r: Raster, alpha: boolean): Raster => resampleRaster(r, target.width, target.height, alpha, target.kernel, maxValue(this.depthOf(doc)));
    const resample = (n: LayerNode): void => {
      if (n.pixels) n.pixels = to(n.pixels, !n.isBackground); // Background: colour only; other layers: colour + alpha
      if (n.mask) n.mask = to(n.mask, false);
      n.children?.forEach(resample);
    };
    doc.state.layers.forEach(resample); // new rasters: the ones a suspension saved are untouched
    doc.state.width = target.width;
    doc.state.height = target.height;
    doc.state.resolution = target.resolution;
    this.commitEdit(doc, 'Image Size');
  }

  // ---- history -------------------------------------------------------------------------------------------------------

  /** Without suspension every edit is one history state; with one, edits only mark the document changed (executeasmodal.md). */
  commitEdit(doc: DocModel, historyName: string): void {
    if (doc.suspension) doc.suspension.changed = true;
    else doc.history.push(historyName);
  }

  suspend(doc: DocModel, name: string): Suspension['token'] {
    if (typeof name !== 'string') throw new TypeError('suspendHistory: name must be a string');
    if (doc.suspension) throw new Error(`suspendHistory: history of document ${doc.id} is already suspended (UNVERIFIED)`);
    const id = this.nextSuspensionId++;
    const token = { historySuspensionID: id };
    doc.suspension = { id, name, token, saved: cloneState(doc.state), changed: false };
    return token;
  }

  findSuspension(id: number): DocModel | null {
    return [...this.docs.values()].find((d) => d.suspension?.id === id) ?? null;
  }

  /** executeasmodal.md resumeHistory: commit → one state (only if changed) named finalName ?? name; else roll back. */
  resume(doc: DocModel, commit: boolean): void {
    const s = doc.suspension;
    if (!s) return;
    doc.suspension = null;
    if (!commit) doc.state = s.saved; // ids are never reused: the counter is not rolled back
    else if (s.changed) doc.history.push(s.token.finalName ?? s.name);
  }

  // ---- inspection ----------------------------------------------------------------------------------------------------

  snapshot(doc: DocModel): DocumentSnapshot {
    const snap = (r: Raster | null): RasterSnapshot | null => (r ? { channels: r.channels, data: r.data.slice() } : null);
    const layer = (n: LayerNode): LayerSnapshot => ({
      id: n.id, name: n.name, kind: n.kind, opacity: n.opacity, visible: n.visible, isBackground: n.isBackground, allLocked: n.allLocked,
      bounds: this.layerBounds(doc, n), pixels: snap(n.pixels), mask: snap(n.mask), children: n.children ? n.children.map(layer) : null,
    });
    return {
      id: doc.id, title: doc.title, mode: doc.mode, bitsPerChannel: doc.bitsPerChannel, width: doc.state.width, height: doc.state.height,
      resolution: doc.state.resolution, activeLayerIds: [...doc.state.activeLayerIds], layers: doc.state.layers.map(layer),
    };
  }

  /** A layer's pixels (cropped to its bounds) or user mask (whole canvas) in any open document; null if none. */
  rasterView(layerId: number, which: 'pixels' | 'mask'): { bounds: PsBounds; channels: number; data: PixelArray } | null {
    for (const doc of this.docs.values()) {
      const loc = this.locate(doc, layerId);
      if (!loc) continue;
      const r = loc.node[which];
      const bounds = which === 'mask' ? { left: 0, top: 0, right: doc.state.width, bottom: doc.state.height } : this.layerBounds(doc, loc.node);
      return r === null || isEmpty(bounds) ? null : { bounds, channels: r.channels, data: crop(r, bounds) };
    }
    throw new Error(`fake: no layer ${layerId} in any open document`);
  }
}

// ---- DOM handles -----------------------------------------------------------------------------------------------------

/**
 * `Layer` handle. Reads go through the host every time (the real DOM does an IPC round trip per property, §1.10).
 * A new handle is made for every lookup, like the real collections do (UNVERIFIED): compare layers by `id`.
 */
export class FakeLayer implements PsLayer {
  constructor(private readonly host: FakeHost, readonly docId: number, private readonly layerId: number) {}

  private get node(): LayerNode {
    return this.host.requireLayer(this.docId, this.layerId).node;
  }

  /** The id is kept on the handle, so it stays readable after delete (UNVERIFIED). */
  get id(): number {
    return this.layerId;
  }
  get name(): string {
    return this.node.name;
  }
  set name(value: string) {
    this.host.setProperty(this.docId, this.layerId, 'name', value);
  }
  get kind(): string {
    return this.node.kind;
  }
  get opacity(): number {
    return this.node.opacity;
  }
  set opacity(value: number) {
    this.host.setProperty(this.docId, this.layerId, 'opacity', value);
  }
  get visible(): boolean {
    return this.node.visible;
  }
  set visible(value: boolean) {
    this.host.setProperty(this.docId, this.layerId, 'visible', value);
  }
  get bounds(): PsBounds {
    const { doc, node } = this.host.requireLayer(this.docId, this.layerId);
    return { ...this.host.layerBounds(doc, node) };
  }
  /** The fake has no layer effects, so this equals `bounds`. */
  get boundsNoEffects(): PsBounds {
    return this.bounds;
  }
  get isBackgroundLayer(): boolean {
    return this.node.isBackground;
  }
  get allLocked(): boolean {
    return this.node.allLocked;
  }
  get parent(): PsLayer | null {
    const parent = this.host.requireLayer(this.docId, this.layerId).parent;
    return parent ? new FakeLayer(this.host, this.docId, parent.id) : null;
  }
  get layers(): PsLayer[] | null {
    const children = this.node.children;
    return children ? children.map((c) => new FakeLayer(this.host, this.docId, c.id)) : null;
  }
  move(relativeObject: PsLayer, insertLocation: PsPlacement): void {
    this.host.move(this.docId, this.layerId, relativeObject, insertLocation);
  }
  delete(): void {
    this.host.delete(this.docId, this.layerId);
  }
}

export class FakeDocument implements PsDocument {
  constructor(private readonly host: FakeHost, readonly id: number) {}

  private get doc(): DocModel {
    return this.host.requireDoc(this.id);
  }
  get title(): string {
    return this.doc.title;
  }
  get mode(): string {
    return this.doc.mode;
  }
  get bitsPerChannel(): string {
    return this.doc.bitsPerChannel;
  }
  get width(): number {
    return this.doc.state.width;
  }
  get height(): number {
    return this.doc.state.height;
  }
  get resolution(): number {
    return this.doc.state.resolution;
  }
  get layers(): PsLayer[] {
    return this.doc.state.layers.map((n) => new FakeLayer(this.host, this.id, n.id));
  }
  get activeLayers(): PsLayer[] {
    return this.doc.state.activeLayerIds.map((id) => new FakeLayer(this.host, this.id, id));
  }
  async createPixelLayer(options?: PsLayerCreateOptions): Promise<PsLayer | null> {
    return new FakeLayer(this.host, this.id, this.host.createLayer(this.id, 'pixel', options).id);
  }
  async createLayerGroup(options?: PsLayerCreateOptions): Promise<PsLayer | null> {
    return new FakeLayer(this.host, this.id, this.host.createLayer(this.id, 'group', options).id);
  }
  /** document.md resizeImage (23.0): see FakeHost.resizeImage. */
  async resizeImage(width?: number, height?: number, resolution?: number, resampleMethod?: PsResampleMethod, amount?: number): Promise<void> {
    this.host.resizeImage(this.id, { width, height, resolution, resampleMethod, amount });
  }
}
