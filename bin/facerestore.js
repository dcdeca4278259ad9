#!/usr/bin/env node
'use strict';
// Thin launcher for the compiled CLI (npm run build writes build/).
let cli;
try {
  cli = require('../build/host/node/cli.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('facerestore: the CLI is not built yet; run `npm run build` in the project folder first\n');
    process.exit(2);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`facerestore: internal error: ${error && error.stack ? error.stack : error}\n`); process.exitCode = 70; },
);
