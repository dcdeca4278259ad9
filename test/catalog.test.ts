/**
 * models/catalog.json against its schema (Ajv) and its typed loader (parseCatalog), and against the code it
 * configures: the catalog is the engine's source of truth, so its contracts must equal the engine's own constants
 * and the shared official files. Mutated copies check that the schema and the loader refuse the same mistakes.
 */
import Ajv from 'ajv';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { defaultEntry, detectorPixels, entriesFor, findEntry, MODEL_ROLES, parseCatalog, restoreDescriptor, type CatalogEntry } from '../src/core/catalog';
import { RETINAFACE_PIXELS } from '../src/core/detect/retinaface';
import { SCRFD_PIXELS } from '../src/core/detect/scrfd';
import { DETECTOR_KINDS, type DetectorKind } from '../src/core/detect/types';
import { YUNET_OUTPUTS, YUNET_PIXELS } from '../src/core/detect/yunet';
import { RestoreError } from '../src/core/errors';
import { DETECTOR_FILE_NAMES, GFPGAN, type RestoreModelDescriptor } from '../src/core/models';
import { sharedModel } from './helpers/shared';

type Raw = Record<string, unknown>;

const MODELS_DIR = path.resolve(__dirname, '..', 'models');
const readJson = (file: string): Raw => JSON.parse(fs.readFileSync(path.join(MODELS_DIR, file), 'utf8')) as Raw;
const CATALOG = readJson('catalog.json');
const SCHEMA = readJson('catalog.schema.json');

const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile(SCHEMA);

/** Ajv's errors for `json`, [] when it validates: a failing expectation prints them. */
function schemaErrors(json: unknown): Array<{ instancePath: string; message?: string; params: unknown }> {
  return validate(json) ? [] : (validate.errors ?? []).map(({ instancePath, message, params }) => ({ instancePath, message, params }));
}

const rawModels = (catalog: Raw): Raw[] => catalog.models as Raw[];
const rawModel = (catalog: Raw, id: string): Raw => {
  const found = rawModels(catalog).find((m) => m.id === id);
  if (!found) throw new Error(`test setup: no model ${id} in the catalog`);
  return found;
};
const rawContract = (catalog: Raw, id: string): Raw => rawModel(catalog, id).contract as Raw;
const indexOf = (id: string): number => rawModels(CATALOG).findIndex((m) => m.id === id);

/** A deep copy of the catalog with `change` applied. */
function mutated(change: (catalog: Raw) => void): Raw {
  const copy = JSON.parse(JSON.stringify(CATALOG)) as Raw;
  change(copy);
  return copy;
}

/** The RestoreError parseCatalog throws for `json` (fails the test when it accepts it or throws something else). */
function parseError(json: unknown): RestoreError {
  try {
    parseCatalog(json);
  } catch (error) {
    if (error instanceof RestoreError) return error;
    throw new Error(`parseCatalog threw a non-RestoreError: ${String(error)}`);
  }
  throw new Error('parseCatalog accepted the catalog');
}

describe('models/catalog.schema.json', () => {
  test('is a valid draft-07 schema, and catalog.json points to it', () => {
    expect(ajv.validateSchema(SCHEMA)).toBe(true);
    expect(SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(path.resolve(MODELS_DIR, CATALOG.$schema as string)).toBe(path.join(MODELS_DIR, 'catalog.schema.json'));
  });

  test('documents every property (a description on it or on the definition it refers to)', () => {
    const undocumented: string[] = [];
    const resolve = (ref: string): Raw => ref.slice(2).split('/').reduce<Raw>((node, key) => node[key] as Raw, SCHEMA);
    const walk = (node: unknown, where: string): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Raw;
      if (n.properties) {
        for (const [key, value] of Object.entries(n.properties as Record<string, Raw>)) {
          const documented = typeof value.description === 'string' || (typeof value.$ref === 'string' && typeof resolve(value.$ref).description === 'string');
          if (!documented) undocumented.push(`${where}.${key}`);
        }
      }
      // `if` subschemas are conditions (role tests), not documented properties.
      for (const [key, value] of Object.entries(n)) if (key !== 'if') walk(value, `${where}.${key}`);
    };
    walk(SCHEMA, '#');
    expect(undocumented).toEqual([]);
  });

  test('models/catalog.json validates', () => {
    expect(schemaErrors(CATALOG)).toEqual([]);
  });
});

