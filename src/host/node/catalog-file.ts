/**
 * Loads the model catalog for the Node host: the file named by `FACERESTORE_CATALOG` when set (a mirror's catalog,
 * or a test catalog pointing at a local server), else `models/catalog.json` of the installed package.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseCatalog, type Catalog } from '../../core/catalog';
import { describeError, RestoreError } from '../../core/errors';

/** The package root: this file is src/host/node/ (ts-jest) or build/host/node/ (compiled), three levels below it. */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

let version: string | undefined;
/** The package's version, for the User-Agent. */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = String((JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ?? '0');
    } catch {
      version = '0';
    }
  }
  return version;
}

/** The catalog file in effect and how it was chosen (for messages). */
export function catalogFile(env: NodeJS.ProcessEnv = process.env): { file: string; from: string } {
  if (env.FACERESTORE_CATALOG) return { file: path.resolve(env.FACERESTORE_CATALOG), from: 'FACERESTORE_CATALOG' };
  return { file: path.join(PACKAGE_ROOT, 'models', 'catalog.json'), from: 'the catalog shipped with FaceRestore' };
}

/** Reads and checks the catalog; INVALID_CATALOG naming the file when it cannot be read or is malformed. */
export function loadCatalog(env: NodeJS.ProcessEnv = process.env): Catalog {
  const { file, from } = catalogFile(env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : describeError(error);
    throw new RestoreError('INVALID_CATALOG', `Cannot read the model catalog ${file} (${from}): ${why}${from === 'FACERESTORE_CATALOG' ? '; fix or unset FACERESTORE_CATALOG' : ''}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RestoreError('INVALID_CATALOG', `The model catalog ${file} (${from}) is not valid JSON: ${describeError(error)}`, { cause: error });
  }
  try {
    return parseCatalog(json);
  } catch (error) {
    if (error instanceof RestoreError) throw new RestoreError(error.code, `${error.message} (in ${file})`, { cause: error });
    throw error;
  }
}
