/** Types for scripts/uxp-webpack.js (CommonJS, so webpack.config.js can require it). */
import type { Compiler, Configuration } from 'webpack';

/** What `import.meta.url` is defined as in the UXP bundle. */
export declare const IMPORT_META_URL: string;

/** Webpack configuration for one UXP panel entry: `index.js` + `index.js.map` in `outDir`. */
export declare function uxpWebpackConfig(options: { entry: string; outDir: string }): Configuration;

/** Runtime files the plugin folder needs: absolute `from` in node_modules, plugin-relative `to`. */
export declare function uxpVendorFiles(): Array<{ from: string; to: string }>;

/** Index of the first dynamic `import(…)` call in bundled code, or -1 (a method named `import` is not one). */
export declare function findDynamicImport(text: string): number;

/** Replaces `import(/* webpackIgnore: true *\/ …)` by a rejected promise and fails the build if any `import(` remains. */
export declare class UxpNoDynamicImportPlugin {
  apply(compiler: Compiler): void;
}
