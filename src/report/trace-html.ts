// The trace report (`goscope trace -o report.html`) as one self-contained HTML file: the
// verdicts, a canvas timeline of procs and goroutines (web/trace/), sortable tables and
// a flame graph per blocking profile (the same flame sections as every other report).
//
// Untrusted text (function names, reasons, region names, table cells) reaches the page
// escaped (escapeHtml) or inside JSON data blocks (jsonForScript); the page script puts
// it into the DOM with textContent only. The timeline's columns travel as base64 of the
// typed arrays' bytes (src/shared/timeline-data.ts).
import type { Profile } from '../formats/pprof/profile.js';
import { STATE_RUNNABLE, STATE_RUNNING, STATE_SYSCALL, STATE_WAITING, type Timeline } from '../shared/timeline.js';
import { buildFlameTree, type FlameTree } from '../shared/flame-tree.js';
import { sampleStacks } from '../analysis/profile/stacks.js';
import { escapeHtml as e, flameSectionHtml, htmlPage, jsonForScript } from './html.js';
import { formatNs } from '../shared/duration.js';
import { timelineBlock } from '../shared/timeline-data.js';

export type TraceColumnUnit = 'ns' | 'count' | 'bytes' | 'text' | 'percent';

export interface TraceTableColumn {
  /** Key of the cell in each row. */
  key: string;
  label: string;
  unit: TraceColumnUnit;
}

export interface TraceTable {
  /** Element id, unique in the page (letters, digits, '-', '_'). */
  id: string;
  title: string;
  note?: string;
  columns: TraceTableColumn[];
  rows: Record<string, string | number>[];
}

/** One flame graph section (a blocking profile), as diagnose-html's FlameEntry. */
export interface TraceFlame {
  /** net, sync, syscall, sched (the section id is `flame-<kind>`). */
  kind: string;
  /** Heading; default "<kind> blocking". */
  title?: string;
  sampleType: string;
  unit: string;
  tree: FlameTree;
}

export interface TraceHtmlInput {
  /** Page title and heading. */
  title: string;
  /** Lines under the heading: Go version, duration, events… */
  meta: string[];
  /** The verdict lines, worst first. */
  verdicts: string[];
  timeline: Timeline;
  tables: TraceTable[];
  flames: TraceFlame[];
}

/**
 * A blocking profile (analysis/trace/blocking.ts) as a flame section entry: its delay
 * (nanoseconds) per stack, or its contentions when asked.
 */
export function blockingFlame(kind: string, profile: Profile, sampleIndex: 'delay' | 'contentions' = 'delay'): TraceFlame {
  const s = sampleStacks(profile, { sampleIndex });
  return { kind, title: `${kind} blocking`, sampleType: s.sampleType.type, unit: s.sampleType.unit, tree: buildFlameTree(s.stacks) };
}

/**
 * Goroutines grouped by name (start function) with the time they spent in each state:
 * a ready-made table for the report.
 */
export function goroutineTable(tl: Timeline, id = 'goroutine-groups'): TraceTable {
  const groups = new Map<number, { count: number; t: number[] }>();
  const g = tl.goroutines;
  const iv = tl.intervals;
  for (let i = 0; i < g.count; i++) {
    let r = groups.get(g.name[i]!);
    if (!r) groups.set(g.name[i]!, (r = { count: 0, t: [0, 0, 0, 0] }));
    r.count++;
    for (let j = g.offset[i]!; j < g.offset[i + 1]!; j++) r.t[iv.state[j]!]! += iv.end[j]! - iv.start[j]!;
  }
  const rows = [...groups].map(([name, r]) => ({
    name: tl.strings[name] || '(unknown)',
    count: r.count,
    running: r.t[STATE_RUNNING]!,
    runnable: r.t[STATE_RUNNABLE]!,
    waiting: r.t[STATE_WAITING]!,
    syscall: r.t[STATE_SYSCALL]!,
  }));
  rows.sort((a, b) => b.running - a.running || b.count - a.count || a.name.localeCompare(b.name));
  return {
    id,
    title: 'Goroutines by start function',
    note: 'Time in each state summed over the goroutines of the group, within the trace.',
    columns: [
      { key: 'name', label: 'start function', unit: 'text' },
      { key: 'count', label: 'goroutines', unit: 'count' },
      { key: 'running', label: 'running', unit: 'ns' },
      { key: 'runnable', label: 'runnable (sched wait)', unit: 'ns' },
      { key: 'waiting', label: 'waiting', unit: 'ns' },
      { key: 'syscall', label: 'syscall', unit: 'ns' },
    ],
    rows,
  };
}

