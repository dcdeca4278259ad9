/**
 * The page's side of files: thumbnails as data URLs, saving through the browser's download, and the model file
 * picker. Everything stays on this computer: a download is a local object URL, a picked file is read in the page.
 */
import type { PixelImage } from '../../core/image';
import type { PickedFile } from '../panel/models-controller';
import { toWebPixels } from './web-session';

/** A JPEG data URL of an 8-bit image (the face list's thumbnails). */
export async function thumbnailUrl(image: PixelImage): Promise<string> {
  const { width, height, data } = toWebPixels(image);
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser gives no 2D canvas');
  context.putImageData(new ImageData(data as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the thumbnail could not be read'));
    reader.readAsDataURL(blob);
  });
}

/** Hands `blob` to the browser's download as `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has taken its copy once the click is handled; keep the URL a little longer for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Opens the browser's file chooser for an .onnx model and reads the chosen file. Resolves undefined when the user
 * closes the chooser without a file (the `cancel` event; browsers without it never settle that case, harmlessly).
 */
export function pickModelFile(): Promise<PickedFile | undefined> {
  return new Promise((resolve, reject) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.onnx';
    input.style.display = 'none';
    const done = (): void => input.remove();
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      done();
      if (!file) {
        resolve(undefined);
        return;
      }
      file.arrayBuffer().then(
        (buffer) => resolve({ name: file.name, source: file.name, bytes: new Uint8Array(buffer) }),
        (error: unknown) => reject(error),
      );
    });
    input.addEventListener('cancel', () => {
      done();
      resolve(undefined);
    });
    document.body.appendChild(input);
    input.click();
  });
}
