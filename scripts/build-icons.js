#!/usr/bin/env node
/** Renders the plugin's PNG icons (1× and 2×) from the one SVG source into a folder (default dist/icons). */
const fs = require('fs');
const path = require('path');
const sharp = require('sharp');

const root = path.resolve(__dirname, '..');
const svg = fs.readFileSync(path.join(root, 'src', 'host', 'photoshop', 'assets', 'icon.svg'));
const ICONS = { panel: 23, plugin: 24 };

async function buildIcons(outDir = path.join(root, 'dist', 'icons')) {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, size] of Object.entries(ICONS)) {
    for (const scale of [1, 2]) {
      const file = path.join(outDir, scale === 1 ? `${name}.png` : `${name}@2x.png`);
      await sharp(svg, { density: 72 * scale * 4 }).resize(size * scale, size * scale).png().toFile(file);
    }
  }
}

module.exports = { buildIcons };
if (require.main === module) buildIcons(process.argv[2]).catch((e) => { console.error(e); process.exit(1); });