function formatBytes(b: number): string {
  const a = Math.abs(b);
  const f = (v: number, u: string) => `${Number(v.toPrecision(3))}${u}`;
  if (a >= 1024 ** 3) return f(b / 1024 ** 3, 'GiB');
  if (a >= 1024 ** 2) return f(b / 1024 ** 2, 'MiB');
  if (a >= 1024) return f(b / 1024, 'KiB');
  return `${b}B`;
}

function formatCell(v: string | number | undefined, unit: TraceColumnUnit): string {
  if (v === undefined) return '';
  if (typeof v === 'string' || unit === 'text') return String(v);
  if (!Number.isFinite(v)) return String(v);
  switch (unit) {
    case 'ns':
      return formatNs(v);
    case 'bytes':
      return formatBytes(v);
    case 'percent':
      return `${Number(v.toFixed(1))}%`;
    default:
      return v.toLocaleString('en-US');
  }
}

const ID_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** A table whose headers sort it (web/trace/table.ts); numeric cells carry their raw value. */
export function traceTableHtml(t: TraceTable): string {
  if (!ID_RE.test(t.id)) throw new TypeError(`table id ${JSON.stringify(t.id)} is not a plain identifier`);
  const head = t.columns
    .map(
      (c) =>
        `<th scope="col" data-key="${e(c.key)}" data-unit="${e(c.unit)}"${c.unit === 'text' ? '' : ' class="n"'} tabindex="0" role="columnheader" aria-sort="none">${e(c.label)}</th>`,
    )
    .join('');
  const body = t.rows
    .map((r) => {
      const cells = t.columns.map((c) => {
        const v = r[c.key];
        if (c.unit === 'text' || typeof v !== 'number') return `<td>${e(formatCell(v, c.unit))}</td>`;
        return `<td class="n" data-v="${e(String(v))}" title="${e(String(v))}">${e(formatCell(v, c.unit))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return (
    `<section class="gtt" id="${e(t.id)}"><h3>${e(t.title)}</h3>` +
    (t.note ? `<p class="dim">${e(t.note)}</p>` : '') +
    `<table class="t gt-table" data-goscope-table="1"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></section>`
  );
}

/** The timeline section: toolbar, the canvas in a scroller, tooltip and data. */
export function timelineSectionHtml(tl: Timeline, id = 'trace-timeline'): string {
  if (!ID_RE.test(id)) throw new TypeError(`timeline id ${JSON.stringify(id)} is not a plain identifier`);
  return `<section class="gt" id="${e(id)}" data-goscope-trace="1" data-state="pending" tabindex="0" aria-label="Timeline of procs and goroutines">
<div class="gt-toolbar">
<button type="button" class="gt-zoom-in" title="Zoom in (W, Ctrl+wheel)">Zoom in</button>
<button type="button" class="gt-zoom-out" title="Zoom out (S)">Zoom out</button>
<button type="button" class="gt-pan-left" title="Pan left (A)">◀</button>
<button type="button" class="gt-pan-right" title="Pan right (D)">▶</button>
<button type="button" class="gt-reset" title="Whole trace (0)">Reset</button>
<label class="gt-label">Goroutines <select class="gt-sort"><option value="start">by start time</option><option value="name">grouped by start function</option><option value="running">by running time</option><option value="id">by ID</option></select></label>
<input type="search" class="gt-filter" placeholder="Filter goroutines (regexp on name or G123)" aria-label="Filter goroutines" spellcheck="false" autocomplete="off">
<span class="gt-count"></span>
<span class="gf-spacer"></span>
<span class="gt-range" aria-live="polite"></span>
</div>
<div class="gt-legend"><span class="gt-sw" style="background:#2e9d4f"></span>running <span class="gt-sw" style="background:#e9b949"></span>runnable <span class="gt-sw" style="background:#c3ccd8"></span>waiting <span class="gt-sw" style="background:#d2691e"></span>syscall <span class="gt-sw" style="background:#f4a261"></span>GC mark <span class="gt-sw" style="background:#d62828"></span>stop-the-world <span class="gt-sw" style="background:#7b5ea7"></span>user region</div>
<div class="gt-scroll"><div class="gt-sticky"><canvas class="gt-canvas"></canvas></div><div class="gt-spacer"></div></div>
<div class="gt-tooltip gf-tooltip" role="tooltip" hidden></div>
<p class="gf-help">Drag to pan, Ctrl+wheel (or wheel over the time axis) to zoom, wheel to scroll the goroutines; keys W/S zoom, A/D pan, 0 resets. Hover or click a slice for its goroutine, state and times. Procs on top: which goroutine each P ran.</p>
<script type="application/json" class="gt-data">${jsonForScript(timelineBlock(tl))}</script>
</section>`;
}

const CSS = `
.verdict{border-left:4px solid #2e7d32;padding:.5em 1em;margin:1em 0;background:#f4f8f4}
.verdict.bad{border-color:#c62828;background:#fdf3f3}
.verdict li{font-weight:600;margin:.2em 0}
.dim{color:#777}
code{font:12px ui-monospace,monospace}
table.t{border-collapse:collapse;margin:.5em 0;font-size:13px}
table.t td,table.t th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
table.t th{white-space:nowrap}
table.t td.n,table.t th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.gt-table th{cursor:pointer;user-select:none}
.gt-table th[aria-sort=ascending]::after{content:" ▲";font-size:10px}
.gt-table th[aria-sort=descending]::after{content:" ▼";font-size:10px}
.gt{margin:8px 0 24px;outline:none}
.gt:focus-visible{outline:2px solid var(--accent)}
.gt-toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px;margin:6px 0}
.gt button{font:inherit;font-size:12px;padding:3px 9px;border:1px solid var(--line);border-radius:4px;background:#f6f7f9;cursor:pointer}
.gt-label,.gt-count,.gt-range,.gt-legend{font-size:12px;color:var(--muted)}
.gt select,.gt-filter{font:inherit;font-size:12px;padding:2px 6px;border:1px solid var(--line);border-radius:4px}
.gt-filter{width:260px;max-width:100%}
.gt-sw{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px;vertical-align:-1px}
.gt-scroll{position:relative;overflow-y:auto;overflow-x:hidden;border:1px solid var(--line);border-radius:4px}
.gt-sticky{position:sticky;top:0;left:0}
.gt-canvas{display:block;cursor:grab}
.gt-canvas.gt-dragging{cursor:grabbing}
.gt-tt-row{white-space:nowrap}
.gt-tt-row b{font-weight:600}
`;

/** The whole trace report page. */
export function traceHtml(input: TraceHtmlInput): string {
  const parts: string[] = [];
  parts.push(`<h1>${e(input.title)}</h1>`);
  if (input.meta.length) parts.push(`<p class="dim" id="meta">${input.meta.map((m) => e(m)).join(' · ')}</p>`);
  if (input.verdicts.length) {
    parts.push(`<div class="verdict" id="verdict"><ul>${input.verdicts.map((v) => `<li>${e(v)}</li>`).join('')}</ul></div>`);
  }
  parts.push('<nav class="dim"><a href="#timeline">timeline</a> · <a href="#tables">tables</a> · <a href="#flames">blocking profiles</a></nav>');
  const tl = input.timeline;
  parts.push(
    `<h2 id="timeline">Timeline</h2><p class="dim">${tl.procs.count} procs · ${tl.goroutines.count.toLocaleString('en-US')} goroutines · ${tl.intervals.count.toLocaleString('en-US')} state intervals · ${e(formatNs(tl.end - tl.start))}</p>`,
  );
  parts.push(timelineSectionHtml(tl));
  parts.push('<h2 id="tables">Tables</h2>');
  if (!input.tables.length) parts.push('<p class="dim">No tables.</p>');
  for (const t of input.tables) parts.push(traceTableHtml(t));
  parts.push(
    '<h2 id="flames">Blocking profiles</h2><p class="dim">Where goroutines waited, as <code>go tool trace -pprof=KIND</code>: click a frame to zoom, search highlights and sums matches; right-click a frame for its callers and callees.</p>',
  );
  input.flames.forEach((fl, i) => {
    const title = fl.title ?? `${fl.kind} blocking`;
    parts.push(
      `<details${i === 0 ? ' open' : ''} data-flame-kind="${e(fl.kind)}"><summary><b>${e(title)}</b> <span class="dim">${e(fl.sampleType)}</span></summary>`,
    );
    parts.push(flameSectionHtml({ id: `flame-${fl.kind}`, title, unit: fl.unit, sampleType: fl.sampleType, tree: fl.tree }));
    parts.push('</details>');
  });
  return htmlPage({ title: input.title, body: parts.join('\n'), css: CSS });
}
