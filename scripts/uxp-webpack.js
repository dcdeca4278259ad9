// @ts-check
/**
 * The webpack settings a UXP panel bundle needs so that onnxruntime-web runs inside Photoshop, in one function that
 * webpack.config.js can `require` and the tests reuse (test/uxp-runtime.test.ts). Plain CommonJS on purpose: the
 * main config is JavaScript and cannot load TypeScript. Types: scripts/uxp-webpack.d.ts.
 *
 * Why each setting (see ../shared/docs/uxp-platform.md §3.2, §8):
 * - `onnxruntime-web` is aliased to the ESM *bundle* build `ort.wasm.bundle.min.mjs`, which embeds the Emscripten glue;
 *   every other build fetches `ort-wasm-simd-threaded.mjs` with a dynamic `import()`, which UXP does not offer.
 * - `import.meta.url` is defined as "plugin:/index.js". Webpack's default is the build machine's `file://` path, and
 *   for a `file:` URL the ORT bundle calls `new URL(...)` at load time, outside any try: that would need a `URL` global,
 *   which UXP does not document. Any non-file URL keeps the load free of `URL`; with `env.wasm.wasmBinary` set and one
 *   thread, ORT takes its embedded glue whatever the URL says.
 * - `parser.javascript.url: false` and `worker: false`: webpack would otherwise turn the glue's
 *   `new URL("ort-wasm-simd-threaded.wasm", import.meta.url)` into a 14 MB emitted asset plus an automatic publicPath
 *   (which needs `document.currentScript`), and try to bundle its pthread `new Worker(...)`. Neither is used with
 *   `wasmBinary` and one thread; the wasm file is copied to vendor/ and read through the plugin's file API instead.
 * - The one `import(/* webpackIgnore: true *\/ url)` in ORT (its non-embedded branch) would survive as a real dynamic
 *   import; it is replaced at build time by a rejected promise with a plain message, and the build fails if any
 *   `import(` call is left in the output.
 * - `photoshop`, `uxp`, `fs`, `os` are UXP's own modules (`require` at run time): externals, `commonjs2`.
 * - Unminified, `devtool: 'source-map'` (no eval: UXP's code generation from strings is not granted by default).
 */
const fs = require('fs');
const path = require('path');
const webpack = require('webpack');

const ROOT = path.resolve(__dirname, '..');
const PLUGIN_NAME = 'UxpNoDynamicImport';
/** What `import.meta.url` means in the bundle: the panel script in the plugin folder. */
const IMPORT_META_URL = 'plugin:/index.js';

