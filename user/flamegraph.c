// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SVG flame graph renderer.  The tree is drawn root at the bottom, each
 * frame as wide as its inclusive value, children left to right by name.
 * Every frame is one <g> carrying its value range (data-s, data-v) and name
 * (data-n), so the embedded script can zoom and search without any other
 * data; frames narrower than min_width are not written, only counted.
 * Everything printed is deterministic (no time, no randomness), and every
 * piece of text goes through xml_text(), which also replaces bytes that
 * are not valid UTF-8 or not allowed in XML by '?'.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "flamegraph.h"

#define PAD 10			/* left and right margin, px */
#define FRAME_H 16		/* row height, px */
#define FONT 12			/* frame label font size, px */
#define CHAR_W (FONT * 0.59)	/* average glyph width used to fit labels */
#define LINE_H 18		/* header text line spacing */
#define BOTTOM 34		/* room for the details line */
#define SEARCH_FILL "rgb(230,0,230)"

/* --- text --------------------------------------------------------------- */

/*
 * Length of the valid UTF-8 sequence at `s` that XML 1.0 allows as a
 * character, or 0 when the byte there must be replaced.
 */
static size_t xml_char_len(const unsigned char *s)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0x80)
		return (s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') && s[0] != 0x7f
			       ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff)
		return 0;
	return n;
}

/* Characters of `s` as xml_text() writes them (a replaced byte counts one). */
static size_t text_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, k;

	while (*p) {
		k = xml_char_len(p);
		p += k ? k : 1;
		n++;
	}
	return n;
}

/* At most `max` characters of `s`, XML-escaped; for text content and attribute values. */
static void xml_text_n(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;

	for (; *p && max; max--) {
		k = xml_char_len(p);
		if (!k) {
			fputc('?', out);
			p++;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		case '\t': fputs("&#9;", out); break;
		case '\n': fputs("&#10;", out); break;
		case '\r': fputs("&#13;", out); break;
		default: fwrite(p, 1, k, out);
		}
		p += k;
	}
}

static void xml_text(FILE *out, const char *s)
{
	xml_text_n(out, s, SIZE_MAX);
}

/* The label that fits `w` px: the whole name, a prefix ending "..", or nothing. */
static void label(FILE *out, const char *name, double w)
{
	double fit = floor((w - 6) / CHAR_W);
	size_t n;

	if (fit < 3)
		return;
	n = text_chars(name);
	if ((double)n <= fit) {
		xml_text(out, name);
		return;
	}
	xml_text_n(out, name, (size_t)fit - 2);
	fputs("..", out);
}

/* --- colours ------------------------------------------------------------ */

/* FNV-1a: small, stable across platforms and runs. */
static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

void tt_flame_color(const char *name, uint8_t rgb[3])
{
	uint32_t h = hash(name);
	unsigned int a = h & 0xff, b = (h >> 8) & 0xff, c = (h >> 16) & 0xff;

	if (!strcmp(name, TT_FOLD_UNKNOWN)) {
		rgb[0] = rgb[1] = rgb[2] = 180;
	} else if (ends_with(name, "_[k]")) {
		rgb[0] = (uint8_t)(60 + a * 60 / 255);
		rgb[1] = (uint8_t)(170 + b * 60 / 255);
		rgb[2] = (uint8_t)(60 + c * 50 / 255);
	} else {
		rgb[0] = (uint8_t)(205 + a * 50 / 255);
		rgb[1] = (uint8_t)(b * 230 / 255);
		rgb[2] = (uint8_t)(c * 55 / 255);
	}
}

void tt_flame_diff_color(double change, double max, uint8_t rgb[3])
{
	double t = max > 0 ? fabs(change) / max : 0;
	uint8_t fade;

	if (t > 1)
		t = 1;
	/* 255 (no change) down to 40 (the largest change): labels stay readable */
	fade = (uint8_t)lround(255 - t * 215);
	rgb[0] = change > 0 ? 255 : fade;
	rgb[1] = fade;
	rgb[2] = change < 0 ? 255 : fade;
	if (change == 0)
		rgb[0] = rgb[1] = rgb[2] = 255;
}

/* --- layout ------------------------------------------------------------- */

/*
 * A value as the SVG states it: integers in full (exact up to 2^64, as
 * tracetool's own profiles are), fractions to 17 significant digits, enough
 * for data-s ranges to add up in the script.
 */
static const char *fmt_value(char *buf, size_t len, long double v)
{
	if (v == floorl(v))
		snprintf(buf, len, "%.0Lf", v);
	else
		snprintf(buf, len, "%.17Lg", v);
	return buf;
}

#define VAL_LEN 48

