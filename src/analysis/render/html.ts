/**
 * The self-contained report.html: title, warnings (⚠, e.g. CPU-bound runs), tables (the same table
 * models the terminal prints; headers and names wrap, numbers keep their units on one line, and a
 * table too wide for a 1024 px window is split into blocks of columns), the runs' configs, and every plot rendered live by vega-embed (SVG renderer, tooltips). vega, vega-lite
 * and vega-embed are inlined, the specs are inlined as JSON, and nothing refers to another file or
 * URL, so the page works offline from file://. Pure: the caller passes the library sources.
 *
 * Inlining safety: in JSON every '<' becomes \u003c (and U+2028/2029 are escaped), so no '</script>'
 * or '<!--' can end or confuse the script element; in the libraries '</script' and '<!--' are
 * rewritten to equivalent escaped forms (they can only occur inside strings or regexes there).
 */
import type { TopLevelSpec } from 'vega-lite';
import { columnBlocks, formatCell, headerText, isNumeric, type Table } from '../tables.ts';
import type { VegaAssets } from './assets.ts';

export interface ReportPlot {
  /** kebab-case, unique in the report; also the SVG/PNG file name. */
  id: string;
  title: string;
  spec: TopLevelSpec;
}

export interface ReportSection {
  title: string;
  tables: Table[];
  /** Shown folded as pretty JSON (a run's resolved config). */
  config?: unknown;
}

