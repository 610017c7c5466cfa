// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Runs the script embedded in a `tracetool flamegraph` SVG against a minimal
// DOM built from the SVG text (just what the script touches: ids, frame <g>
// elements with their <title>, <rect> and <text>, attributes, textContent,
// event listeners) and checks click-to-zoom, reset, hover and search on the
// input of tests/live/test_flamegraph.sh.  Prints PASS:/FAIL: lines.
// Usage: node flamegraph_dom.js FILE.svg
'use strict';
const fs = require('fs');
const svgText = fs.readFileSync(process.argv[2], 'utf8');

function unescape(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'").replace(/&#(\d+);/g, (m, d) => String.fromCharCode(+d))
    .replace(/&amp;/g, '&');
}
function attrs(s) {
  const a = {};
  for (const m of s.matchAll(/([\w-]+)="([^"]*)"/g)) a[m[1]] = unescape(m[2]);
  return a;
}
class El {
  constructor(tag, a, text) {
    this.tagName = tag; this.a = a || {}; this.textContent = text || ''; this.kids = [];
    this.parentNode = null; this.handlers = {};
  }
  getAttribute(k) { return k in this.a ? this.a[k] : null; }
  setAttribute(k, v) { this.a[k] = String(v); }
  add(c) { c.parentNode = this; this.kids.push(c); return c; }
  getElementsByTagName(t) {
    const out = [];
    const walk = (e) => e.kids.forEach((k) => { if (k.tagName === t) out.push(k); walk(k); });
    walk(this);
    return out;
  }
  addEventListener(ev, fn) { this.handlers[ev] = fn; }
  fire(ev, o) { if (this.handlers[ev]) this.handlers[ev](Object.assign({ preventDefault() {} }, o)); }
}

const root = new El('svg', attrs(svgText.match(/<svg ([^>]*)>/)[1]));
const byId = {};
for (const m of svgText.matchAll(/<text id="(\w+)"([^>]*)>([^<]*)<\/text>/g))
  byId[m[1]] = root.add(new El('text', Object.assign({ id: m[1] }, attrs(m[2])), unescape(m[3])));
const frames = byId.frames = root.add(new El('g', { id: 'frames' }));
const byName = {};
for (const m of svgText.matchAll(/<g class="f"([^>]*)><title>([^<]*)<\/title><rect([^>]*)\/><text([^>]*)>([^<]*)<\/text><\/g>/g)) {
  const g = frames.add(new El('g', Object.assign({ class: 'f' }, attrs(m[1]))));
  g.add(new El('title', {}, unescape(m[2])));
  g.add(new El('rect', attrs(m[3])));
  g.add(new El('text', attrs(m[4]), unescape(m[5])));
  byName[g.a['data-n']] = g;
}
let promptAnswer = null;
const win = new El('window');
global.document = { documentElement: root, getElementById: (id) => byId[id] || null };
global.window = { prompt: () => promptAnswer, addEventListener: (e, f) => win.addEventListener(e, f) };
eval(svgText.match(/<!\[CDATA\[\n(\(function[\s\S]*?)\]\]><\/script>/)[1]);

let failed = 0;
function check(name, ok, why) {
  if (ok) console.log('PASS: flamegraph script: ' + name);
  else { failed++; console.log('FAIL: flamegraph script: ' + name + ': ' + why); }
}
const W = +root.a['data-w'], PAD = +root.a['data-pad'], TOTAL = +root.a['data-total'];
const rect = (n) => byName[n].getElementsByTagName('rect')[0];
const label = (n) => byName[n].getElementsByTagName('text')[0].textContent;
const near = (a, b) => Math.abs(a - b) < 0.01;

// click on ngx_http_handler (42 of 54): it spans the width, its child scales,
// its callers span the width dimmed, unrelated frames hide
frames.fire('click', { target: rect('ngx_http_handler') });
check('zoomed frame spans the width', near(+rect('ngx_http_handler').a.width, W) &&
      near(+rect('ngx_http_handler').a.x, PAD), JSON.stringify(rect('ngx_http_handler').a));
check('child rescaled', near(+rect('ngx_http_send').a.width, 30 / 42 * W), rect('ngx_http_send').a.width);
check('callers dimmed', byName.main.a.class === 'f dim' && byName.all.a.class === 'f dim' &&
      near(+rect('main').a.width, W), byName.main.a.class);
check('unrelated frames hidden', byName.sh.a.class === 'f hide' &&
      byName.ngx_process_events.a.class === 'f hide', byName.sh.a.class);
check('zoomed label refitted', label('ngx_http_send') === 'ngx_http_send', label('ngx_http_send'));
check('reset zoom shown', byId.unzoom.a.class === 'btn', byId.unzoom.a.class);
byId.unzoom.fire('click', {});
check('reset restores widths', near(+rect('ngx_http_handler').a.width, 42 / TOTAL * W) &&
      byName.sh.a.class === 'f' && byId.unzoom.a.class === 'btn hide', rect('ngx_http_handler').a.width);

frames.fire('mouseover', { target: rect('epoll_wait') });
check('hover shows details', byId.details.textContent === byName.epoll_wait.getElementsByTagName('title')[0].textContent &&
      /^epoll_wait \(7 samples, 12\.96%\)$/.test(byId.details.textContent), byId.details.textContent);

// search: ngx_http_handler (0..42) holds ngx_http_send; ngx_process_events adds 7
const before = rect('sh').a.fill;
promptAnswer = '^ngx_';
byId.search.fire('click', {});
check('search highlights matches', rect('ngx_http_send').a.fill === root.a['data-search'] &&
      rect('sh').a.fill === before, rect('ngx_http_send').a.fill);
check('search share counts each sample once', byId.matched.textContent === 'Matched: 90.74% (3 frames)',
      byId.matched.textContent);
byId.search.fire('click', {});
check('search reset', rect('ngx_http_send').a.fill !== root.a['data-search'] &&
      byId.matched.textContent.trim() === '', byId.matched.textContent);
promptAnswer = '<tag> & "q';
byId.search.fire('click', {});
check('search for a plain string with markup', byId.matched.textContent === 'Matched: 3.70% (1 frames)',
      byId.matched.textContent);
promptAnswer = '(unbalanced';
byId.search.fire('click', {});
byId.search.fire('click', {});
check('invalid regular expression searched as text', byId.matched.textContent.indexOf('Matched: 0.00%') === 0,
      byId.matched.textContent);
win.fire('keydown', { key: 'Escape' });
check('Escape resets search', byId.matched.textContent.trim() === '', byId.matched.textContent);
process.exit(failed ? 1 : 0);
