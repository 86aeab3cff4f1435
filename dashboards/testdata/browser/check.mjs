// Loads dashboard pages in Debian's Chromium with every network request
// blocked, and reports per page as one JSON line: console errors, requests
// that tried to leave file://, charts that did not draw, figures without a
// table, charts wider than their block when printed, and the size of the
// page printed to an A4 PDF. The Go test (dashboards/browser_test.go)
// judges the report; this script only observes.
//
// usage: node check.mjs OUTDIR PAGE.html...
// A PAGE may also be an http:// URL of ALLOW_ORIGIN (a test server on
// loopback), to check the pages as served.
// env:   CHROMIUM (default /usr/bin/chromium); SCREENSHOT=1 also writes
//        full-page PNGs (light and dark) of the first page to OUTDIR;
//        ALLOW_ORIGIN, such as http://127.0.0.1:PORT, is the one origin
//        besides file:// that requests may go to.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

const [outDir, ...pages] = process.argv.slice(2);
if (!outDir || pages.length === 0) {
  console.error('usage: node check.mjs OUTDIR PAGE.html...');
  process.exit(2);
}

const origin = process.env.ALLOW_ORIGIN ? new URL(process.env.ALLOW_ORIGIN).origin + '/' : null;
const profile = mkdtempSync(join(tmpdir(), 'zothuis-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Offline unless pages are served on loopback; the route below blocks
  // every other request either way.
  offline: !process.env.ALLOW_ORIGIN,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});

// Local means the page's own files; anything else is a request to a host.
const local = (url) => url.startsWith('file:') || url.startsWith('data:') || url.startsWith('about:') ||
  (origin !== null && url.startsWith(origin));

const blocked = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (local(url)) { return route.continue(); }
  blocked.push(url);
  return route.abort('blockedbyclient');
});

async function inspect(page) {
  return page.evaluate(() => {
    const out = { charts: 0, noCharts: 0, emptyCharts: [], figures: 0, missingTables: [], tables: 0, overflow: [] };
    for (const el of document.querySelectorAll('[data-option]')) {
      out.charts++;
      const svg = el.querySelector('svg');
      const canvas = el.querySelector('canvas');
      // Drawn means shapes in the drawing, and the drawing visible: not
      // clipped away by a box of no height (as a print style once did).
      const visible = (node) => {
        const r = node.getBoundingClientRect();
        const clip = node.parentElement.getBoundingClientRect();
        return Math.min(r.bottom, clip.bottom) - Math.max(r.top, clip.top) > 20 &&
          Math.min(r.right, clip.right) - Math.max(r.left, clip.left) > 20;
      };
      const drawn = (svg && svg.querySelectorAll('path, rect, text').length > 3 && visible(svg)) ||
        (canvas && canvas.width > 0 && canvas.height > 0 && visible(canvas));
      if (!drawn) { out.emptyCharts.push(el.id); }
    }
    for (const fig of document.querySelectorAll('figure.chart-block')) {
      out.figures++;
      // A figure with nothing it may draw says so instead, table open.
      if (fig.querySelector('.nochart') && fig.querySelector('details[open] table')) { out.noCharts++; }
      const t = fig.querySelector('table');
      if (!t || t.querySelectorAll('tbody tr').length === 0 || t.querySelectorAll('thead th').length === 0) {
        out.missingTables.push(fig.id);
      }
      // A chart's drawing must fit inside its block: nothing cut off.
      const box = fig.getBoundingClientRect();
      const svg = fig.querySelector('.chart svg');
      if (svg) {
        const r = svg.getBoundingClientRect();
        if (r.right > box.right + 1 || r.left < box.left - 1) {
          out.overflow.push(fig.id + ' (' + Math.round(r.width) + 'px in ' + Math.round(box.width) + 'px)');
        }
      }
    }
    out.tables = document.querySelectorAll('table').length;
    return out;
  });
}

async function load(page, file) {
  const url = /^https?:/.test(file) ? file : pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  // Charts are drawn after DOMContentLoaded; give them a moment to settle.
  await page.waitForFunction(() => {
    const els = document.querySelectorAll('[data-option]');
    return els.length > 0 && Array.from(els).every((el) => el.querySelector('svg, canvas'));
  }, null, { timeout: 15000 }).catch(() => {});
}

let status = 0;
for (let i = 0; i < pages.length; i++) {
  const file = pages[i];
  const report = { page: file, consoleErrors: [], requests: [], pdfBytes: 0 };
  const page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') { report.consoleErrors.push(msg.text()); } });
  page.on('pageerror', (err) => { report.consoleErrors.push('page error: ' + err.message); });
  page.on('request', (req) => { if (!local(req.url())) { report.requests.push(req.url()); } });
  const before = blocked.length;
  const t0 = Date.now();
  report.ms = {};
  try {
    await load(page, file);
    report.ms.load = Date.now() - t0;
    Object.assign(report, await inspect(page));
    if (process.env.SCREENSHOT === '1' && i === 0) {
      await page.screenshot({ path: join(outDir, 'screenshot-light.png'), fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(outDir, 'screenshot-dark.png'), fullPage: true });
      report.dark = await inspect(page);
      await page.emulateMedia({ colorScheme: 'light' });
    }
    // Print: A4 media with the printable width (210 mm less 2 × 12 mm).
    await page.setViewportSize({ width: 703, height: 1000 });
    await page.emulateMedia({ media: 'print' });
    await page.waitForTimeout(200);
    report.print = await inspect(page);
    report.ms.print = Date.now() - t0;
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    report.pdfBytes = pdf.length;
    report.pdfMagic = pdf.subarray(0, 5).toString('latin1');
    const name = (/^https?:/.test(file) ? 'served-' : '') + basename(dirname(file)) + '-' + basename(file, '.html') + '.pdf';
    writeFileSync(join(outDir, name), pdf);
    report.ms.pdf = Date.now() - t0;
  } catch (err) {
    report.failure = String(err && err.stack || err);
    status = 1;
  }
  report.requests.push(...blocked.slice(before));
  await page.close();
  process.stdout.write(JSON.stringify(report) + '\n');
}
await context.close();
rmSync(profile, { recursive: true, force: true });
process.exit(status);
