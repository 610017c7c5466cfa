// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Opens a `tracetool flamegraph` SVG in the system's headless Chromium
// (playwright-core, executablePath /usr/bin/chromium: no browser download)
// and checks what the page shows, acting as a user would: frames drawn and
// their labels, hover details, a mouse click that zooms, the search control
// (its prompt answered) and Escape.  What is checked is the rendered page:
// bounding boxes, computed styles, hit testing, the text of the page.
// One browser serves every SVG given, each in a page of its own.
// Prints one PASS:/FAIL: line per check, exits 1 on a failure, 3 when the
// browser cannot start (the caller SKIPs).  Screenshots go to OUTDIR as
// LABEL-N-step.png.
//
// Usage: node flamegraph_browser.js OUTDIR LABEL SVG SPEC [LABEL SVG SPEC]...
//   SPEC is JSON: { frames: N (frames drawn), names: [names drawn],
//     zoom: name of the frame to click (the first one drawn),
//     zoomed: [shown, dimmed, hidden] frame counts after the click, or null,
//     search: term, matched: the text expected in the page's matched line,
//     keySearch, keyMatched: the same through Ctrl+F (optional) }
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

const outDir = process.argv[2];
const cases = [];
for (let i = 3; i + 2 < process.argv.length; i += 3)
  cases.push({ label: process.argv[i], svg: process.argv[i + 1], spec: JSON.parse(process.argv[i + 2]) });
const STEP_MS = 5000;		// any one page action
const TOTAL_MS = 40000;		// the whole run, browser start included

let failed = 0, label = '';
function check(name, ok, why) {
  const n = 'flamegraph browser ' + label + ': ' + name;
  if (ok) console.log('PASS: ' + n);
  else { failed++; console.log('FAIL: ' + n + ': ' + why); }
}
const near = (a, b) => Math.abs(a - b) < 0.75;	// px, after the browser's rounding

// Everything the checks read about one frame, from the rendered page.
function frameState(g) {
  const r = g.querySelector('rect'), t = g.querySelector('text'), b = r.getBoundingClientRect();
  const cs = getComputedStyle(r);
  return {
    n: g.getAttribute('data-n'), s: +g.getAttribute('data-s'), v: +g.getAttribute('data-v'),
    y: +r.getAttribute('y'), x0: b.left, top: b.top, w: b.width, h: b.height,
    shown: getComputedStyle(g).display !== 'none' && b.width > 0,
    opacity: +cs.opacity, fill: cs.fill, label: t.textContent,
  };
}

async function run() {
  const ctx = await chromium.launchPersistentContext(path.join(outDir, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    timeout: 30000,
    // as root Chromium starts only without its sandbox; the rest keeps it off the network
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
  }).catch((e) => { console.log('BROWSER: ' + e.message.split('\n')[0]); process.exit(3); });
  try {
    for (const c of cases) {
      label = c.label;
      await browse(await ctx.newPage(), c.svg, c.spec)
        .catch((e) => check('run', false, e.message.split('\n')[0]));
    }
  } finally {
    await ctx.close();
  }
}