struct ctx {
	const struct tt_flame_opts *o;
	FILE *out;
	long double total, base_total;
	double scale;		/* px per unit of value */
	double max_change;	/* diff: largest |share change| among drawn frames */
	size_t rows;		/* drawn depth + 1 */
	size_t drawn, elided;
	double top;		/* y of the top row */
	const char *unit;
};

static size_t subtree_size(const struct tt_fold_node *n)
{
	size_t i, k = 1;

	for (i = 0; i < n->nchildren; i++)
		k += subtree_size(n->children[i]);
	return k;
}

static double share_change(const struct ctx *c, const struct tt_fold_node *n)
{
	double b = c->base_total ? (double)n->base / (double)c->base_total : 0;

	return (double)n->value / (double)c->total - b;
}

static bool is_drawn(const struct ctx *c, const struct tt_fold_node *n)
{
	return (double)n->value * c->scale >= c->o->min_width;
}

/* First pass: what is drawn, how deep, and the largest change. */
static void measure(struct ctx *c, const struct tt_fold_node *n, size_t depth)
{
	size_t i;

	if (!is_drawn(c, n)) {
		c->elided += subtree_size(n);
		return;
	}
	c->drawn++;
	if (depth + 1 > c->rows)
		c->rows = depth + 1;
	if (c->o->diff && fabs(share_change(c, n)) > c->max_change)
		c->max_change = fabs(share_change(c, n));
	for (i = 0; i < n->nchildren; i++)
		measure(c, n->children[i], depth + 1);
}

static void pct(FILE *out, long double v, long double total)
{
	fprintf(out, "%.2f%%", total ? (double)(100.0L * v / total) : 0.0);
}

static void frame(struct ctx *c, const struct tt_fold_node *n, long double start,
		  size_t depth)
{
	double x = PAD + (double)start * c->scale, w = (double)n->value * c->scale;
	double y = c->top + (double)(c->rows - 1 - depth) * FRAME_H;
	char vs[VAL_LEN], vv[VAL_LEN], details[512];
	FILE *out = c->out;
	uint8_t rgb[3];
	long double s;
	size_t i;

	if (!is_drawn(c, n))
		return;
	details[0] = 0;
	if (c->o->frame_style)
		c->o->frame_style(c->o->style_ctx, n, rgb, details, sizeof(details));
	else if (c->o->diff)
		tt_flame_diff_color(share_change(c, n), c->max_change, rgb);
	else
		tt_flame_color(n->name, rgb);
	fprintf(out, "<g class=\"f\" data-s=\"%s\" data-v=\"%s\" data-n=\"",
		fmt_value(vs, sizeof(vs), start), fmt_value(vv, sizeof(vv), n->value));
	xml_text(out, n->name);
	fputs("\"><title>", out);
	xml_text(out, n->name);
	if (c->o->frame_style) {
		fputs(" (", out);
		xml_text(out, details);
	} else {
		fprintf(out, " (%s ", vv);
		xml_text(out, c->unit);
		fputs(", ", out);
		pct(out, n->value, c->total);
	}
	if (c->o->diff && !c->o->frame_style) {
		fprintf(out, "; base %s ", fmt_value(vv, sizeof(vv), n->base));
		xml_text(out, c->unit);
		fputs(", ", out);
		pct(out, n->base, c->base_total);
		fprintf(out, "; change %+.2f points", 100.0 * share_change(c, n));
	}
	fprintf(out, ")</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\" "
		"fill=\"rgb(%u,%u,%u)\" rx=\"2\"/><text x=\"%.2f\" y=\"%.1f\">",
		x, y, w, FRAME_H - 1, rgb[0], rgb[1], rgb[2], x + 3, y + 11.5);
	label(out, n->name, w);
	fputs("</text></g>\n", out);
	for (i = 0, s = start; i < n->nchildren; i++) {
		frame(c, n->children[i], s, depth + 1);
		s += n->children[i]->value;
	}
}

/* --- the document ------------------------------------------------------- */

static const char css[] =
	"text{font-family:Verdana,Helvetica,sans-serif;font-size:12px;fill:#000}\n"
	"#title{font-size:17px;text-anchor:middle}\n"
	"#subtitle,#info{text-anchor:middle;fill:#555}\n"
	"#info{font-size:11px}\n"
	".btn{cursor:pointer;fill:#0645ad}\n"
	".f{cursor:pointer}\n"
	".f:hover rect{stroke:#000;stroke-width:0.5}\n"
	".f text{pointer-events:none}\n"
	".dim rect{opacity:0.5}\n"
	".hide{display:none}\n";

/*
 * Zoom: the clicked frame spans the width; frames above it inside its range
 * are rescaled, the frames below it (its callers) span the width dimmed,
 * everything else hides.  Search: a regular expression (a plain string if
 * it does not compile) over frame names; matches turn magenta and the
 * bottom right shows the share of the total they cover, each sample
 * counted once however many matching frames its stack holds.
 */
