/**
 * Compile-time proof that the documented Photoshop/UXP declarations fit the narrow `ps-api` subset: if
 * `@types/photoshop` or `@adobe/cc-ext-uxp-types` disagree with a member the plugin relies on, this file stops
 * compiling. It emits nothing at run time (type-only imports and declarations).
 */
import type * as Photoshop from 'photoshop';
import type { PsAction, PsApp, PsCore, PsImaging, PsLayer, PsDocument, PsResampleMethod } from './ps-api';

type Assert<T extends true> = T;
type Fits<Actual, Narrow> = Actual extends Narrow ? true : false;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

type DocLayer = NonNullable<(typeof Photoshop.app)['activeDocument']>['layers'][number];

// Layers, documents and the app: the DOM classes must be usable wherever the plugin expects its subset.
export type LayerFits = Assert<Fits<DocLayer, Omit<PsLayer, 'parent' | 'layers' | 'move' | 'kind'> & { kind: string }>>;
export type DocumentFits = Assert<Fits<NonNullable<(typeof Photoshop.app)['activeDocument']>, Pick<PsDocument, 'id' | 'title' | 'mode' | 'bitsPerChannel' | 'width' | 'height' | 'resolution' | 'resizeImage'>>>;
/** The literal union is exactly the values of `constants.ResampleMethod`. */
export type ResampleMethodFits = Assert<Same<`${(typeof Photoshop.constants.ResampleMethod)[keyof typeof Photoshop.constants.ResampleMethod]}`, PsResampleMethod>>;
export type AppFits = Assert<Fits<typeof Photoshop.app, Pick<PsApp, 'documents'>>>;
export type CoreFits = Assert<Fits<typeof Photoshop.core.executeAsModal, PsCore['executeAsModal']>>;
export type ImagingFits = Assert<Fits<Pick<typeof Photoshop.imaging, 'getPixels' | 'createImageDataFromBuffer' | 'encodeImageData'>, Pick<PsImaging, 'getPixels' | 'createImageDataFromBuffer' | 'encodeImageData'>>>;
export type ActionFits = Assert<Fits<typeof Photoshop.action.batchPlay, PsAction['batchPlay']>>;
