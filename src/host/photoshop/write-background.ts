/**
 * ×2/×4 in Photoshop: enlarge the document (Image Size), then stream the upsampler's result of the source layer,
 * tile by tile, into a new layer "Background (<model>)" directly above the source. Tiles go straight into the
 * layer with putPixels, so the plugin never holds the enlarged image (UXP's memory is limited). Runs inside the
 * restore's modal scope: a cancel or failure rolls the resize and the layer back with everything else.
 */
import type { AbortSignalLike } from '../../core/errors';
import type { PixelImage } from '../../core/image';
import type { Upsampler } from '../../core/upsampler';
import { encodePixels } from './layer-pixels';
import type { PsComponentSize, PsDocument, PsImageData, PsImaging, PsLayer } from './ps-api';

/** Tile edge the plugin uses: each tile is one blocking model run, so smaller keeps Photoshop responsive. */
export const PLUGIN_TILE = 192;

export interface BackgroundRequest {
  readonly doc: PsDocument;
  readonly source: PsLayer;
  /** The source layer's pixels, read before the resize. */
  readonly image: PixelImage;
  /** Where `image` sat in the document before the resize. */
  readonly origin: { readonly left: number; readonly top: number };
  readonly scale: number;
  readonly upsampler: Upsampler;
  readonly layerName: string;
  readonly depth: PsComponentSize;
  readonly colorSpace: 'RGB' | 'Grayscale';
  readonly signal: AbortSignalLike;
  /** Tiles done and total, after each tile. */
  readonly onTile: (done: number, total: number) => void;
}

/** Enlarges the document by `scale` (Image ▸ Image Size with resampling, Photoshop's default method). */
export async function enlargeDocument(doc: PsDocument, scale: number): Promise<void> {
  await doc.resizeImage(doc.width * scale, doc.height * scale);
}

/** Creates the upscaled layer above the source and fills it tile by tile. Call after enlargeDocument. */
export async function writeUpscaledLayer(imaging: PsImaging, request: BackgroundRequest): Promise<PsLayer> {
  const { doc, scale, image } = request;
  const layer = await doc.createPixelLayer({ name: request.layerName });
  if (!layer) throw new Error('Photoshop did not create the upscaled layer');
  layer.move(request.source, 'placeBefore');
  const left = request.origin.left * scale, top = request.origin.top * scale;
  await request.upsampler.upscaleTiles(image, async (tile) => {
    let data: PsImageData | undefined;
    try {
      data = await imaging.createImageDataFromBuffer(encodePixels(tile.image, request.depth), {
        width: tile.rect.width, height: tile.rect.height, components: tile.image.channels, colorSpace: request.colorSpace, chunky: true,
      });
      // replace: false, or each tile would discard the ones before it (imaging.md putPixels: "replace … default
      // true: discard existing layer pixels first"). Tiles do not overlap and the layer starts empty.
      await imaging.putPixels({ documentID: doc.id, layerID: layer.id, imageData: data, targetBounds: { left: left + tile.rect.x, top: top + tile.rect.y }, replace: false });
    } finally {
      await data?.dispose();
    }
  }, {
    scale,
    tile: PLUGIN_TILE,
    signal: request.signal,
    onProgress: (e) => { if (e.stage === 'upscale') request.onTile(e.done, e.total); },
  });
  return layer;
}
