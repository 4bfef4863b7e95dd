import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { writeReport } from '../../src/analysis/report/write-report.ts';
import { genRecords, runFileFor, tempDir, writeExperimentDir, writeRunDir } from './fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report browser test skipped: ${CHROMIUM} not found (apt-get install chromium)`);

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let browser: Browser;
  const reports: Record<string, { url: string; plots: number }> = {};

  beforeAll(async () => {
    tmp = await tempDir();
    const kv = genRecords({ seed: 'kv', workers: 3 });
    const rr = genRecords({ seed: 'rr', workers: 3, ttftScale: 2 });
    await writeRunDir(join(tmp.dir, 'rr'), rr, runFileFor(rr, { label: 'round-robin' }));
    await writeRunDir(join(tmp.dir, 'kv'), kv, runFileFor(kv, { label: 'kv' }));
    const runs = await writeReport({ runDirs: [join(tmp.dir, 'rr'), join(tmp.dir, 'kv')], outDir: join(tmp.dir, 'out'), png: false });
    reports.runs = { url: pathToFileURL(runs.reportPath).href, plots: runs.plots.length };
    const expDir = await writeExperimentDir(join(tmp.dir, 'exp'));
    const exp = await writeReport({ experimentDir: expDir, outDir: expDir, png: false });
    reports.experiment = { url: pathToFileURL(exp.reportPath).href, plots: exp.plots.length };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await tmp?.cleanup();
  });

  /** Opens a report; returns how many charts rendered, console errors and requested URLs. */
  async function open(url: string, plots: number, width = 1280) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction((n) => document.querySelectorAll('.plot[data-rendered="true"]').length === n, plots, {
      timeout: 10_000,
    });
    const rendered = await page.$$eval('.plot.vega-embed', (els) => els.filter((el) => el.querySelector('svg.marks, canvas')).length);
    return { page, errors, requests, rendered };
  }

  it('renders every chart of a comparison offline, with tooltips, no console errors and no requests', async () => {
    const { url, plots } = reports.runs;
    const { page, errors, requests, rendered } = await open(url, plots);
    expect(plots).toBe(5);
    expect(rendered).toBe(plots);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);

    // hover a point of the TTFT-per-turn line: vega-embed's tooltip shows its values
    const point = await page.$('#plot-ttft-per-turn svg.marks .mark-symbol path');
    expect(point).not.toBeNull();
    await point!.hover();
    await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5_000 });
    expect(await page.textContent('#vg-tooltip-element')).toMatch(/p50 \(ms\)/);
    await page.close();
  });

  it('fits every table to a 1024 px window (wrapping headers, names and columns), and scrolls in its box below', async () => {
    for (const { url, plots } of Object.values(reports)) {
      const { page } = await open(url, plots, 1024);
      for (const width of [1024, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        const overflowing = await page.$$eval('div.table table', (tables) =>
          tables.filter((t) => t.scrollWidth > t.parentElement!.clientWidth).map((t) => t.parentElement!.querySelector('h3')?.textContent),
        );
        expect(overflowing, `at ${width} px`).toEqual([]);
        // numbers keep their units on one line: every numeric cell is one line high
        const heights = await page.$$eval('td.num', (tds) => tds.map((td) => (td as HTMLElement).getBoundingClientRect().height));
        expect(Math.max(...heights)).toBeLessThan(2 * Math.min(...heights));
      }
      // narrower: what does not fit (tables, plots) scrolls inside its own box; the page does not
      await page.setViewportSize({ width: 640, height: 900 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(640);
      await page.close();
    }
  });

  it('renders every chart of an experiment report offline', async () => {
    const { url, plots } = reports.experiment;
    const { page, errors, requests, rendered } = await open(url, plots);
    expect(plots).toBe(5);
    expect(rendered).toBe(plots);
    expect(await page.$('#plot-sweep svg.marks')).not.toBeNull();
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
