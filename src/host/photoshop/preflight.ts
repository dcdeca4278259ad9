/**
 * Checks, before any work, that the active document and layer are something the plugin can restore, and says in
 * plain words what to change when they are not. Reads DOM properties only; edits nothing.
 */
import type { PixelImage } from '../../core/image';
import type { PsApp, PsBounds, PsComponentSize, PsDocument, PsLayer } from './ps-api';
import { Refusal, notPixelLayer, unsupportedMode } from '../panel/refusals';

/** What a restore reads from and writes next to. */
export interface RestoreTarget {
  readonly doc: PsDocument;
  readonly layer: PsLayer;
  readonly depth: PsComponentSize;
  readonly colorSpace: 'RGB' | 'Grayscale';
}

/** Document.mode values the imaging API gives pixels for that the engine understands (uxp-platform.md §1.9). */
const COLOR_SPACES: Record<string, 'RGB' | 'Grayscale'> = { RGBColorMode: 'RGB', grayscaleMode: 'Grayscale' };
/** Document.bitsPerChannel values (Constants.BitsPerChannelType). */
const DEPTHS: Record<string, PsComponentSize> = { bitDepth8: 8, bitDepth16: 16, bitDepth32: 32 };

function isEmpty(bounds: PsBounds): boolean {
  return bounds.right <= bounds.left || bounds.bottom <= bounds.top;
}

function lockedAncestor(layer: PsLayer): PsLayer | undefined {
  for (let l: PsLayer | null = layer; l; l = l.parent) if (l.allLocked) return l;
  return undefined;
}

/** The active document and its single selected pixel layer, or a Refusal that says what to do. */
export function findTarget(app: PsApp): RestoreTarget {
  const doc = app.activeDocument;
  if (!doc) throw new Refusal('NO_DOCUMENT', 'Open a photo first: there is no document to restore.');
  const colorSpace = COLOR_SPACES[doc.mode];
  if (!colorSpace) throw unsupportedMode(doc.mode);
  const depth = DEPTHS[doc.bitsPerChannel];
  if (!depth) {
    throw new Refusal('UNSUPPORTED_MODE', `This document's bit depth (${doc.bitsPerChannel}) cannot be read; use Image ▸ Mode ▸ 8 Bits/Channel, then try again.`);
  }
  const active = doc.activeLayers;
  if (active.length === 0) throw new Refusal('NO_ACTIVE_LAYER', 'Select the layer with the faces in the Layers panel, then try again.');
  if (active.length > 1) {
    throw new Refusal('SEVERAL_LAYERS', `${active.length} layers are selected; select just the one layer with the faces.`);
  }
  const layer = active[0];
  if (layer.kind !== 'pixel') throw notPixelLayer(layer.name, layer.kind);
  const locked = lockedAncestor(layer);
  if (locked) {
    const where = locked === layer ? `“${layer.name}” is locked` : `“${layer.name}” is inside the locked group “${locked.name}”`;
    throw new Refusal('LOCKED_LAYER', `${where}. Unlock it (the lock icon in the Layers panel) so the restored faces can be added next to it.`);
  }
  if (isEmpty(layer.boundsNoEffects)) {
    throw new Refusal('EMPTY_LAYER', `“${layer.name}” is empty: it has no pixels to restore. Select the layer that holds the photo.`);
  }
  return { doc, layer, depth, colorSpace };
}

/** Refuses a layer whose pixels are all fully transparent (nothing a face could be found in). */
export function checkVisiblePixels(image: PixelImage, layerName: string): void {
  if (image.channels !== 2 && image.channels !== 4) return;
  const { data, channels } = image;
  for (let i = channels - 1; i < data.length; i += channels) if (data[i] > 0) return;
  throw new Refusal('EMPTY_LAYER', `“${layerName}” is fully transparent: it has no visible pixels to restore.`);
}
