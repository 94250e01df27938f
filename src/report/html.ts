// Self-contained HTML reports: one file with its CSS and script inlined, no external
// resource (a Content-Security-Policy forbids any), so a report opens offline and can be
// attached to a ticket. Profile text (function names, labels) is untrusted: it reaches the
// page only inside JSON data blocks (jsonForScript) or escaped (escapeHtml), and the
// script puts it into the DOM as text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FlameTree } from '../shared/flame-tree.js';
import { Encoded } from '../shared/encoded.js';
import { flameData } from '../shared/flame-data.js';
import { UserError } from '../errors.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content or a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/;
const SCRIPT_UNSAFE_ALL = /[<>&\u2028\u2029]/g;

/** JSON text with the characters that could end a script element or a JS string escaped. */
function scriptSafe(json: string): string {
  return SCRIPT_UNSAFE.test(json) ? json.replace(SCRIPT_UNSAFE_ALL, (c) => SCRIPT_ESCAPES[c]!) : json;
}

/**
 * JSON for a <script type="application/json"> block: no "</script", "<!--" or "]]>" can
 * appear (<, > and & are \u escapes, which JSON.parse reads back unchanged), and the line
 * separators U+2028/9 are escaped too so the text is also a valid JavaScript literal.
 * The same text as JSON.stringify (then escaped), except that Encoded values (a data
 * block's megabytes of varints or base64, src/shared/encoded.ts) are put in as they are:
 * their alphabet needs no escaping, and copying and scanning them cost more than the
 * rest of the page.
 */
export function jsonForScript(value: unknown): string {
  if (value instanceof Encoded) return '"' + value.text + '"';
  if (value !== null && typeof value === 'object' && hasEncoded(value)) {
    if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : jsonForScript(v))).join(',') + ']';
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function') continue;
      parts.push(scriptSafe(JSON.stringify(k)) + ':' + jsonForScript(v));
    }
    return '{' + parts.join(',') + '}';
  }
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('jsonForScript: value has no JSON form');
  return scriptSafe(json);
}

/** Whether an Encoded value is among the object's own values or its plain objects' (not in arrays of numbers or strings). */
function hasEncoded(o: object): boolean {
  for (const v of Array.isArray(o) ? o : Object.values(o)) {
    if (v instanceof Encoded) return true;
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && hasEncoded(v)) return true;
  }
  return false;
}

export interface FlameSection {
  /** Element id, unique in the page (letters, digits, '-', '_'). */
  id: string;
  title: string;
  /** pprof sample unit ("nanoseconds", "bytes", "count"…). */
  unit: string;
  /** pprof sample type ("cpu", "alloc_space"…). */
  sampleType: string;
  tree: FlameTree;
}

/** A <section> with the flame graph UI and its data; the page script draws it when it becomes visible. */
export function flameSectionHtml(s: FlameSection): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(s.id)) throw new TypeError(`flame section id ${JSON.stringify(s.id)} is not a plain identifier`);
  const id = escapeHtml(s.id);
  const diff = s.tree.baseSelf !== null;
  const legend = diff
    ? '<span class="gf-legend"><span class="gf-swatch gf-grew"></span>grew <span class="gf-swatch gf-shrank"></span>shrank · width: base + new</span>'
    : '';
  return `<section class="gf" id="${id}" data-goscope-flame="1" data-state="pending"${diff ? ' data-diff="1"' : ''}>
<header class="gf-head"><h2 class="gf-title">${escapeHtml(s.title)}</h2><span class="gf-meta">${escapeHtml(s.sampleType)} · ${escapeHtml(s.unit)} · <span class="gf-total"></span></span>${legend}</header>
<div class="gf-toolbar">
<input type="search" class="gf-search" placeholder="Search functions (regexp)" aria-label="Search functions" spellcheck="false" autocomplete="off">
<span class="gf-matched" aria-live="polite"></span>
<span class="gf-spacer"></span>
<button type="button" class="gf-sandwich-btn" disabled title="Callers and callees of the zoomed function (or right-click any frame)">Sandwich</button>
<button type="button" class="gf-reset">Reset zoom</button>
</div>
<nav class="gf-crumbs" aria-label="Zoom path"></nav>
<div class="gf-chart"><canvas class="gf-canvas"></canvas></div>
<div class="gf-sandwich" hidden>
<div class="gf-sw-head"><strong>Sandwich:</strong> <span class="gf-sw-title"></span> <button type="button" class="gf-sw-close">Close</button></div>
<div class="gf-sw-label">Callers (the function at the bottom, its callers above)</div>
<div class="gf-chart"><canvas class="gf-sw-callers"></canvas></div>
<div class="gf-sw-label">Callees</div>
<div class="gf-chart"><canvas class="gf-sw-callees"></canvas></div>
</div>
<div class="gf-tooltip" role="tooltip" hidden></div>
<p class="gf-help">Click a frame to zoom into it, click an ancestor or the breadcrumb to zoom out. Right-click a frame for its sandwich view (all its callers and callees).</p>
<script type="application/json" class="gf-data">${jsonForScript(flameData(s))}</script>
</section>`;
}

