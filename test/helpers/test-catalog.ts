/**
 * Test catalogs: models/catalog.json with chosen entries' sources pointing at the test server, their size and
 * SHA-256 computed from the served file at test time. Written to a file, so the CLI (FACERESTORE_CATALOG) and the
 * in-process manager load the very same catalog through the Node host's loader.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Catalog } from '../../src/core/catalog';
import { loadCatalog } from '../../src/host/node/catalog-file';

const CATALOG = path.resolve(__dirname, '..', '..', 'models', 'catalog.json');

export interface TestSource {
  /** The served URL (or any URL for refusal tests). */
  readonly url: string;
  /** The file whose bytes the entry describes: size and SHA-256 come from it. */
  readonly file?: string;
  /** null: no published checksum; a string: this checksum; undefined: the file's. */
  readonly sha256?: string | null;
  /** Overrides the size (null: unknown); default the file's exact size. */
  readonly size?: number | null;
  readonly sizeExact?: boolean;
  /** A PyTorch checkpoint of this network (converted after download); size and SHA-256 then describe the .pth. */
  readonly arch?: 'GFPGANv1Clean' | 'SRVGGNetCompact' | 'RRDBNet';
}

export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Writes the catalog with `sources` applied to their ids into `dir`; returns its path. */
export function writeTestCatalog(dir: string, sources: Readonly<Record<string, TestSource>>, name = 'catalog.json'): string {
  const json = JSON.parse(fs.readFileSync(CATALOG, 'utf8')) as { models: Array<Record<string, unknown>> };
  for (const [id, s] of Object.entries(sources)) {
    const entry = json.models.find((m) => m.id === id);
    if (!entry) throw new Error(`models/catalog.json has no "${id}"`);
    const bytes = s.file ? fs.readFileSync(s.file) : undefined;
    if (s.arch) {
      const sha256 = s.sha256 !== undefined ? s.sha256 : bytes ? sha256Of(bytes) : null;
      const size = s.size !== undefined ? s.size : bytes ? bytes.length : null;
      entry.sources = [{ url: s.url, format: 'pth', arch: s.arch, ...(sha256 ? { sha256 } : {}), ...(size ? { size } : {}) }];
      continue;
    }
    entry.sources = [{ url: s.url, format: 'onnx' }];
    entry.size = s.size !== undefined ? s.size : bytes ? bytes.length : null;
    entry.sizeExact = s.sizeExact ?? (s.size === undefined && bytes !== undefined);
    entry.sha256 = s.sha256 !== undefined ? s.sha256 : bytes ? sha256Of(bytes) : null;
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return file;
}

/** The catalog file loaded as the CLI loads it. */
export function loadTestCatalog(file: string): Catalog {
  return loadCatalog({ FACERESTORE_CATALOG: file });
}
