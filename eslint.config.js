/**
 * Lint rules that keep the house rules checkable: the engine imports nothing host-specific and touches no host
 * globals, never logs, and files stay small.
 */
const tseslint = require('typescript-eslint');

const HOST_MODULES = ['fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'util', 'url', 'stream', 'zlib', 'worker_threads', 'node:*',
  'photoshop', 'uxp', 'onnxruntime-node', 'onnxruntime-web', 'onnxruntime-common', 'sharp', 'lit', 'lit/*'];
const HOST_GLOBALS = ['window', 'document', 'navigator', 'process', 'Buffer', 'Image', 'HTMLCanvasElement', 'OffscreenCanvas', 'require', 'fetch', 'console'];

module.exports = tseslint.config(
  { ignores: ['build/**', 'dist/**', 'node_modules/**', 'coverage/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'max-lines': ['error', { max: 330, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: HOST_MODULES.map((group) => ({ group: [group], message: 'src/core is host-independent: hosts inject runtimes and pixels.' })) }],
      'no-restricted-globals': ['error', ...HOST_GLOBALS.map((name) => ({ name, message: 'src/core must not touch host globals.' }))],
      'no-console': 'error',
    },
  },
  {
    // One Photoshop gateway: only photoshop.ts loads the host modules (the types check may import their types).
    files: ['src/**/*.ts', 'ui/**/*.ts'],
    ignores: ['src/host/photoshop/photoshop.ts', 'src/**/*.test.ts', 'src/core/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: ['photoshop', 'uxp'].map((name) => ({ name, allowTypeImports: true, message: 'Only src/host/photoshop/photoshop.ts loads the host modules; take PsModules instead.' })),
      }],
    },
  },
  {
    // The panel talks to hosts only through the PanelController contract.
    files: ['ui/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../src/*', '../../src/*'], message: 'ui/ sees only ui/panel-controller.ts; hosts implement it.' }] }],
      'max-lines': ['error', { max: 330, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
