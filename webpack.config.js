/**
 * Browser builds. Today: the engine alone (`dist/web/facerestore-engine.js`, a UMD bundle exposing `FaceRestore`),
 * which also proves that src/core bundles for a browser with no Node polyfills: any `fs`, `path` or runtime import
 * in the engine fails this build. The UXP panel and the web page (later issues) add their entries here.
 */
const path = require('path');

module.exports = (env = {}, argv = {}) => ({
  mode: argv.mode || 'production',
  target: 'web',
  entry: { 'facerestore-engine': './src/core/index.ts' },
  output: {
    path: path.resolve(__dirname, 'dist', 'web'),
    filename: '[name].js',
    library: { name: 'FaceRestore', type: 'umd' },
    globalObject: 'globalThis',
    clean: true,
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
});
