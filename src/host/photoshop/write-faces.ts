/**
 * Writes restored faces back non-destructively: a group directly above the source layer holding one pixel layer
 * per face ("Face 1" at the bottom, later faces above, the order the engine composites them in), each holding only
 * its placement, with the engine's soft mask as its layer mask. Never touches the source layer's pixels.
 * Runs inside a modal scope (modal.ts); a failure part-way is rolled back there.
 */
import { throwIfAborted, type AbortSignalLike } from '../../core/errors';
import type { Placement } from '../../core/paste';
import { colourImageData, encodeColour, encodeMask, maskImageData } from './layer-pixels';
import type { PsAction, PsComponentSize, PsDocument, PsImageData, PsImaging, PsLayer } from './ps-api';

export interface FaceToWrite {
  /** 1-based face number, used in the layer name. */
  readonly number: number;
  readonly placement: Placement;
}

export interface WriteRequest {
  readonly doc: PsDocument;
  readonly source: PsLayer;
  /** The layer the group goes directly above; default `source` (the upscaled layer when there is one). */
  readonly above?: PsLayer;
  readonly groupName: string;
  readonly faces: readonly FaceToWrite[];
  /** Document position of the engine image's (0, 0): the source layer's pixel bounds. */
  readonly origin: { readonly left: number; readonly top: number };
  readonly depth: PsComponentSize;
  readonly colorSpace: 'RGB' | 'Grayscale';
  /** Face layer opacity, percent. */
  readonly opacity: number;
  readonly signal: AbortSignalLike;
  readonly yieldToHost: () => Promise<void>;
  readonly onFaceWritten?: (done: number, total: number) => void;
}

export interface WrittenFaces {
  readonly group: PsLayer;
  /** The face layers, in `faces` order. */
  readonly faceLayers: readonly PsLayer[];
}

async function disposeAll(items: ReadonlyArray<PsImageData | undefined>): Promise<void> {
  await Promise.all(items.map((d) => d?.dispose()));
}

/**
 * Puts the mask with the imaging API, which creates the user mask when the layer has none (Adobe's imaging-test
 * sample relies on that; uxp-platform.md §1.5). If this Photoshop refuses, add a reveal-all mask with batchPlay
 * (select + "make mask") and put again.
 */
async function putMask(imaging: PsImaging, action: PsAction, docID: number, layer: PsLayer, mask: PsImageData, at: { left: number; top: number }): Promise<void> {
  const put = (): Promise<void> => imaging.putLayerMask({ documentID: docID, layerID: layer.id, imageData: mask, targetBounds: at, replace: true });
  try {
    await put();
  } catch (first) {
    try {
      await action.batchPlay([
        { _obj: 'select', _target: [{ _ref: 'layer', _id: layer.id }, { _ref: 'document', _id: docID }], makeVisible: false },
        { _obj: 'make', new: { _class: 'channel' }, at: { _ref: 'channel', _enum: 'channel', _value: 'mask' }, using: { _enum: 'userMaskEnabled', _value: 'revealAll' } },
      ], {});
      await put();
    } catch {
      throw first;
    }
  }
}

export async function writeFaceLayers(imaging: PsImaging, action: PsAction, request: WriteRequest): Promise<WrittenFaces> {
  const { doc, faces, signal } = request;
  const group = await doc.createLayerGroup({ name: request.groupName });
  if (!group) throw new Error('Photoshop did not create the layer group');
  group.move(request.above ?? request.source, 'placeBefore');
  const layers: PsLayer[] = [];
  let previous: PsLayer | undefined;
  for (const face of faces) {
    await request.yieldToHost();
    throwIfAborted(signal);
    const layer = await doc.createPixelLayer({ name: `Face ${face.number}`, opacity: request.opacity });
    if (!layer) throw new Error(`Photoshop did not create the layer for face ${face.number}`);
    if (previous) layer.move(previous, 'placeBefore');
    else layer.move(group, 'placeInside');
    previous = layer;
    layers.push(layer);
    const { rect, pixels, mask } = face.placement;
    const at = { left: request.origin.left + rect.x, top: request.origin.top + rect.y };
    let colour: PsImageData | undefined, maskData: PsImageData | undefined;
    try {
      colour = await colourImageData(imaging, encodeColour(pixels, request.depth), { width: rect.width, height: rect.height, channels: pixels.channels as 1 | 3 }, request.colorSpace);
      await imaging.putPixels({ documentID: doc.id, layerID: layer.id, imageData: colour, targetBounds: at, replace: true });
      maskData = await maskImageData(imaging, encodeMask(mask, request.depth), rect.width, rect.height);
      await putMask(imaging, action, doc.id, layer, maskData, at);
    } finally {
      await disposeAll([colour, maskData]);
    }
    request.onFaceWritten?.(layers.length, faces.length);
  }
  // New layers become the active layer; select the source again so the next Restore works on the photo, not a face.
  await action.batchPlay([{ _obj: 'select', _target: [{ _ref: 'layer', _id: request.source.id }, { _ref: 'document', _id: doc.id }], makeVisible: false }], {});
  return { group, faceLayers: layers };
}
