/**
 * Static SVG of a Vega-Lite spec, rendered headless by vega (`renderer: 'none'`, no canvas: text is
 * measured by vega's estimate, so label widths are approximate).
 */
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compileSpec } from './compile.ts';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compileSpec(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