describe('parseCatalog on models/catalog.json', () => {
  const catalog = parseCatalog(CATALOG);

  test('accepts it, with one parsed entry per JSON entry, in order', () => {
    expect(catalog.version).toBe(1);
    expect(catalog.models.map((m) => m.id)).toEqual(rawModels(CATALOG).map((m) => m.id));
  });

  test.each(rawModels(CATALOG).map((m) => [m.id as string, m] as const))('%s round-trips field by field', (id, raw) => {
    const entry = findEntry(catalog, id);
    expect(entry).toEqual({
      id,
      role: raw.role,
      name: raw.name,
      licence: raw.licence,
      ...(raw.description !== undefined ? { description: raw.description } : {}),
      file: raw.file,
      aliases: raw.aliases ?? [],
      sources: raw.sources,
      size: raw.size,
      sizeExact: raw.sizeExact === true,
      sha256: raw.sha256,
      isDefault: raw.default === true,
      restricted: raw.restricted === true,
      contract: raw.contract,
    });
  });

  test('written back as JSON, the parsed catalog validates and parses to the same catalog', () => {
    const written = {
      $schema: './catalog.schema.json',
      version: catalog.version,
      models: catalog.models.map(({ isDefault, restricted, ...rest }: CatalogEntry) => ({
        ...rest,
        ...(isDefault ? { default: true } : {}),
        ...(restricted ? { restricted: true } : {}),
      })),
    };
    const json = JSON.parse(JSON.stringify(written)) as Raw;
    expect(schemaErrors(json)).toEqual([]);
    expect(parseCatalog(json)).toEqual(catalog);
  });

  test('ids are unique and each role has exactly one default, never a restricted model', () => {
    const ids = catalog.models.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const role of MODEL_ROLES) {
      const defaults = entriesFor(catalog, role).filter((m) => m.isDefault);
      expect(defaults).toHaveLength(1);
      expect(defaults[0].restricted).toBe(false);
      expect(defaultEntry(catalog, role)).toBe(defaults[0]);
    }
    expect(defaultEntry(catalog, 'restorer')?.id).toBe('gfpgan-1.4');
    expect(defaultEntry(catalog, 'detector')?.id).toBe('yunet-2023mar');
    expect(defaultEntry(catalog, 'upsampler')?.id).toBe('realesr-general-x4v3');
  });

  test('lists GFPGAN 1.2/1.3/1.4, CodeFormer with a weight input, YuNet, RetinaFace, SCRFD and the Real-ESRGAN models', () => {
    const roles = Object.fromEntries(catalog.models.map((m) => [m.id, m.role]));
    expect(roles).toMatchObject({
      'gfpgan-1.2': 'restorer',
      'gfpgan-1.3': 'restorer',
      'gfpgan-1.4': 'restorer',
      codeformer: 'restorer',
      'yunet-2023mar': 'detector',
      'retinaface-mobilenet0.25': 'detector',
      'scrfd-500m-kps': 'detector',
      'realesr-general-x4v3': 'upsampler',
      'realesr-animevideov3-x4': 'upsampler',
      'realesrgan-x2plus': 'upsampler',
      'realesrgan-x4plus': 'upsampler',
    });
    const codeformer = findEntry(catalog, 'codeformer');
    expect(codeformer.role === 'restorer' && codeformer.contract.weight).toEqual({ name: 'weight', type: 'float64', shape: [1], default: 0.5 });
    expect(codeformer.restricted).toBe(true);
    for (const m of entriesFor(catalog, 'restorer').filter((e) => e.id.startsWith('gfpgan'))) expect(m.contract.weight).toBeUndefined();
  });
});

