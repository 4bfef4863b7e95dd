/**
 * PNG from an SVG with resvg (Rust, no browser), at 2× scale by default for sharp slides. Text uses
 * the system fonts resvg finds; without any, labels are not drawn but marks are.
 */
import { Resvg } from '@resvg/resvg-js';

export interface Png {
  data: Buffer;
  width: number;
  height: number;
}

export function svgToPng(svg: string, scale = 2): Png {
  const rendered = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  return { data: rendered.asPng(), width: rendered.width, height: rendered.height };
}
