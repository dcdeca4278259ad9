/**
 * Why the plugin will not run, in the user's words. Each refusal has a stable code (tests and logs) and a message
 * that says what is wrong and what to do; the panel shows the message as is.
 */

export type RefusalCode =
  | 'NO_DOCUMENT'
  | 'NO_ACTIVE_LAYER'
  | 'SEVERAL_LAYERS'
  | 'NOT_PIXEL_LAYER'
  | 'EMPTY_LAYER'
  | 'LOCKED_LAYER'
  | 'UNSUPPORTED_MODE'
  | 'HOST_BUSY'
  | 'NO_FACE'
  | 'NO_FACE_SELECTED'
  | 'MODELS_MISSING'
  | 'NO_WASM';

export class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }
}

export function isRefusal(error: unknown): error is Refusal {
  return error instanceof Error && error.name === 'Refusal' && typeof (error as Refusal).code === 'string';
}

/** Plain names and the way to make each non-pixel layer kind usable (LayerKind values, @types/photoshop Constants). */
const KIND_ADVICE: Record<string, string> = {
  text: 'a text layer. Rasterize it first (Layer ▸ Rasterize ▸ Type) or select the photo layer',
  smartObject: 'a Smart Object. Rasterize it (Layer ▸ Rasterize ▸ Smart Object) or open it (double-click its thumbnail) and restore the layer inside',
  group: 'a group. Select the photo layer inside it',
  solidColor: 'a fill layer. Select the photo layer',
  gradientFill: 'a fill layer. Select the photo layer',
  pattern: 'a fill layer. Select the photo layer',
  video: 'a video layer. Rasterize it (Layer ▸ Rasterize ▸ Video) first',
  threeD: 'a 3D layer. Rasterize it (Layer ▸ Rasterize ▸ 3D) first',
};

export function notPixelLayer(layerName: string, kind: string): Refusal {
  const advice = KIND_ADVICE[kind] ?? 'an adjustment layer, which holds no pixels of its own. Select the photo layer it adjusts';
  return new Refusal('NOT_PIXEL_LAYER', `“${layerName}” is ${advice}.`);
}

/** DocumentMode values (@types/photoshop Constants.DocumentMode) → the words Photoshop's Image ▸ Mode menu uses. */
const MODE_NAMES: Record<string, string> = {
  bitmapMode: 'Bitmap',
  CMYKColorMode: 'CMYK',
  duotoneMode: 'Duotone',
  indexedColorMode: 'Indexed Color',
  labColorMode: 'Lab',
  multichannelMode: 'Multichannel',
};

export function unsupportedMode(mode: string): Refusal {
  const name = MODE_NAMES[mode] ?? mode;
  return new Refusal(
    'UNSUPPORTED_MODE',
    `This document is in ${name} mode; face restoration works on RGB and Grayscale documents. ` +
      'Convert a copy with Image ▸ Mode ▸ RGB Color (or Grayscale), then try again.',
  );
}
