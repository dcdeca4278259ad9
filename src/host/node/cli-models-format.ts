/** What `facerestore models` prints: the list table and its JSON, pull and verify results. */
import type { CatalogEntry } from '../../core/catalog';
import type { InstallRecord, TrustBasis } from '../../core/model-host';
import type { ModelStatus, VerifyResult } from '../../core/model-manager';

const MB = 1024 * 1024;
const mb = (bytes: number): string => (bytes < MB / 10 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / MB).toFixed(1)} MB`);

/** "Apache-2.0 (TencentARC/GFPGAN; …)" → "Apache-2.0"; restricted models are marked. */
function licenceShort(entry: CatalogEntry | undefined): string {
  if (!entry) return '—';
  const short = entry.licence.split(/\s*[(;:]/)[0].trim() || entry.licence;
  return entry.restricted ? `${short} (restricted)` : short;
}

function sizeOf(m: ModelStatus): string {
  if (m.size !== undefined) return mb(m.size);
  const size = m.entry?.size;
  if (!size) return '?';
  return `${m.entry?.sizeExact ? '' : '~'}${mb(size)}`;
}

type State = 'installed' | 'partial' | 'not-installed' | 'not-downloadable';

function stateOf(m: ModelStatus): State {
  if (m.file) return 'installed';
  if (m.partial) return 'partial';
  return m.downloadable ? 'not-installed' : 'not-downloadable';
}

/** The status column: installed ✓ (trust), partial 43 %, not installed, or how to get a model that cannot be pulled. */
function statusText(m: ModelStatus): string {
  switch (stateOf(m)) {
    case 'installed':
      return m.record ? `installed ✓ (${m.record.trust})` : 'installed (placed by hand, no checksum recorded)';
    case 'partial': {
      const size = m.entry?.size;
      return size ? `partial ${Math.min(99, Math.floor(((m.partial ?? 0) / size) * 100))} %` : `partial ${mb(m.partial ?? 0)}`;
    }
    case 'not-installed':
      return 'not installed';
    default:
      return m.entry?.sources.some((s) => s.format === 'pth') ? 'pth only — import an ONNX export' : 'no download — import an ONNX export';
  }
}

function table(rows: readonly string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell + ' '.repeat(widths[c] - [...cell].length))).join('  ').trimEnd()).join('\n');
}

export function formatList(models: readonly ModelStatus[], footer: string): string {
  const rows = [['ID', 'ROLE', 'NAME', 'SIZE', 'STATUS', 'LICENCE']];
  for (const m of models) rows.push([m.id, m.role, m.name, sizeOf(m), statusText(m), licenceShort(m.entry)]);
  return `${table(rows)}\n\n${footer}`;
}

export interface ListedModel {
  readonly id: string;
  readonly role: string;
  readonly name: string;
  readonly status: State;
  readonly file: string | null;
  readonly path: string | null;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly trust: TrustBasis | null;
  readonly partial: number | null;
  readonly downloadable: boolean;
  readonly licence: string | null;
  readonly default: boolean;
  readonly restricted: boolean;
}

export function listJson(models: readonly ModelStatus[], dir: string): { modelsDir: string; models: ListedModel[] } {
  return {
    modelsDir: dir,
    models: models.map((m) => ({
      id: m.id, role: m.role, name: m.name, status: stateOf(m),
      file: m.file ?? null, path: m.file ? `${dir}/${m.file}`.replace(/\\/g, '/') : null,
      size: m.size ?? m.entry?.size ?? null, sha256: m.record?.sha256 ?? null, trust: m.record?.trust ?? null,
      partial: m.partial ?? null, downloadable: m.downloadable, licence: m.entry?.licence ?? null,
      default: m.entry?.isDefault ?? false, restricted: m.entry?.restricted ?? false,
    })),
  };
}

const TRUST: Readonly<Record<TrustBasis, string>> = {
  published: 'matches the published checksum',
  'first-download': 'no published checksum: recorded at this first download',
  imported: 'recorded at import',
  converted: 'built here by the converter; recorded at conversion',
};

export function formatPulled(name: string, status: 'downloaded' | 'present', record: InstallRecord, where: string): string {
  if (status === 'present') return `${name} is already installed: ${where}`;
  const c = record.converted;
  if (c) {
    const checkpoint = `${mb(c.checkpoint.size)}, SHA-256 ${c.checkpoint.sha256}, ${c.checkpoint.trust === 'published' ? 'matches the published checksum' : 'no published checksum'}`;
    return `Downloaded ${name}'s PyTorch checkpoint (${checkpoint})\nand converted it (${c.arch}, converter ${c.converter}, ${c.weights} weights) to ${where} (${mb(record.size)})\n` +
      `SHA-256 ${record.sha256} (${TRUST[record.trust]})`;
  }
  return `Downloaded ${name} (${mb(record.size)}) to ${where}\nSHA-256 ${record.sha256} (${TRUST[record.trust]})`;
}

export function formatVerify(results: readonly VerifyResult[]): string {
  const rows = results.map((r) => {
    const basis = r.basis === 'published' ? 'the published checksum' : 'the checksum recorded at install';
    if (r.state === 'ok') return ['ok', r.id, r.file, `matches ${basis}`];
    if (r.state === 'unknown') return ['unknown', r.id, r.file, `SHA-256 ${r.sha256}; nothing to compare with (placed by hand)`];
    return ['MISMATCH', r.id, r.file, `SHA-256 ${r.sha256}, expected ${r.expected} (${basis}): the file is damaged or was replaced; remove it and install it again`];
  });
  return table(rows);
}
