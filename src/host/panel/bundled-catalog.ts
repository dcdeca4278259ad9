/**
 * The model catalog shipped inside the plugin and page bundles: webpack inlines models/catalog.json, so they know every
 * model's sources, checksums and contracts without reading a file. Parsed (and so checked) once, on first use.
 */
import { parseCatalog, type Catalog } from '../../core/catalog';
import catalogJson from '../../../models/catalog.json';

let parsed: Catalog | undefined;

/** The parsed bundled catalog. Throws INVALID_CATALOG if the shipped file is broken (a build error, caught by tests). */
export function bundledCatalog(): Catalog {
  parsed ??= parseCatalog(catalogJson);
  return parsed;
}
