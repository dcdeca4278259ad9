#!/usr/bin/env node
/**
 * `npm run package`: zips the built plugin (dist/, without the web build in dist/web) into an installable .ccx (a ZIP with manifest.json at its
 * root, which Creative Cloud Desktop installs by double-click; uxp-platform.md §5.3). Run `npm run build` first.
 */
const fs = require('fs');
const path = require('path');
const yazl = require('yazl');

const root = path.resolve(__dirname, '..');
const pluginDir = path.join(root, 'dist');
const manifestPath = path.join(pluginDir, 'manifest.json');

function walk(dir, prefix = '') {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    // dist/web is the web page's build, not part of the plugin.
    if (entry.isDirectory()) return rel === 'web' ? [] : walk(path.join(dir, entry.name), rel);
    // Source maps help debugging in the UXP Developer Tool but are dead weight in an installed plugin.
    return rel.endsWith('.map') || rel.endsWith('.ccx') || rel.endsWith('.partial') ? [] : [rel];
  });
}

function main() {
  if (!fs.existsSync(manifestPath)) {
    console.error(`No built plugin at ${pluginDir}: run \`npm run build\` first.`);
    process.exit(1);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const out = path.join(root, 'dist', `${manifest.id}_${manifest.version}.ccx`);
  const tmp = `${out}.partial`;
  const zip = new yazl.ZipFile();
  const files = walk(pluginDir);
  for (const rel of files) zip.addFile(path.join(pluginDir, rel), rel);
  zip.end();
  zip.outputStream.pipe(fs.createWriteStream(tmp)).on('close', () => {
    fs.renameSync(tmp, out);
    const mb = (fs.statSync(out).size / 1e6).toFixed(1);
    console.log(`${path.relative(root, out)}: ${files.length} files, ${mb} MB`);
  });
}

main();
