// @ts-check
/**
 * `npm run demo -- --models-dir DIR`: the demo server as a model mirror for the page. Browsers may only download
 * from servers that allow it (CORS), and GitHub's release downloads do not; models pulled once with
 * `facerestore models pull` (or put into DIR by hand, laid out as the catalog says) are offered to the page from this
 * computer instead. The page reads `models/catalog.json` from the server: the project's catalog with, for each model
 * found in DIR, a first source on this server (its size made exact; a published SHA-256 is kept, so the page still
 * verifies the bytes it receives). Only those files are served; no request can name another path.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const CATALOG_FILE = path.resolve(__dirname, '..', 'models', 'catalog.json');
const CATALOG_PATH = '/models/catalog.json';
const FILES_PREFIX = '/models/files/';

/**
 * @typedef {{ url: string, format: string }} Source
 * @typedef {{ id: string, file: string, aliases: string[], sources: Source[], size?: number | null, sizeExact?: boolean }} Entry
 * @typedef {{ models: Entry[] }} CatalogJson
 */

/**
 * The models of the catalog that DIR holds, keyed by the URL path the server offers each under.
 * @param {string | undefined} modelsDir
 * @param {CatalogJson} catalog
 * @returns {Map<string, { id: string, file: string, size: number }>}
 */
function findMirrored(modelsDir, catalog) {
  const found = new Map();
  if (modelsDir === undefined) return found;
  for (const entry of catalog.models) {
    for (const candidate of [entry.file, ...entry.aliases]) {
      const file = path.join(modelsDir, ...candidate.split('/'));
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (!stat?.isFile()) continue;
      found.set(`${FILES_PREFIX}${entry.id}.onnx`, { id: entry.id, file, size: stat.size });
      break;
    }
  }
  return found;
}

/**
 * A model mirror over `modelsDir`; without one, the catalog is served as it is (the page then fetches it without a
 * 404, and downloads go to the publishers). `route` answers the mirror's own paths, undefined for any other.
 * @param {string | undefined} modelsDir
 */
function createModelMirror(modelsDir) {
  const dir = modelsDir === undefined ? undefined : path.resolve(modelsDir);
  if (dir !== undefined && !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--models-dir ${dir} is not a folder`);
  /** @type {CatalogJson} */
  const catalog = JSON.parse(fs.readFileSync(CATALOG_FILE, 'utf8'));

  /** The catalog as this request's origin offers it (the page must download from its own origin). */
  const catalogFor = (/** @type {string} */ origin) => {
    const mirrored = findMirrored(dir, catalog);
    const byId = new Map([...mirrored].map(([urlPath, m]) => [m.id, { urlPath, ...m }]));
    return {
      ...catalog,
      models: catalog.models.map((entry) => {
        const m = byId.get(entry.id);
        if (!m) return entry;
        return { ...entry, size: m.size, sizeExact: true, sources: [{ url: `${origin}${m.urlPath}`, format: 'onnx' }, ...entry.sources] };
      }),
    };
  };

  return {
    dir,
    /** How many catalog models DIR holds now (for the start-up banner). */
    count: () => findMirrored(dir, catalog).size,
    /**
     * @param {string} pathname decoded request path
     * @param {string | undefined} hostHeader
     * @returns {{ json: unknown } | { file: string } | { status: number } | undefined} undefined: not a mirror path
     */
    route(pathname, hostHeader) {
      if (pathname === CATALOG_PATH) {
        // The Host header is reflected only to the client that sent it; refuse anything that is not host[:port].
        if (!hostHeader || !/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(hostHeader)) return { status: 400 };
        return { json: catalogFor(`http://${hostHeader}`) };
      }
      if (pathname.startsWith(FILES_PREFIX)) {
        const hit = findMirrored(dir, catalog).get(pathname);
        return hit ? { file: hit.file } : { status: 404 };
      }
      return undefined;
    },
  };
}

module.exports = { createModelMirror, CATALOG_PATH, FILES_PREFIX };