/** The dist folder of an installed package, found without relying on its `exports` map exposing package.json. */
function distDir(packageName) {
  let dir = path.dirname(require.resolve(packageName, { paths: [ROOT] }));
  while (path.basename(dir) !== 'dist') {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the dist folder of ${packageName}`);
    dir = parent;
  }
  return dir;
}

/**
 * Files the plugin folder must hold beside the bundle (for CopyWebpackPlugin or a packaging script): `from` is an
 * absolute path in node_modules, `to` the path inside the plugin folder that src/host/photoshop/ort-runtime.ts reads.
 * @returns {{ from: string; to: string }[]}
 */
function uxpVendorFiles() {
  const current = distDir('onnxruntime-web');
  const legacy = distDir('onnxruntime-web-legacy');
  return [
    { from: path.join(current, 'ort-wasm-simd-threaded.wasm'), to: 'vendor/ort-wasm-simd-threaded.wasm' },
    { from: path.join(legacy, 'ort.wasm-core.min.js'), to: 'vendor/ort-legacy/ort.wasm-core.min.js' },
    { from: path.join(legacy, 'ort-wasm-simd.wasm'), to: 'vendor/ort-legacy/ort-wasm-simd.wasm' },
    { from: path.join(legacy, 'ort-wasm.wasm'), to: 'vendor/ort-legacy/ort-wasm.wasm' },
  ];
}

/**
 * Where the first `import(` *call* is in bundled code, or -1. A method that is named `import` (the model manager's
 * `async import(bytes, options) { … }`) is no call: after its parameters comes a body, `{`.
 * @param {string} text
 * @returns {number}
 */
function findDynamicImport(text) {
  const call = /(^|[^\w$.])import\s*\(/g;
  for (let m = call.exec(text); m !== null; m = call.exec(text)) {
    let depth = 0;
    let end = m.index + m[0].length - 1;
    for (; end < text.length; end++) {
      if (text[end] === '(') depth++;
      else if (text[end] === ')' && --depth === 0) break;
    }
    if (/^\s*\{/.test(text.slice(end + 1, end + 64))) continue;
    return m.index + m[1].length;
  }
  return -1;
}

/** Replaces `import(/* webpackIgnore: true *\/ …)` calls, then fails the build if any `import(` call remains. */
class UxpNoDynamicImportPlugin {
  /** @param {webpack.Compiler} compiler */
  apply(compiler) {
    compiler.hooks.compilation.tap(PLUGIN_NAME, (compilation, { normalModuleFactory }) => {
      /** @param {webpack.javascript.JavascriptParser} parser */
      const onParser = (parser) => {
        // Runs before webpack's own ImportParserPlugin, which would keep an ignored import() verbatim.
        parser.hooks.importCall.tap({ name: PLUGIN_NAME, stage: -100 }, (expression) => {
          const range = /** @type {[number, number]} */ (expression.range);
          const { options } = parser.parseCommentOptions(range);
          if (!options || options.webpackIgnore !== true) return undefined;
          const message = 'Loading a module at run time is not available in UXP (the bundle replaced a dynamic import when it was built)';
          const dep = new webpack.dependencies.ConstDependency(`Promise.reject(new Error(${JSON.stringify(message)}))`, range);
          dep.loc = parser.getLocation(expression);
          parser.state.module.addPresentationalDependency(dep);
          return true;
        });
      };
      for (const type of ['javascript/auto', 'javascript/esm', 'javascript/dynamic']) {
        normalModuleFactory.hooks.parser.for(type).tap(PLUGIN_NAME, onParser);
      }
      compilation.hooks.processAssets.tap({ name: PLUGIN_NAME, stage: webpack.Compilation.PROCESS_ASSETS_STAGE_REPORT }, (assets) => {
        for (const [name, source] of Object.entries(assets)) {
          if (!name.endsWith('.js')) continue;
          const text = source.source().toString();
          const at = findDynamicImport(text);
          if (at >= 0) {
            compilation.errors.push(new webpack.WebpackError(`${name} contains a dynamic import() call, which UXP cannot run: …${text.slice(Math.max(0, at - 80), at + 80)}…`));
          }
        }
      });
    });
  }
}

/**
 * Webpack configuration for one UXP panel entry: a single classic script `index.js` (+ `index.js.map`) in `outDir`.
 * @param {{ entry: string; outDir: string }} options absolute (or repo-relative) entry file and output folder
 * @returns {webpack.Configuration}
 */
function uxpWebpackConfig(options) {
  const ortBundle = path.join(distDir('onnxruntime-web'), 'ort.wasm.bundle.min.mjs');
  if (!fs.existsSync(ortBundle)) throw new Error(`${ortBundle} is missing: onnxruntime-web ≥ 1.19 ships it`);
  return {
    mode: 'production',
    context: ROOT,
    target: 'web',
    entry: { index: path.resolve(ROOT, options.entry) },
    output: { path: path.resolve(ROOT, options.outDir), filename: '[name].js', clean: true },
    resolve: {
      extensions: ['.ts', '.js', '.mjs'],
      alias: { 'onnxruntime-web$': ortBundle },
      // No Node core polyfills: code that reaches for them must fail the build.
      fallback: {},
    },
    externals: { photoshop: 'commonjs2 photoshop', uxp: 'commonjs2 uxp', fs: 'commonjs2 fs', os: 'commonjs2 os' },
    module: {
      parser: { javascript: { url: false, worker: false } },
      rules: [
        {
          test: /\.ts$/,
          loader: 'ts-loader',
          options: { configFile: path.join(ROOT, 'tsconfig.uxp.json'), onlyCompileBundledFiles: true },
        },
      ],
    },
    plugins: [
      new webpack.DefinePlugin({ 'import.meta.url': JSON.stringify(IMPORT_META_URL) }),
      new UxpNoDynamicImportPlugin(),
    ],
    optimization: { minimize: false },
    devtool: 'source-map',
    performance: { hints: false },
  };
}

module.exports = { uxpWebpackConfig, uxpVendorFiles, UxpNoDynamicImportPlugin, IMPORT_META_URL, findDynamicImport };