static const char script[] =
	"(function () {\n"
	"var svg = document.documentElement;\n"
	"var W = +svg.getAttribute('data-w'), PAD = +svg.getAttribute('data-pad');\n"
	"var TOTAL = +svg.getAttribute('data-total'), CW = +svg.getAttribute('data-cw');\n"
	"var SEARCH = svg.getAttribute('data-search');\n"
	"var frames = document.getElementById('frames'), gs = frames.getElementsByTagName('g');\n"
	"var details = document.getElementById('details'), matched = document.getElementById('matched');\n"
	"var unzoomBtn = document.getElementById('unzoom'), searchBtn = document.getElementById('search');\n"
	"var f = [], i, searching = false;\n"
	"for (i = 0; i < gs.length; i++) {\n"
	"  var r = gs[i].getElementsByTagName('rect')[0];\n"
	"  f.push({ g: gs[i], r: r, t: gs[i].getElementsByTagName('text')[0],\n"
	"    s: +gs[i].getAttribute('data-s'), v: +gs[i].getAttribute('data-v'),\n"
	"    y: +r.getAttribute('y'), n: gs[i].getAttribute('data-n'),\n"
	"    fill: r.getAttribute('fill'), tip: gs[i].getElementsByTagName('title')[0].textContent });\n"
	"  gs[i].tt = f[i];\n"
	"}\n"
	"function fit(e, w) {\n"
	"  var k = Math.floor((w - 6) / CW);\n"
	"  e.t.textContent = k < 3 ? '' : e.n.length <= k ? e.n : e.n.slice(0, k - 2) + '..';\n"
	"}\n"
	"function place(e, x, w) {\n"
	"  e.r.setAttribute('x', x.toFixed(2)); e.r.setAttribute('width', w.toFixed(2));\n"
	"  e.t.setAttribute('x', (x + 3).toFixed(2)); fit(e, w);\n"
	"}\n"
	"function show(e, on, dim) {\n"
	"  e.g.setAttribute('class', on ? (dim ? 'f dim' : 'f') : 'f hide');\n"
	"}\n"
	"function zoom(z) {\n"
	"  if (z.v >= TOTAL) return unzoom();\n"
	"  f.forEach(function (e) {\n"
	"    if (e.y <= z.y && e.s >= z.s && e.s + e.v <= z.s + z.v) {\n"
	"      show(e, true, false); place(e, PAD + (e.s - z.s) / z.v * W, e.v / z.v * W);\n"
	"    } else if (e.y > z.y && e.s <= z.s && e.s + e.v >= z.s + z.v) {\n"
	"      show(e, true, true); place(e, PAD, W);\n"
	"    } else {\n"
	"      show(e, false);\n"
	"    }\n"
	"  });\n"
	"  unzoomBtn.setAttribute('class', 'btn');\n"
	"}\n"
	"function unzoom() {\n"
	"  f.forEach(function (e) { show(e, true, false); place(e, PAD + e.s / TOTAL * W, e.v / TOTAL * W); });\n"
	"  unzoomBtn.setAttribute('class', 'btn hide');\n"
	"}\n"
	"function search(term) {\n"
	"  var re, hits = [], sum = 0, end = -1;\n"
	"  try { re = new RegExp(term); } catch (x) { re = new RegExp(term.replace(/[.*+?^${}()|[\\]\\\\]/g, '\\\\$&')); }\n"
	"  f.forEach(function (e) {\n"
	"    var hit = re.test(e.n);\n"
	"    e.r.setAttribute('fill', hit ? SEARCH : e.fill);\n"
	"    if (hit) hits.push(e);\n"
	"  });\n"
	"  hits.sort(function (a, b) { return a.s - b.s || b.v - a.v; });\n"
	"  hits.forEach(function (e) {\n"
	"    if (e.s + e.v <= end) return;\n"
	"    sum += e.s + e.v - Math.max(e.s, end); end = e.s + e.v;\n"
	"  });\n"
	"  matched.textContent = 'Matched: ' + (100 * sum / TOTAL).toFixed(2) + '% (' + hits.length + ' frames)';\n"
	"  searchBtn.textContent = 'Reset Search'; searching = true;\n"
	"}\n"
	"function resetSearch() {\n"
	"  f.forEach(function (e) { e.r.setAttribute('fill', e.fill); });\n"
	"  matched.textContent = ' '; searchBtn.textContent = 'Search'; searching = false;\n"
	"}\n"
	"function ask() {\n"
	"  var term = window.prompt('Search frames (regular expression):', '');\n"
	"  if (term) search(term);\n"
	"}\n"
	"function target(ev) {\n"
	"  for (var n = ev.target; n && n !== frames; n = n.parentNode) if (n.tt) return n.tt;\n"
	"  return null;\n"
	"}\n"
	"frames.addEventListener('mouseover', function (ev) { var e = target(ev); if (e) details.textContent = e.tip; });\n"
	"frames.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"frames.addEventListener('click', function (ev) { var e = target(ev); if (e) zoom(e); });\n"
	"unzoomBtn.addEventListener('click', unzoom);\n"
	"searchBtn.addEventListener('click', function () { if (searching) resetSearch(); else ask(); });\n"
	"window.addEventListener('keydown', function (ev) {\n"
	"  if ((ev.ctrlKey || ev.metaKey) && ev.key === 'f' || ev.key === 'F3') { ev.preventDefault(); ask(); }\n"
	"  else if (ev.key === 'Escape') { unzoom(); resetSearch(); }\n"
	"});\n"
	"})();\n";

