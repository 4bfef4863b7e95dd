/**
 * The browser builds of vega, vega-lite and vega-embed, read from node_modules so report.html can
 * inline them (no CDN: the report works offline from file://). Resolved through the packages' own
 * entry points, so a hoisted or nested install both work. I/O; read once per process.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface VegaAssets {
  vega: string;
  vegaLite: string;
  vegaEmbed: string;
}

const require = createRequire(import.meta.url);

/** Entry points live in each package's build/ folder next to the UMD bundle. */
const BUNDLES: Array<[keyof VegaAssets, string, string]> = [
  ['vega', 'vega', 'vega.min.js'],
  ['vegaLite', 'vega-lite', 'vega-lite.min.js'],
  ['vegaEmbed', 'vega-embed', 'vega-embed.min.js'],
];

let cached: Promise<VegaAssets> | null = null;

async function read(): Promise<VegaAssets> {
  const out: Partial<VegaAssets> = {};
  for (const [key, pkg, file] of BUNDLES) {
    const path = join(dirname(require.resolve(pkg)), file);
    try {
      out[key] = await readFile(path, 'utf8');
    } catch {
      throw new Error(`cannot read the browser build of ${pkg} at ${path}; is ${pkg} installed?`);
    }
  }
  return out as VegaAssets;
}

export function loadVegaAssets(): Promise<VegaAssets> {
  cached ??= read().catch((err) => {
    cached = null;
    throw err;
  });
  return cached;
}
