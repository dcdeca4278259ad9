/**
 * Test set-up for the Photoshop host: the in-memory fake with the shared models installed in its plugin data folder,
 * documents made from the shared photos, and the panel controller on onnxruntime-node (the sandboxed-bundle test
 * covers onnxruntime-web). Model files are symlinked from ../shared, never copied into the project.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { createNodeRuntime } from '../../src/host/node/ort';
import { createRestoreController, type ControllerDeps, type RestoreController } from '../../src/host/photoshop/restore-controller';
import type { PsDocument } from '../../src/host/photoshop/ps-api';
import { createFakePhotoshop, type DocumentSnapshot, type FakePhotoshop, type FakePhotoshopOptions, type LayerSnapshot, type LayerSpec } from '../fakes/photoshop-fake';
import { sharedImage, sharedModel } from './shared';

/** The shared models the tests install, relative to `models/`. */
export const MODEL_FILES: readonly string[] = ['restore/unsharp-512.onnx', 'restore/identity-512.onnx', 'detection/yunet-2023mar-640.onnx'];

/** A plugin data folder holding `files` (relative to `models/`), linked to the shared models. */
export function makeDataDir(files: readonly string[] = MODEL_FILES): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fr-plugin-data-'));
  for (const rel of files) {
    const target = path.join(dir, 'models', rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(sharedModel(rel), target);
  }
  return dir;
}

export interface Harness {
  readonly fake: FakePhotoshop;
  readonly controller: RestoreController;
  readonly dataDir: string;
}

export async function makeHarness(options: {
  fake?: FakePhotoshopOptions; modelFiles?: readonly string[]; canRun?: boolean; longRunSeconds?: number;
  /** Catalog, fetch and download settings for the Models section (default: the bundled catalog, no network). */
  models?: ControllerDeps['models'];
} = {}): Promise<Harness> {
  const dataDir = makeDataDir(options.modelFiles);
  const fake = createFakePhotoshop({ dataDir, ...options.fake });
  const canRun = options.canRun ?? true;
  const controller = createRestoreController({
    ps: fake.modules,
    createRuntime: async () => createNodeRuntime(),
    runtimeCheck: canRun ? { canRun, text: 'test runtime' } : { canRun, text: 'This Photoshop has no WebAssembly, so models cannot run inside the panel.' },
    ...(options.longRunSeconds === undefined ? {} : { longRunSeconds: options.longRunSeconds }),
    ...(options.models ? { models: options.models } : {}),
  });
  await controller.ready;
  return { fake, controller, dataDir };
}

export interface Photo {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4 | 1 | 2;
  readonly data: Uint8Array;
}

/** Decodes a shared photo to 8-bit RGB (or gray). */
export async function loadPhoto(name: string, options: { gray?: boolean } = {}): Promise<Photo> {
  let img = sharp(sharedImage(name)).removeAlpha();
  img = options.gray ? img.toColourspace('b-w') : img.toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels as 1 | 3, data: new Uint8Array(data) };
}

/** 8-bit values → the document depth's range (16-bit 0..32768, 32-bit linear float). */
export function toDepth(data: Uint8Array, depth: 8 | 16 | 32): Uint8Array | Uint16Array | Float32Array {
  if (depth === 8) return data;
  if (depth === 16) return Uint16Array.from(data, (v) => Math.round((v * 32768) / 255));
  return Float32Array.from(data, (v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
}

/** A document whose only layer is the photo as Background. */
export function openPhotoAsBackground(fake: FakePhotoshop, photo: Photo, options: { depth?: 8 | 16 | 32; title?: string } = {}): PsDocument {
  const depth = options.depth ?? 8;
  return fake.openDocument({
    title: options.title ?? 'photo.psd',
    width: photo.width,
    height: photo.height,
    mode: photo.channels === 1 ? 'grayscaleMode' : 'RGBColorMode',
    bitsPerChannel: `bitDepth${depth}`,
    layers: [{ name: 'Background', isBackground: true, pixels: { left: 0, top: 0, width: photo.width, height: photo.height, channels: photo.channels, data: toDepth(photo.data, depth) } }],
  });
}

/** Adds alpha 255 to an RGB photo (a normal pixel layer's pixels). */
export function withAlpha(photo: Photo): Photo {
  const n = photo.width * photo.height;
  const out = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    out.set(photo.data.subarray(i * 3, i * 3 + 3), i * 4);
    out[i * 4 + 3] = 255;
  }
  return { ...photo, channels: 4, data: out };
}

/** A pixel layer spec holding `photo` at (left, top). */
export function photoLayer(name: string, photo: Photo, left: number, top: number, extra: Partial<LayerSpec> = {}): LayerSpec {
  const p = photo.channels === 3 ? withAlpha(photo) : photo;
  return { name, pixels: { left, top, width: p.width, height: p.height, channels: p.channels, data: p.data }, ...extra };
}


/**
 * A document snapshot with every pixel buffer replaced by its SHA-1 (jest's deep equality walks typed arrays element
 * by element, minutes for a 10 MP canvas). Equal digests ⇔ equal documents, byte for byte.
 */
export function digest(snapshot: DocumentSnapshot): unknown {
  const hash = (data: ArrayBufferView): string => createHash('sha1').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
  const layer = (l: LayerSnapshot): unknown => ({
    ...l,
    pixels: l.pixels && { channels: l.pixels.channels, type: l.pixels.data.constructor.name, sha1: hash(l.pixels.data) },
    mask: l.mask && { channels: l.mask.channels, type: l.mask.data.constructor.name, sha1: hash(l.mask.data) },
    children: l.children && l.children.map(layer),
  });
  return { ...snapshot, layers: snapshot.layers.map(layer) };
}
