/**
 * Two builds:
 * - `dist/` is the Photoshop plugin the UXP Developer Tool loads (`dist/manifest.json`): index.html, one bundle
 *   `index.js` (photoshop/uxp/fs/os external), the onnxruntime-web wasm binaries (vendor/), icons. The UXP-specific
 *   settings (ORT bundle build, no dynamic import) live in scripts/uxp-webpack.js, shared with the tests.
 * - `dist/web/`: the web page (`npm run demo` serves it): index.html, `app.js` (src/host/browser + ui + core), and
 *   onnxruntime-web's own ESM build and wasm in vendor/, loaded as real modules at run time (see src/host/browser/ort.ts).
 * - `dist/web/facerestore-engine.js`: the engine alone as a UMD bundle exposing `FaceRestore`, which also proves
 *   that src/core bundles for a browser with no Node polyfills.
 */
const path = require('path');
const CopyPlugin = require('copy-webpack-plugin');
const { uxpWebpackConfig, uxpVendorFiles } = require('./scripts/uxp-webpack');
const { buildIcons } = require('./scripts/build-icons');

const dist = path.resolve(__dirname, 'dist');

/** Renders the PNG icons from their SVG after each plugin build. */
class IconsPlugin {
  apply(compiler) {
    compiler.hooks.afterEmit.tapPromise('IconsPlugin', () => buildIcons(path.join(dist, 'icons')));
  }
}

/**
 * manifest.json as the plugin ships it: the network domains it declares, plus the studio's inference servers given
 * at build time (FACERESTORE_SERVER_ORIGINS=https://gpu.studio:8000,…), each an exact origin: manifest v5 grants
 * only what is declared, and wildcards would grant far more than one server.
 */
function serverOrigins(env) {
  const raw = (env.FACERESTORE_SERVER_ORIGINS || '').split(',').map((s) => s.trim()).filter(Boolean);
  return raw.map((origin) => {
    const m = /^(https?):\/\/([a-z0-9.-]+|\[[0-9a-f:]+\])(:\d{1,5})?\/?$/i.exec(origin);
    if (!m) throw new Error(`FACERESTORE_SERVER_ORIGINS: expected origins such as https://gpu.studio:8000 (scheme, host, optional port; no path or wildcard), got ${JSON.stringify(origin)}`);
    return `${m[1].toLowerCase()}://${m[2].toLowerCase()}${m[3] || ''}`;
  });
}

function pluginManifest(content, env) {
  const manifest = JSON.parse(content.toString());
  const extra = serverOrigins(env);
  if (extra.length > 0) {
    const domains = manifest.requiredPermissions.network.domains;
    for (const origin of extra) if (!domains.includes(origin)) domains.push(origin);
  }
  return JSON.stringify(manifest, null, 2);
}

function pluginConfig() {
  const config = uxpWebpackConfig({ entry: 'src/host/photoshop/index.ts', outDir: 'dist' });
  config.name = 'uxp';
  // dist/web belongs to the other build.
  config.output.clean = { keep: /^web[\\/]/ };
  config.plugins.push(
    new CopyPlugin({
      patterns: [
        { from: 'manifest.json', to: 'manifest.json', transform: (content) => pluginManifest(content, process.env) },
        { from: 'src/host/photoshop/assets/index.html', to: 'index.html' },
        ...uxpVendorFiles(),
      ],
    }),
    new IconsPlugin(),
  );
  return config;
}

/** The onnxruntime-web files the page loads from vendor/ (src/host/browser/ort.ts WEB_RUNTIME_FILES). */
function webVendorFiles() {
  const dist = path.dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm', { paths: [__dirname] }));
  return ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'].map((file) => ({ from: path.join(dist, file), to: `vendor/${file}` }));
}

function webPageConfig(argv) {
  return {
    name: 'web',
    mode: argv.mode || 'production',
    target: 'web',
    entry: { app: './src/host/browser/index.ts' },
    output: {
      path: path.join(dist, 'web'),
      filename: '[name].js',
      // The engine's UMD bundle shares the folder (its own build).
      clean: { keep: /^facerestore-engine/ },
    },
    resolve: { extensions: ['.ts', '.js'], fallback: {} },
    module: {
      // onnxruntime-web is not bundled (ort.ts imports the vendor copy by URL): nothing here may turn its
      // `new URL(…, import.meta.url)` or workers into assets.
      parser: { javascript: { url: false, worker: false } },
      rules: [{ test: /\.ts$/, loader: 'ts-loader', options: { configFile: 'tsconfig.web.json', onlyCompileBundledFiles: true } }],
    },
    plugins: [
      new CopyPlugin({
        patterns: [
          { from: 'src/host/browser/assets/index.html', to: 'index.html' },
          { from: 'src/host/browser/assets/sw.js', to: 'sw.js' },
          ...webVendorFiles(),
        ],
      }),
    ],
    optimization: { minimize: false },
    devtool: 'source-map',
    performance: { hints: false },
  };
}

function engineConfig(argv) {
  return {
    name: 'engine',
    mode: argv.mode || 'production',
    target: 'web',
    entry: { 'facerestore-engine': './src/core/index.ts' },
    output: {
      path: path.join(dist, 'web'),
      filename: '[name].js',
      library: { name: 'FaceRestore', type: 'umd' },
      globalObject: 'globalThis',
      // The web page shares dist/web and cleans it, keeping this bundle.
      clean: false,
    },
    resolve: {
      extensions: ['.ts', '.js'],
      // No Node core polyfills: the engine must not need them.
      fallback: {},
    },
    module: {
      rules: [{ test: /\.ts$/, loader: 'ts-loader', options: { configFile: 'tsconfig.core.json', onlyCompileBundledFiles: true, compilerOptions: { noEmit: false } } }],
    },
    // Unminified, as UXP debugging needs readable stacks; source maps beside the bundle.
    optimization: { minimize: false },
    devtool: 'source-map',
    performance: { hints: false },
  };
}

module.exports = (env = {}, argv = {}) => [pluginConfig(), webPageConfig(argv), engineConfig(argv)];
// For test/plugin-dist.test.ts: the manifest as a build with FACERESTORE_SERVER_ORIGINS writes it.
module.exports.pluginManifest = pluginManifest;