/** Styles of the page frame and the flame sections. */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1d1f24; --muted: #5c6370; --line: #d9dce1; --accent: #2f6fd6; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 20px; margin: 0 0 12px; }
.gf { margin: 12px 0 28px; }
.gf-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 14px; }
.gf-title { font-size: 16px; margin: 0; }
.gf-meta, .gf-help, .gf-sw-label { color: var(--muted); font-size: 12px; }
.gf-legend { font-size: 12px; color: var(--muted); }
.gf-swatch { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 6px; vertical-align: -1px; }
.gf-grew { background: hsl(0,90%,58%); } .gf-shrank { background: hsl(215,90%,58%); }
.gf-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 8px 0 6px; }
.gf-search { width: 280px; max-width: 100%; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; font: inherit; }
.gf-matched { font-size: 13px; }
.gf-spacer { flex: 1; }
.gf button { font: inherit; font-size: 12px; padding: 3px 9px; border: 1px solid var(--line); border-radius: 4px; background: #f6f7f9; cursor: pointer; }
.gf button:disabled { cursor: default; opacity: .55; }
.gf-crumbs { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 4px; min-height: 24px; margin-bottom: 4px; font-size: 12px; }
.gf .gf-crumb { border: none; background: none; padding: 1px 3px; color: var(--accent); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; max-width: 36em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.gf .gf-crumb[aria-current] { color: var(--fg); font-weight: 600; }
.gf-crumb-sep { color: var(--muted); }
.gf-chart { position: relative; width: 100%; }
.gf-chart canvas { display: block; cursor: pointer; }
.gf-sandwich { margin-top: 14px; padding-top: 8px; border-top: 1px solid var(--line); }
.gf-sw-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; margin-bottom: 6px; }
.gf-sw-title { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
.gf-tooltip { position: fixed; z-index: 10; max-width: min(640px, 90vw); padding: 6px 9px; background: #fffffb; border: 1px solid #b9bec7; border-radius: 4px; box-shadow: 0 2px 8px rgba(0,0,0,.18); font-size: 12px; pointer-events: none; }
.gf-tooltip[hidden], .gf-sandwich[hidden] { display: none; }
.gf-tt-name { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-weight: 600; word-break: break-all; margin-bottom: 3px; }
.gf-tt-hint { color: var(--muted); margin-top: 3px; }
.gf-error { color: #b00020; }
`;

let reportScript: string | undefined;

/** dist/web/report.js (web/ bundled by scripts/build-web.ts), read once; located relative to this module. */
function readReportScript(): string {
  if (reportScript !== undefined) return reportScript;
  const url = new URL('../../web/report.js', import.meta.url);
  let js: string;
  try {
    js = readFileSync(url, 'utf8');
  } catch {
    throw new UserError(`the report script ${fileURLToPath(url)} is missing: build it with \`npm run build\``);
  }
  // Inline, the text must not close the <script> element or open an HTML comment. In
  // JavaScript source "<\/" and "<\!" mean the same as "</" and "<!" inside strings and
  // regular expressions, the only places these sequences can occur.
  reportScript = js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  return reportScript;
}

export interface HtmlPageOptions {
  title: string;
  /** Body HTML (e.g. flame sections); the script is appended after it. */
  body: string;
  /** Extra CSS appended to the built-in styles. */
  css?: string;
}

/** A whole self-contained document: inlined CSS and script, no external resources. */
export function htmlPage(opts: HtmlPageOptions): string {
  const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="goscope">
<title>${escapeHtml(opts.title)}</title>
<style>${REPORT_CSS}${opts.css ?? ''}</style>
</head>
<body>
${opts.body}
<script>${readReportScript()}</script>
</body>
</html>
`;
}
