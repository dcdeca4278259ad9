/**
 * The two panel operations on the active layer, independent of any UI: find faces (read-only) and restore them
 * into masked layers (one modal scope, one history step). The controller supplies the restorer, signals and
 * progress sinks; these functions own the order of Photoshop calls.
 */
import type { DetectedFace } from '../../core/types';
import type { Restorer } from '../../core/restorer';
import type { Upsampler } from '../../core/upsampler';
import type { AbortSignalLike } from '../../core/errors';
import { faceThumbnail } from '../../core/thumbnail';
import type { PixelImage } from '../../core/image';
import { readLayerPixels, type LayerPixels } from './layer-pixels';
import { runModal } from './modal';
import { checkVisiblePixels, type RestoreTarget } from './preflight';
import type { PsImaging, PsLayer, PsModules } from './ps-api';
import { Refusal } from '../panel/refusals';
import { stageLabel } from '../panel/run-labels';
import { formatDuration } from './upscale-plan';
import { enlargeDocument, writeUpscaledLayer } from './write-background';
import { writeFaceLayers } from './write-faces';

/** Progress of a whole panel operation, already mapped to [0, 1] with a label for people. */
export type RunProgress = (fraction: number, label: string) => void;

export interface FoundFaces {
  readonly documentID: number;
  readonly layerID: number;
  readonly layerName: string;
  /** Identifies the pixels the faces were found in, so a restore can tell whether the layer changed since. */
  readonly checksum: number;
  readonly faces: readonly DetectedFace[];
  /** Thumbnails as data URLs, in `faces` order ('' where none could be made). */
  readonly thumbnails: readonly string[];
}

export interface RestoreOutcome {
  readonly documentID: number;
  readonly layerName: string;
  readonly groupName: string;
  readonly faceLayers: readonly PsLayer[];
  /** True when faces listed earlier were used; false when the layer was (re)detected. */
  readonly usedListedFaces: boolean;
  /** The faces restored, as a list the panel can show and a later restore can reuse. */
  readonly found: FoundFaces;
  /** The upsampler's layer, when the run enlarged the document. */
  readonly upscaledLayer?: PsLayer;
}

const THUMBNAIL_SIZE = 64;