describe('the catalog agrees with the engine', () => {
  const catalog = parseCatalog(CATALOG);
  const restorers = entriesFor(catalog, 'restorer');
  const detectors = entriesFor(catalog, 'detector');

  test.each(restorers.map((e) => [e.id, e] as const))('restoreDescriptor(%s) equals GFPGAN from models.ts (family: the entry name)', (_id, entry) => {
    const descriptor = restoreDescriptor(entry);
    const fields = Object.keys(GFPGAN) as Array<keyof RestoreModelDescriptor>;
    expect(Object.keys(descriptor).sort()).toEqual([...fields].sort());
    for (const field of fields.filter((f) => f !== 'family')) expect([field, descriptor[field]]).toEqual([field, GFPGAN[field]]);
    // The one field that differs: models.ts names the family, the catalog the model.
    expect(descriptor.family).toBe(entry.name);
  });

  const PIXELS: Readonly<Record<DetectorKind, unknown>> = { yunet: YUNET_PIXELS, retinaface: RETINAFACE_PIXELS, scrfd: SCRFD_PIXELS };
  test.each(detectors.map((e) => [e.id, e.contract.decoder, e] as const))('detectorPixels(%s) equals the %s decoder\'s own', (_id, decoder, entry) => {
    expect(detectorPixels(entry)).toEqual(PIXELS[decoder]);
  });

  test('one detector entry per decoder, accepting every file name the hosts look for', () => {
    expect(detectors.map((d) => d.contract.decoder).sort()).toEqual([...DETECTOR_KINDS].sort());
    for (const kind of DETECTOR_KINDS) {
      const entry = detectors.find((d) => d.contract.decoder === kind)!;
      expect([kind, DETECTOR_FILE_NAMES[kind].filter((name) => ![entry.file, ...entry.aliases].includes(name))]).toEqual([kind, []]);
    }
  });

  test("the YuNet entry lists exactly the outputs the yunet decoder reads", () => {
    const yunet = findEntry(catalog, 'yunet-2023mar');
    expect(yunet.role === 'detector' && [...yunet.contract.outputs].sort()).toEqual([...YUNET_OUTPUTS].sort());
  });

  test("the YuNet entry's sha256 and size are those of the official file in ../shared", () => {
    const bytes = fs.readFileSync(sharedModel('detection/yunet-2023mar-640.onnx'));
    const yunet = findEntry(catalog, 'yunet-2023mar');
    expect(yunet.file).toBe('detection/yunet-2023mar-640.onnx');
    expect(yunet.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(yunet.size).toBe(bytes.length);
    expect(yunet.sizeExact).toBe(true);
  });
});

interface Mistake {
  readonly name: string;
  readonly change: (catalog: Raw) => void;
  /** Where Ajv must report it (an instancePath prefix). */
  readonly at: string;
  /** What parseCatalog's INVALID_CATALOG message must say (the model and the field); absent when it does not check it. */
  readonly says?: readonly string[];
}

const at = (id: string, rest = ''): string => `/models/${indexOf(id)}${rest}`;
/** True when Ajv reports an error at `where` or inside it. */
const reportedAt = (errors: ReadonlyArray<{ instancePath: string }>, where: string): boolean =>
  errors.some((e) => e.instancePath === where || e.instancePath.startsWith(`${where}/`));

/** Refused by both the schema and parseCatalog. */
const BOTH: readonly Mistake[] = [
  { name: 'sha256 in upper case', change: (c) => { rawModel(c, 'yunet-2023mar').sha256 = '8F2383E4DD3CFBB4553EA8718107FC0423210DC964F9F4280604804ED2552FA4'; }, at: at('yunet-2023mar', '/sha256'), says: ['model "yunet-2023mar".sha256', 'null or 64 lower-case hex digits', '8F2383E4'] },
  { name: 'sha256 too short', change: (c) => { rawModel(c, 'gfpgan-1.4').sha256 = 'abc123'; }, at: at('gfpgan-1.4', '/sha256'), says: ['model "gfpgan-1.4".sha256', '"abc123"'] },
  { name: 'an http:// source URL', change: (c) => { (rawModel(c, 'gfpgan-1.3').sources as Raw[])[1].url = 'http://github.com/TencentARC/GFPGAN/releases/download/v1.3.0/GFPGANv1.3.pth'; }, at: at('gfpgan-1.3', '/sources/1/url'), says: ['model "gfpgan-1.3".sources[1].url', 'http://github.com'] },
  { name: 'a source format other than onnx/pth', change: (c) => { (rawModel(c, 'gfpgan-1.4').sources as Raw[])[0].format = 'safetensors'; }, at: at('gfpgan-1.4', '/sources/0/format'), says: ['model "gfpgan-1.4".sources[0].format', '"safetensors"'] },
  { name: 'a checkpoint of a network the converter does not build', change: (c) => { (rawModel(c, 'gfpgan-1.4').sources as Raw[])[0].arch = 'StyleGAN3'; }, at: at('gfpgan-1.4', '/sources/0/arch'), says: ['model "gfpgan-1.4".sources[0].arch', 'GFPGANv1Clean, SRVGGNetCompact, RRDBNet', '"StyleGAN3"'] },
  { name: "a checkpoint's sha256 in upper case", change: (c) => { (rawModel(c, 'gfpgan-1.4').sources as Raw[])[1].sha256 = 'E2CD4703AB14F4D01FD1383A8A8B266F9A5833DACEE8E6A79D3BF21A1B6BE5AD'; }, at: at('gfpgan-1.4', '/sources/1/sha256'), says: ['model "gfpgan-1.4".sources[1].sha256', '64 lower-case hex digits'] },
  { name: 'a file with ".."', change: (c) => { rawModel(c, 'gfpgan-1.4').file = 'restore/../../gfpgan-v1.4.onnx'; }, at: at('gfpgan-1.4', '/file'), says: ['model "gfpgan-1.4".file', '"restore/../../gfpgan-v1.4.onnx"'] },
  { name: 'a file starting with ".."', change: (c) => { rawModel(c, 'realesrgan-x4plus').file = '../x4.onnx'; }, at: at('realesrgan-x4plus', '/file'), says: ['model "realesrgan-x4plus".file'] },
  { name: 'an absolute file', change: (c) => { rawModel(c, 'realesrgan-x4plus').file = '/etc/x4.onnx'; }, at: at('realesrgan-x4plus', '/file'), says: ['model "realesrgan-x4plus".file'] },
  { name: 'a file not ending in .onnx', change: (c) => { rawModel(c, 'realesrgan-x4plus').file = 'upscale/RealESRGAN_x4plus.pth'; }, at: at('realesrgan-x4plus', '/file'), says: ['model "realesrgan-x4plus".file'] },
  { name: 'an alias with ".."', change: (c) => { (rawModel(c, 'codeformer').aliases as string[]).push('restore/../codeformer.onnx'); }, at: at('codeformer', '/aliases/1'), says: ['model "codeformer".aliases[1]'] },
  { name: 'an alias listed twice', change: (c) => { (rawModel(c, 'codeformer').aliases as string[]).push('codeformer.onnx'); }, at: at('codeformer', '/aliases'), says: ['model "codeformer"', 'unique', 'file:codeformer.onnx'] },
  { name: 'a duplicated entry (duplicate id)', change: (c) => { rawModels(c).push(rawModel(c, 'realesrgan-x2plus')); }, at: '/models', says: ['model "realesrgan-x2plus"', 'unique', 'id:realesrgan-x2plus'] },
  { name: 'an unknown role', change: (c) => { rawModel(c, 'realesrgan-x4plus').role = 'upscaler'; }, at: at('realesrgan-x4plus', '/role'), says: ['model "realesrgan-x4plus".role', '"upscaler"'] },
  { name: 'an id with upper case', change: (c) => { rawModel(c, 'gfpgan-1.2').id = 'GFPGAN-1.2'; }, at: at('gfpgan-1.2', '/id'), says: ['models[0].id', '"GFPGAN-1.2"'] },
  { name: 'version 2', change: (c) => { c.version = 2; }, at: '/version', says: ['version must be 1'] },
  { name: 'no sources', change: (c) => { delete rawModel(c, 'gfpgan-1.2').sources; }, at: at('gfpgan-1.2'), says: ['model "gfpgan-1.2".sources'] },
  { name: 'no sha256', change: (c) => { delete rawModel(c, 'gfpgan-1.2').sha256; }, at: at('gfpgan-1.2'), says: ['model "gfpgan-1.2".sha256'] },
  { name: 'size 0', change: (c) => { rawModel(c, 'yunet-2023mar').size = 0; }, at: at('yunet-2023mar', '/size'), says: ['model "yunet-2023mar".size'] },
  { name: 'no licence', change: (c) => { delete rawModel(c, 'codeformer').licence; }, at: at('codeformer'), says: ['model "codeformer".licence'] },
  { name: 'a restorer without template', change: (c) => { delete rawContract(c, 'gfpgan-1.3').template; }, at: at('gfpgan-1.3', '/contract'), says: ['model "gfpgan-1.3".contract.template'] },
  { name: 'a restorer template of 4 points', change: (c) => { (rawContract(c, 'gfpgan-1.3').template as unknown[]).pop(); }, at: at('gfpgan-1.3', '/contract/template'), says: ['model "gfpgan-1.3".contract.template'] },
  { name: 'a restorer in BGR', change: (c) => { rawContract(c, 'gfpgan-1.4').colorOrder = 'BGR'; }, at: at('gfpgan-1.4', '/contract/colorOrder'), says: ['model "gfpgan-1.4".contract.colorOrder', '"BGR"'] },
  { name: 'a restorer with std 0', change: (c) => { rawContract(c, 'gfpgan-1.4').std = 0; }, at: at('gfpgan-1.4', '/contract/std'), says: ['model "gfpgan-1.4".contract.std'] },
  { name: 'a restorer with an outputRange of 3 numbers', change: (c) => { rawContract(c, 'gfpgan-1.4').outputRange = [-1, 0, 1]; }, at: at('gfpgan-1.4', '/contract/outputRange'), says: ['model "gfpgan-1.4".contract.outputRange'] },
  { name: 'a float16 input tensor', change: (c) => { (rawContract(c, 'gfpgan-1.4').input as Raw).type = 'float16'; }, at: at('gfpgan-1.4', '/contract/input/type'), says: ['model "gfpgan-1.4".contract.input.type', '"float16"'] },
  { name: 'a 0 dimension', change: (c) => { (rawContract(c, 'gfpgan-1.4').output as Raw).shape = [1, 3, 0, 512]; }, at: at('gfpgan-1.4', '/contract/output/shape/2'), says: ['model "gfpgan-1.4".contract.output.shape[2]'] },
  { name: 'a weight default above 1', change: (c) => { (rawContract(c, 'codeformer').weight as Raw).default = 1.5; }, at: at('codeformer', '/contract/weight/default'), says: ['model "codeformer".contract.weight.default', '1.5'] },
  { name: 'a weight without default', change: (c) => { delete (rawContract(c, 'codeformer').weight as Raw).default; }, at: at('codeformer', '/contract/weight'), says: ['model "codeformer".contract.weight.default'] },
  { name: 'a detector with an unknown decoder', change: (c) => { rawContract(c, 'retinaface-mobilenet0.25').decoder = 'mtcnn'; }, at: at('retinaface-mobilenet0.25', '/contract/decoder'), says: ['model "retinaface-mobilenet0.25".contract.decoder', '"mtcnn"'] },
  { name: 'a detector without outputs', change: (c) => { rawContract(c, 'yunet-2023mar').outputs = []; }, at: at('yunet-2023mar', '/contract/outputs'), says: ['model "yunet-2023mar".contract.outputs'] },
  { name: 'a detector colour order "GRB"', change: (c) => { rawContract(c, 'scrfd-500m-kps').colorOrder = 'GRB'; }, at: at('scrfd-500m-kps', '/contract/colorOrder'), says: ['model "scrfd-500m-kps".contract.colorOrder', '"GRB"'] },
  { name: 'a detector mean of one number', change: (c) => { rawContract(c, 'scrfd-500m-kps').mean = 127.5; }, at: at('scrfd-500m-kps', '/contract/mean'), says: ['model "scrfd-500m-kps".contract.mean'] },
  { name: 'a detector scale 0', change: (c) => { rawContract(c, 'scrfd-500m-kps').scale = 0; }, at: at('scrfd-500m-kps', '/contract/scale'), says: ['model "scrfd-500m-kps".contract.scale'] },
  { name: 'an upsampler with scale 1', change: (c) => { rawContract(c, 'realesrgan-x2plus').scale = 1; }, at: at('realesrgan-x2plus', '/contract/scale'), says: ['model "realesrgan-x2plus".contract.scale', 'found 1'] },
  { name: 'an upsampler with scale 32', change: (c) => { rawContract(c, 'realesrgan-x2plus').scale = 32; }, at: at('realesrgan-x2plus', '/contract/scale'), says: ['model "realesrgan-x2plus".contract.scale', 'found 32'] },
  { name: 'an upsampler without inputRange', change: (c) => { delete rawContract(c, 'realesrgan-x2plus').inputRange; }, at: at('realesrgan-x2plus', '/contract'), says: ['model "realesrgan-x2plus".contract.inputRange'] },
  { name: 'a restorer given a detector contract', change: (c) => { rawModel(c, 'gfpgan-1.2').contract = rawContract(c, 'yunet-2023mar'); }, at: at('gfpgan-1.2', '/contract'), says: ['model "gfpgan-1.2".contract.'] },
];

/** Refused by the schema; parseCatalog does not check these (see the report of gaps). */
const SCHEMA_ONLY: readonly Mistake[] = [
  { name: 'an unknown top-level property', change: (c) => { c.modles = []; }, at: '' },
  { name: 'an unknown entry property (a typo)', change: (c) => { rawModel(c, 'gfpgan-1.4').defualt = true; }, at: at('gfpgan-1.4') },
  { name: 'an unknown contract property', change: (c) => { rawContract(c, 'gfpgan-1.4').faceSzie = 1024; }, at: at('gfpgan-1.4', '/contract') },
  { name: 'an unknown tensor property', change: (c) => { (rawContract(c, 'realesrgan-x4plus').input as Raw).dtype = 'float32'; }, at: at('realesrgan-x4plus', '/contract/input') },
  { name: 'an unknown source property', change: (c) => { (rawModel(c, 'gfpgan-1.4').sources as Raw[])[0].sha256 = null; }, at: at('gfpgan-1.4', '/sources/0') },
  { name: 'default "true" as a string', change: (c) => { rawModel(c, 'gfpgan-1.4').default = 'true'; }, at: at('gfpgan-1.4', '/default') },
  { name: 'sizeExact "yes"', change: (c) => { rawModel(c, 'yunet-2023mar').sizeExact = 'yes'; }, at: at('yunet-2023mar', '/sizeExact') },
  { name: 'a fractional size', change: (c) => { rawModel(c, 'yunet-2023mar').size = 232589.5; }, at: at('yunet-2023mar', '/size') },
  { name: 'a fractional faceSize', change: (c) => { rawContract(c, 'gfpgan-1.4').faceSize = 512.5; }, at: at('gfpgan-1.4', '/contract/faceSize') },
  { name: 'a fractional dimension', change: (c) => { (rawContract(c, 'gfpgan-1.4').input as Raw).shape = [1, 3, 512.5, 512]; }, at: at('gfpgan-1.4', '/contract/input/shape/2') },
  { name: 'a fractional upsampler scale', change: (c) => { rawContract(c, 'realesrgan-x2plus').scale = 2.5; }, at: at('realesrgan-x2plus', '/contract/scale') },
  { name: 'a borderColor above 255', change: (c) => { rawContract(c, 'gfpgan-1.4').borderColor = [300, 133, 135]; }, at: at('gfpgan-1.4', '/contract/borderColor/0') },
  { name: 'a template as 10 flat numbers', change: (c) => { rawContract(c, 'gfpgan-1.4').template = (rawContract(c, 'gfpgan-1.4').template as number[][]).flat(); }, at: at('gfpgan-1.4', '/contract/template') },
  { name: 'a template as a string (parseCatalog throws a TypeError)', change: (c) => { rawContract(c, 'gfpgan-1.4').template = 'ffhq-512'; }, at: at('gfpgan-1.4', '/contract/template') },
];

/** Refused by parseCatalog; JSON Schema draft-07 cannot express these (uniqueness by a property, at most one per role). */
const LOADER_ONLY: ReadonlyArray<Omit<Mistake, 'at'> & { readonly says: readonly string[] }> = [
  { name: 'two restorers marked default', change: (c) => { rawModel(c, 'gfpgan-1.3').default = true; }, says: ['"default" of the restorer models', 'at most one model', 'gfpgan-1.3', 'gfpgan-1.4'] },
  { name: 'two entries with one id', change: (c) => { rawModel(c, 'realesrgan-x4plus').id = 'realesrgan-x2plus'; }, says: ['model "realesrgan-x2plus"', 'unique', 'id:realesrgan-x2plus'] },
  { name: 'an alias listed twice in one entry, differing in case', change: (c) => { (rawModel(c, 'codeformer').aliases as string[]).push('CodeFormer.onnx'); }, says: ['model "codeformer"', 'unique', 'file:codeformer.onnx'] },
  { name: "one model's alias is another's file (case-insensitive)", change: (c) => { (rawModel(c, 'gfpgan-1.3').aliases as string[]).push('restore/GFPGAN-v1.4.onnx'); }, says: ['model "gfpgan-1.4"', 'unique', 'file:restore/gfpgan-v1.4.onnx', '"gfpgan-1.3"'] },
];

describe('mistakes in the catalog', () => {
  test.each(BOTH.map((m) => [m.name, m] as const))('%s: refused by the schema and by parseCatalog', (_name, mistake) => {
    const json = mutated(mistake.change);
    const errors = schemaErrors(json);
    expect(errors.length).toBeGreaterThan(0);
    expect({ at: mistake.at, reported: reportedAt(errors, mistake.at), errors }).toMatchObject({ at: mistake.at, reported: true });
    const error = parseError(json);
    expect(error.code).toBe('INVALID_CATALOG');
    for (const part of mistake.says!) expect(error.message).toContain(part);
  });

  test.each(SCHEMA_ONLY.map((m) => [m.name, m] as const))('%s: refused by the schema', (_name, mistake) => {
    const errors = schemaErrors(mutated(mistake.change));
    expect({ at: mistake.at, reported: reportedAt(errors, mistake.at), errors }).toMatchObject({ at: mistake.at, reported: true });
  });

  test.each(LOADER_ONLY.map((m) => [m.name, m] as const))('%s: refused by parseCatalog', (_name, mistake) => {
    const error = parseError(mutated(mistake.change));
    expect(error.code).toBe('INVALID_CATALOG');
    for (const part of mistake.says) expect(error.message).toContain(part);
  });

  test('a model without aliases, description, default or restricted is valid to both', () => {
    const json = mutated((c) => {
      const m = rawModel(c, 'realesrgan-x4plus');
      delete m.aliases;
      delete m.description;
      delete m.sizeExact;
    });
    expect(schemaErrors(json)).toEqual([]);
    expect(findEntry(parseCatalog(json), 'realesrgan-x4plus')).toMatchObject({ aliases: [], sizeExact: false, isDefault: false, restricted: false });
  });
});