export interface ReportModel {
  title: string;
  /** Where the data came from (folders), one line each. */
  sources: string[];
  /** Shown first, as paragraphs: what the report finds and shows (an experiment's description). */
  lead?: string[];
  /** Shown next, marked ⚠: what makes numbers untrustworthy (CPU-bound runs), one line each. */
  warnings?: string[];
  overview: Table[];
  plots: ReportPlot[];
  sections: ReportSection[];
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON safe to place inside a <script> element. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** JavaScript source safe to place inside a <script> element. */
export function scriptSafeJs(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/**
 * The page's width for tables, in characters of the report's table font (~7 px each at 12.5 px):
 * what fits a 1024 px window. A wider table is split into blocks of columns (tables.ts
 * columnBlocks, as in the terminal), one under the other, each led by the row's name.
 */
export const HTML_TABLE_CHARS = 130;
const NOWRAP_CHARS = 28;

/** Estimated width of each column in characters: its widest cell, or its header's longest word (headers wrap), plus padding. */
function columnChars(t: Table): number[] {
  return t.columns.map((c) => {
    const cells = t.rows.map((r) => [...formatCell(r[c.key] ?? null, c)].length);
    const header = Math.max(...headerText(c).split(/\s+/).map((w) => [...w].length));
    return Math.max(header, ...cells);
  });
}

export function tableHtml(t: Table): string {
  const blocks = columnBlocks(columnChars(t), HTML_TABLE_CHARS, 2);
  const tables = blocks.map((block) => {
    const columns = block.map((i) => t.columns[i]);
    const head = columns.map((c) => `<th>${escapeHtml(headerText(c))}</th>`).join('');
    const body = t.rows
      .map((row, ri) => {
        const tones = t.tones?.[ri] ?? {};
        const tds = columns.map((c) => {
          const v = row[c.key] ?? null;
          const text = formatCell(v, c);
          // Names and labels stay on one line unless they are long.
          const short = [...text].length <= NOWRAP_CHARS ? 'nowrap' : '';
          const cls = [isNumeric(v) ? 'num' : '', short, tones[c.key] ?? ''].filter(Boolean).join(' ');
          return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</td>`;
        });
        return `<tr>${tds.join('')}</tr>`;
      })
      .join('\n');
    return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
  });
  const note = t.note ? `<p class="note">${escapeHtml(t.note)}</p>` : '';
  return `<div class="table"><h3>${escapeHtml(t.title)}</h3>${tables.join('\n')}${note}</div>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px;margin:18px 0 6px}.sources{color:#666;font-size:12px;margin:0 0 16px;padding-left:18px}
table{border-collapse:collapse;font-size:12.5px;max-width:100%;margin-bottom:8px}th,td{padding:3px 7px;border-bottom:1px solid #eee;text-align:left}
th{background:#f6f6f6;font-weight:600;vertical-align:bottom;overflow-wrap:normal;hyphens:manual}td{overflow-wrap:break-word}td.nowrap{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.good{color:#0a7d28;font-weight:600}td.bad{color:#b3261e;font-weight:600}td.dim{color:#999}
.lead{max-width:60em;margin:6px 0}.note{color:#666;font-size:12px;margin:4px 0}.warnings{background:#fff4e5;border-left:4px solid #b3261e;padding:8px 8px 8px 28px;color:#5f1b14}.table{overflow-x:auto}
figure{margin:18px 0;overflow-x:auto}figcaption{font-weight:600;margin-bottom:6px}
pre{background:#f7f7f7;padding:10px;overflow:auto;font-size:12px}details{margin:8px 0}
`;

const EMBED = `
(function () {
  var plots = JSON.parse(document.getElementById('kvlab-plots').textContent);
  var options = { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } };
  plots.forEach(function (p) {
    var el = document.getElementById('plot-' + p.id);
    vegaEmbed(el, p.spec, options).then(function () {
      el.setAttribute('data-rendered', 'true');
    }).catch(function (err) {
      el.textContent = 'This plot failed to render: ' + err.message;
      console.error(err);
    });
  });
})();
`;

/** Lead lines: prose as paragraphs; runs of lines indented by two spaces (aligned tables) as one <pre>. */
function leadHtml(lines: readonly string[]): string {
  const out: string[] = [];
  let table: string[] = [];
  const flush = (): void => {
    if (table.length > 0) out.push(`<pre class="lead">${escapeHtml(table.join('\n'))}</pre>`);
    table = [];
  };
  for (const l of lines) {
    if (l.startsWith('  ')) table.push(l);
    else {
      flush();
      if (l.trim() !== '') out.push(`<p class="lead">${escapeHtml(l)}</p>`);
    }
  }
  flush();
  return out.join('\n');
}

export function buildReportHtml(model: ReportModel, assets: VegaAssets): string {
  const figures = model.plots
    .map(
      (p) =>
        `<figure><figcaption>${escapeHtml(p.title)}</figcaption><div class="plot" id="plot-${escapeHtml(p.id)}"></div></figure>`,
    )
    .join('\n');
  const sections = model.sections
    .map((s) => {
      const config =
        s.config === undefined
          ? ''
          : `<details><summary>config</summary><pre>${escapeHtml(JSON.stringify(s.config, null, 2))}</pre></details>`;
      return `<section><h2>${escapeHtml(s.title)}</h2>${config}${s.tables.map(tableHtml).join('\n')}</section>`;
    })
    .join('\n');
  const plotsJson = scriptSafeJson(model.plots.map((p) => ({ id: p.id, spec: p.spec })));
  const warned = model.warnings ?? [];
  const warnings = warned.length > 0 ? `<ul class="warnings">${warned.map((w) => `<li>⚠ ${escapeHtml(w)}</li>`).join('')}</ul>\n` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(model.title)}</h1>
${leadHtml(model.lead ?? [])}
<ul class="sources">${model.sources.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
${warnings}<section><h2>Summary</h2>${model.overview.map(tableHtml).join('\n')}</section>
<section><h2>Plots</h2>
${figures}
</section>
${sections}
<script>${scriptSafeJs(assets.vega)}</script>
<script>${scriptSafeJs(assets.vegaLite)}</script>
<script>${scriptSafeJs(assets.vegaEmbed)}</script>
<script type="application/json" id="kvlab-plots">${plotsJson}</script>
<script>${EMBED}</script>
</body>
</html>
`;
}