async function browse(page, svgPath, spec) {
  page.setDefaultTimeout(STEP_MS);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  let answer = null;
  page.on('dialog', (d) => (answer === null ? d.dismiss() : d.accept(answer)));
  await page.goto('file://' + path.resolve(svgPath), { timeout: STEP_MS });
  const meta = await page.evaluate(() => {
    const s = document.documentElement;
    return { root: s.localName, w: +s.getAttribute('data-w'), pad: +s.getAttribute('data-pad'),
      total: +s.getAttribute('data-total'), search: s.getAttribute('data-search') };
  });
  check('page is the SVG', meta.root === 'svg' && meta.w > 0 && meta.total > 0, JSON.stringify(meta));
  const all = () => page.$$eval('#frames > g.f', (gs, fs) => gs.map(new Function('return ' + fs)()),
    frameState.toString());
  await page.screenshot({ path: path.join(outDir, label + '-1-drawn.png') });

  // drawn frames and their names
  let fs = await all();
  const shown = fs.filter((f) => f.shown && f.h > 0);
  check('frames drawn', shown.length === spec.frames, `${shown.length} of ${fs.length} <g> frames shown, expected ${spec.frames}`);
  const missing = spec.names.filter((n) => !shown.some((f) => f.n === n && f.label === n));
  check('known frames drawn with their names', missing.length === 0, 'missing or unlabelled: ' + missing.join(', '));
  const root = fs.find((f) => f.v === meta.total);
  check('root frame spans the width', root && near(root.w, meta.w), JSON.stringify(root));

  // hover: the details line shows the frame's title
  const zsel = `#frames > g.f[data-n="${spec.zoom.replace(/["\\]/g, '\\$&')}"]`;
  const zg = page.locator(zsel).first();
  await zg.hover({ timeout: STEP_MS });
  const tip = await zg.locator('title').textContent();
  const details = await page.locator('#details').textContent();
  check('hover shows the frame details', details === tip && details.startsWith(spec.zoom + ' ('),
    `details '${details}', title '${tip}'`);

  // click: the frame spans the width; inside its range above it shown,
  // its callers full width and dimmed, everything else hidden
  const z0 = fs.find((f) => f.n === spec.zoom);
  await zg.click({ timeout: STEP_MS });
  await page.screenshot({ path: path.join(outDir, label + '-2-zoomed.png') });
  fs = await all();
  const z = fs.find((f) => f.n === spec.zoom && f.s === z0.s && f.y === z0.y);
  check('clicked frame spans the full width', z && z.shown && near(z.x0, meta.pad) && near(z.w, meta.w),
    JSON.stringify(z));
  const inside = (f) => f.y <= z.y && f.s >= z.s && f.s + f.v <= z.s + z.v;
  const caller = (f) => f.y > z.y && f.s <= z.s && f.s + f.v >= z.s + z.v;
  const bad = fs.filter((f) => {
    if (inside(f)) return !f.shown || f.opacity !== 1 || !near(f.x0, meta.pad + (f.s - z.s) / z.v * meta.w) ||
      !near(f.w, f.v / z.v * meta.w);
    if (caller(f)) return !f.shown || Math.abs(f.opacity - 0.5) > 0.01 || !near(f.w, meta.w);
    return f.shown;
  });
  check('zoom: callees rescaled, callers full width and dimmed, the rest hidden', bad.length === 0,
    bad.slice(0, 3).map((f) => JSON.stringify(f)).join('; '));
  if (spec.zoomed) {
    const counts = [fs.filter((f) => f.shown && f.opacity === 1).length,
      fs.filter((f) => f.shown && f.opacity < 1).length, fs.filter((f) => !f.shown).length];
    check('zoom: shown/dimmed/hidden counts', counts.join('/') === spec.zoomed.join('/'),
      `got ${counts.join('/')}, expected ${spec.zoomed.join('/')}`);
  }
  // hit testing: what is under the pointer is what is drawn
  const hit = await page.evaluate(([x, y]) => {
    const e = document.elementFromPoint(x, y), g = e && e.closest('g.f');
    return g ? g.getAttribute('data-n') : null;
  }, [meta.pad + meta.w / 2, z.top + z.h / 2]);
  check('zoom: the middle of the row shows the clicked frame', hit === spec.zoom, `hit '${hit}'`);
  const reset = page.locator('#unzoom');
  check('zoom: Reset Zoom shown', await reset.isVisible(), 'not visible');
  await reset.click({ timeout: STEP_MS });
  fs = await all();
  const unz = fs.filter((f) => !f.shown || f.opacity !== 1 || !near(f.w, f.v / meta.total * meta.w));
  check('Reset Zoom restores every frame', unz.length === 0 && !(await reset.isVisible()),
    unz.slice(0, 3).map((f) => JSON.stringify(f)).join('; '));

  // search through the page's control: click it, answer its prompt
  answer = spec.search;
  await page.locator('#search').click({ timeout: STEP_MS });
  await page.screenshot({ path: path.join(outDir, label + '-3-search.png') });
  const matched = (await page.locator('#matched').textContent()).trim();
  check('search shows the matched share', matched === spec.matched, `'${matched}', expected '${spec.matched}'`);
  fs = await all();
  let re;
  try { re = new RegExp(spec.search); } catch (e) { re = null; }
  const hl = fs.filter((f) => f.fill === meta.search.replace(/,/g, ', '));
  const want = fs.filter((f) => re && re.test(f.n));
  check('search highlights exactly the matching frames', hl.length > 0 && hl.length === want.length &&
    hl.every((f) => re.test(f.n)), `${hl.length} highlighted (${hl.map((f) => f.n).join(',')}), ${want.length} match`);
  check('search control reads Reset Search', (await page.locator('#search').textContent()) === 'Reset Search',
    await page.locator('#search').textContent());
  await page.keyboard.press('Escape');
  fs = await all();
  const left = (await page.locator('#matched').textContent()).trim();
  check('Escape clears the search', left === '' && !fs.some((f) => f.fill === meta.search.replace(/,/g, ', ')),
    `matched '${left}'`);
  if (spec.keySearch) {
    // the keyboard shortcut opens the same prompt; nested matches count once
    answer = spec.keySearch;
    await page.keyboard.press('Control+f');
    const km = (await page.locator('#matched').textContent()).trim();
    check('Ctrl+F searches', km === spec.keyMatched, `'${km}', expected '${spec.keyMatched}'`);
    await page.keyboard.press('Escape');
  }
  check('no script errors', pageErrors.length === 0, pageErrors.join('; '));
  await page.close();
}

const timer = setTimeout(() => { check('run', false, 'over ' + TOTAL_MS + ' ms'); process.exit(1); }, TOTAL_MS);
run().then(() => { clearTimeout(timer); process.exit(failed ? 1 : 0); },
  (e) => { check('run', false, e.message.split('\n')[0]); process.exit(1); });