/** FNV-1a over the pixel bytes: cheap next to inference, and any edit to the layer changes it. */
export function pixelChecksum(image: PixelImage): number {
  const bytes = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  let h = 0x811c9dc5 ^ image.width ^ (image.height << 16);
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

async function readTarget(ps: PsModules, target: RestoreTarget): Promise<LayerPixels> {
  const pixels = await readLayerPixels(ps.imaging, target.doc.id, target.layer.id);
  checkVisiblePixels(pixels.image, target.layer.name);
  return pixels;
}

function noFace(layerName: string): Refusal {
  return new Refusal(
    'NO_FACE',
    `No face found in “${layerName}”. Faces need to be at least about 10 pixels between the eyes; try another detector, or untick “Only the centre face”.`,
  );
}

/** JPEG data-URL thumbnails through Photoshop's encoder (UXP <img> takes JPEG/base64; DOCS imaging encodeImageData). */
export async function makeThumbnails(imaging: PsImaging, image: PixelImage, faces: readonly DetectedFace[]): Promise<string[]> {
  const urls: string[] = [];
  for (const face of faces) {
    const thumb = faceThumbnail(image, face.box, THUMBNAIL_SIZE);
    const data = await imaging.createImageDataFromBuffer(thumb.data as Uint8Array, { width: thumb.width, height: thumb.height, components: 3, colorSpace: 'RGB', colorProfile: 'sRGB IEC61966-2.1' });
    try {
      const encoded = await imaging.encodeImageData({ imageData: data, base64: true });
      urls.push(typeof encoded === 'string' ? `data:image/jpeg;base64,${encoded}` : '');
    } catch {
      urls.push('');
    } finally {
      await data.dispose();
    }
  }
  return urls;
}

export interface FindRequest {
  readonly restorer: Restorer;
  readonly isOnlyCenterFace: boolean;
  readonly signal: AbortSignalLike;
  readonly onProgress: RunProgress;
}

/** Detects faces in the target (from `findTarget`) and makes their thumbnails. Edits nothing. */
export async function findFaces(ps: PsModules, target: RestoreTarget, request: FindRequest): Promise<FoundFaces> {
  const { image } = await readTarget(ps, target);
  const faces = await request.restorer.detect(image, {
    onlyCenterFace: request.isOnlyCenterFace,
    signal: request.signal,
    onProgress: (e) => request.onProgress(e.fraction * 0.9, stageLabel(e)),
  });
  if (faces.length === 0) throw noFace(target.layer.name);
  const thumbnails = await makeThumbnails(ps.imaging, image, faces);
  request.onProgress(1, 'Done');
  return { documentID: target.doc.id, layerID: target.layer.id, layerName: target.layer.name, checksum: pixelChecksum(image), faces, thumbnails };
}

export interface RestoreRequest {
  readonly restorer: Restorer;
  readonly modelLabel: string;
  readonly isOnlyCenterFace: boolean;
  /** Faces listed by an earlier findFaces and which of them to restore. */
  readonly listed: { readonly found: FoundFaces; readonly selected: ReadonlySet<number> } | undefined;
  /** Opacity of the new face layers, 0..1. */
  readonly strength: number;
  readonly signal: AbortSignalLike;
  readonly onProgress: RunProgress;
  /** Receives the modal scope's yield, which the restorer's yieldToHost should call while the run lasts. */
  readonly useYield: (yieldToHost: (() => Promise<void>) | undefined) => void;
  /** ×2/×4: enlarge the document and add the upsampler's layer; `seconds` is the estimate shown until tiles are timed. */
  readonly upscale?: { readonly scale: number; readonly upsampler: Upsampler; readonly modelLabel: string; readonly seconds: number };
}



/** Restores the target's faces into a new group of masked layers, as one "Restore Faces" history step. */
export async function restoreFaces(ps: PsModules, target: RestoreTarget, request: RestoreRequest): Promise<RestoreOutcome> {
  const groupName = `Restored faces (${request.modelLabel})`;
  const modalRequest = { commandName: 'Restore Faces', historyName: 'Restore Faces', documentID: target.doc.id, signal: request.signal };
  return runModal(ps.core, modalRequest, async (scope) => {
    request.useYield(scope.yieldToHost);
    try {
      const { image, bounds } = await readTarget(ps, target);
      const listed = request.listed;
      const isListedValid = listed !== undefined && listed.found.documentID === target.doc.id && listed.found.layerID === target.layer.id && listed.found.checksum === pixelChecksum(image);
      let faces: DetectedFace[] | undefined;
      if (isListedValid) {
        faces = listed.found.faces.filter((f) => listed.selected.has(f.index + 1));
        if (faces.length === 0) throw new Refusal('NO_FACE_SELECTED', 'No face is ticked in the list. Tick the faces to restore, then press Restore.');
      }
      const report = (fraction: number, label: string): void => {
        scope.reportProgress(fraction, label);
        request.onProgress(fraction, label);
      };
      const up = request.upscale;
      const scale = up?.scale ?? 1;
      // Shares of the bar: faces, then the upscaled layer (the long part), then writing the face layers.
      const [facesEnd, upscaleEnd] = up ? [0.25, 0.95] : [0.85, 0.85];
      const result = await request.restorer.restore(image, {
        faces,
        onlyCenterFace: request.isOnlyCenterFace,
        upscale: scale,
        shouldComposite: false,
        signal: scope.signal,
        onProgress: (e) => report(e.fraction * facesEnd, stageLabel(e)),
      });
      const placed = result.faces.filter((f) => f.placement !== undefined);
      if (placed.length === 0) throw noFace(target.layer.name);
      let above: PsLayer | undefined;
      if (up) {
        report(facesEnd, 'Enlarging the document…');
        await enlargeDocument(target.doc, scale);
        const started = Date.now();
        above = await writeUpscaledLayer(ps.imaging, {
          doc: target.doc, source: target.layer, image, origin: bounds, scale, upsampler: up.upsampler,
          layerName: `Background (${up.modelLabel})`, depth: target.depth, colorSpace: target.colorSpace, signal: scope.signal,
          onTile: (done, total) => {
            const left = done > 0 ? ((Date.now() - started) / 1000 / done) * (total - done) : up.seconds;
            report(facesEnd + (upscaleEnd - facesEnd) * (done / total), `Upscaling tile ${done} of ${total} · about ${formatDuration(left)} left`);
          },
        });
      }
      const written = await writeFaceLayers(ps.imaging, ps.action, {
        doc: target.doc,
        source: target.layer,
        ...(above ? { above } : {}),
        groupName,
        faces: placed.map((f) => ({ number: f.index + 1, placement: f.placement! })),
        origin: { left: bounds.left * scale, top: bounds.top * scale },
        depth: target.depth,
        colorSpace: target.colorSpace,
        opacity: Math.round(request.strength * 100),
        signal: scope.signal,
        yieldToHost: scope.yieldToHost,
        onFaceWritten: (done, total) => report(upscaleEnd + (1 - upscaleEnd) * (done / total), `Writing layer ${done} of ${total}…`),
      });
      const restored = placed.map(({ index, score, box, landmarks }) => ({ index, score, box, landmarks }));
      const thumbnails = isListedValid ? restored.map((f) => listed.found.thumbnails[listed.found.faces.findIndex((g) => g.index === f.index)] ?? '') : await makeThumbnails(ps.imaging, image, restored);
      const foundNow: FoundFaces = { documentID: target.doc.id, layerID: target.layer.id, layerName: target.layer.name, checksum: pixelChecksum(image), faces: restored, thumbnails };
      return {
        documentID: target.doc.id, layerName: target.layer.name, groupName, faceLayers: written.faceLayers, usedListedFaces: isListedValid, found: foundNow,
        ...(above ? { upscaledLayer: above } : {}),
      };
    } finally {
      request.useYield(undefined);
    }
  });
}