static void header_line(struct ctx *c, const char *id, double y, const char *text)
{
	fprintf(c->out, "<text id=\"%s\" x=\"%.1f\" y=\"%.1f\">", id, c->o->width / 2.0, y);
	xml_text(c->out, text);
	fputs("</text>\n", c->out);
}

int tt_flamegraph_svg(const struct tt_fold_node *root, const struct tt_flame_opts *opts,
		      FILE *out)
{
	struct tt_flame_opts o = *opts;
	struct ctx c = { .o = &o, .out = out };
	char info[512], tot[VAL_LEN], bt[VAL_LEN], miss[VAL_LEN];
	double height, y;

	if (!root || !root->value)
		return -EINVAL;
	if (!o.width)
		o.width = TT_FLAME_WIDTH;
	c.unit = o.unit ? o.unit : "samples";
	c.total = root->value;
	c.base_total = root->base;
	c.scale = (double)(o.width - 2 * PAD) / (double)c.total;
	if (!o.title)
		o.title = o.diff ? "Differential Flame Graph: red grew, blue shrank" : "Flame Graph";
	measure(&c, root, 0);

	if (o.diff)
		snprintf(info, sizeof(info),
			 "new %s %s, base %s %s (as shares of each total); %s %s only in base; "
			 "%zu frames < %.2f px not drawn",
			 fmt_value(tot, sizeof(tot), c.total), c.unit,
			 fmt_value(bt, sizeof(bt), c.base_total), c.unit,
			 fmt_value(miss, sizeof(miss), o.base_missing), c.unit, c.elided,
			 o.min_width > 0 ? o.min_width : 0);
	else
		snprintf(info, sizeof(info),
			 "%s %s; %zu frames narrower than %.2f px not drawn",
			 fmt_value(tot, sizeof(tot), c.total), c.unit, c.elided,
			 o.min_width > 0 ? o.min_width : 0);
	y = 24 + LINE_H * (o.subtitle ? 2 : 1);
	c.top = y + 14;
	height = c.top + (double)c.rows * FRAME_H + BOTTOM;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
		"height=\"%.0f\" viewBox=\"0 0 %u %.0f\" data-w=\"%u\" data-pad=\"%d\" "
		"data-total=\"%s\" data-cw=\"%.2f\" data-search=\"%s\">\n",
		o.width, height, o.width, height, o.width - 2 * PAD, PAD, tot, CHAR_W,
		SEARCH_FILL);
	fputs("<title>", out);		/* the browser tab's name */
	xml_text(out, o.title);
	fputs("</title>\n", out);
	fprintf(out, "<style type=\"text/css\"><![CDATA[\n%s]]></style>\n", css);
	fprintf(out, "<defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
		"<stop stop-color=\"%s\" offset=\"5%%\"/><stop stop-color=\"%s\" offset=\"95%%\"/>"
		"</linearGradient></defs>\n"
		"<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%.0f\" fill=\"url(#bg)\"/>\n",
		o.diff ? "#f4f4f4" : "#eeeeee", o.diff ? "#dddddd" : "#eeeeb0", o.width, height);
	header_line(&c, "title", 24, o.title);
	if (o.subtitle)
		header_line(&c, "subtitle", 24 + LINE_H, o.subtitle);
	header_line(&c, "info", y, info);
	fprintf(out, "<text id=\"unzoom\" class=\"btn hide\" x=\"%d\" y=\"24\">Reset Zoom</text>\n"
		"<text id=\"search\" class=\"btn\" x=\"%d\" y=\"24\" text-anchor=\"end\">Search</text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%.0f\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%.0f\" text-anchor=\"end\"> </text>\n"
		"<g id=\"frames\">\n",
		PAD, o.width - PAD, PAD, height - 12, o.width - PAD, height - 12);
	frame(&c, root, 0, 0);
	fprintf(out, "</g>\n<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n</svg>\n",
		script);
	if (fflush(out) || ferror(out))
		return -EIO;
	return 0;
}
