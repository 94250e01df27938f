// The diagnose report as one self-contained HTML file: the verdict, leak suspects,
// goroutine groups, each profile's hot spots, the execution trace's verdicts with its four
// blocking flame graphs, the service's /metrics digest, and a flame graph per profile.
// Everything from the service (function names, files, labels, messages) goes through
// escapeHtml.
import type { Diagnosis, TraceFinding } from '../analysis/diagnose.js';
import { BLOCKING_KINDS } from '../analysis/trace/blocking.js';
import type { FlameTree } from '../shared/flame-tree.js';
import type { Frame } from '../formats/goroutines/model.js';
import { shortFile } from '../analysis/stack.js';
import { waitText } from '../analysis/goroutines/classify.js';
import { groupSite, type Named } from '../analysis/goroutines/name.js';
import { escapeHtml as e, flameSectionHtml, htmlPage } from './html.js';
import { persistenceLine } from './goroutines.js';
import { amount, anyNotable, headline, rate, traceSummaryLine, verdictLines, type CaptureNote, type DiagnoseMeta } from './diagnose.js';
import { verdictWords } from './trace-verdicts.js';
import { blockingFlame } from './trace-html.js';
import { metricsDigestHtml } from './metrics.js';

export interface FlameEntry {
  kind: string;
  sampleType: string;
  unit: string;
  file?: string;
  /** Heading (default: kind, and the sample type when it differs). */
  title?: string;
  tree: FlameTree;
}

const CSS = `
.verdict{border-left:4px solid #2e7d32;padding:.5em 1em;margin:1em 0;background:#f4f8f4}
.verdict.bad{border-color:#c62828;background:#fdf3f3}
.verdict li{font-weight:600;margin:.2em 0}
.notes{color:#8a6d00}
table.t{border-collapse:collapse;margin:.5em 0;font-size:13px}
table.t td,table.t th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
table.t th{white-space:nowrap}
table.t td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.suspect{border:1px solid #e0c0c0;border-radius:4px;padding:.5em 1em;margin:.6em 0}
.stack{font:12px/1.4 ui-monospace,monospace;white-space:pre;overflow:auto;background:#fafafa;padding:.4em}
.dim{color:#777}
ul.trace li.notable{font-weight:600;color:#c62828}
ul.trace li ul{font-weight:400;color:#333}
code{font:12px ui-monospace,monospace}
`;

function at(f: Frame | null): string {
  return f ? `<code>${e(f.func)}</code> <span class="dim">${e(shortFile(f.file))}:${f.line}</span>` : '<span class="dim">?</span>';
}

/** Where a group (or leak suspect) waits, and where its stack differs from one that would read the same: as the terminal names it. */
function siteCell(g: Named): string {
  const site = groupSite(g);
  return (site ? at(site) : '<span class="dim">no readable stack</span>') + (g.via ? ` <span class="dim">differs at</span> ${at(g.via)}` : '');
}

function stack(frames: readonly Frame[]): string {
  return `<div class="stack">${frames.map((f) => `${e(f.func)}\n    ${e(f.file)}:${f.line}`).join('\n')}</div>`;
}

/** One flame graph, folded in a <details> (opened when `open`). */
function flameDetails(fl: FlameEntry, open: boolean): string {
  const title = fl.title ?? (fl.kind === fl.sampleType ? fl.kind : `${fl.kind} · ${fl.sampleType}`);
  return [
    `<details${open ? ' open' : ''} data-flame-kind="${e(fl.kind)}"><summary><b>${e(title)}</b>${fl.file ? ` <span class="dim">${e(fl.file)}</span>` : ''}</summary>`,
    flameSectionHtml({ id: `flame-${fl.kind}`, title, unit: fl.unit, sampleType: fl.sampleType, tree: fl.tree }),
    '</details>',
  ].join('\n');
}

/** The trace section: what it holds, its verdicts (notable ones with their details), its blocking flame graphs. */
function traceSection(t: TraceFinding, meta: DiagnoseMeta): string {
  const parts: string[] = [];
  parts.push('<h2 id="trace">Execution trace</h2>');
  const where = meta.traceSeconds ? ` · the last ${meta.traceSeconds}s of the window` : '';
  parts.push(
    `<p class="dim">${e(traceSummaryLine(t))}${e(where)} · <code>${e(t.file)}</code> (goscope trace reads it: goroutine groups, latencies, GC, timeline)</p>`,
  );
  parts.push('<ul class="trace" id="trace-verdicts">');
  for (const v of t.verdicts) {
    const w = verdictWords(v);
    const details = v.notable && w.details.length ? `<ul>${w.details.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : '';
    parts.push(
      `<li class="${v.notable ? 'notable' : ''}" data-trace-verdict="${e(v.kind)}">${v.notable ? '' : `<span class="dim">${e(v.kind)}:</span> `}${e(w.text)}${details}</li>`,
    );
  }
  parts.push('</ul>');
  parts.push(
    '<h3>Blocking profiles</h3><p class="dim">What goroutines waited on during the trace, by stack (as go tool trace -pprof=net|sync|syscall|sched).</p>',
  );
  for (const k of BLOCKING_KINDS) {
    const fl = blockingFlame(k, t.analysis.blocking[k]);
    if (!(fl.tree.total[0]! > 0)) {
      parts.push(`<p class="dim" data-trace-empty="${e(k)}">${e(k)} blocking: no waits recorded in the trace</p>`);
      continue;
    }
    parts.push(flameDetails({ kind: `trace-${k}`, title: `trace: ${k} blocking`, sampleType: fl.sampleType, unit: fl.unit, tree: fl.tree }, false));
  }
  return parts.join('\n');
}

export function diagnoseHtml(d: Diagnosis, meta: DiagnoseMeta, notes: readonly CaptureNote[], flames: readonly FlameEntry[]): string {
  const bad = anyNotable(d, meta);
  const parts: string[] = [];
  parts.push(`<h1>goscope diagnose <code>${e(meta.service)}</code></h1>`);
  parts.push(`<p class="dim">${e(meta.startedAt.toISOString())} · ${meta.seconds}s window · captures in <code>${e(meta.captureDir)}</code></p>`);
  parts.push(
    `<div class="verdict${bad ? ' bad' : ''}" id="verdict"><ul>${verdictLines(d, meta, notes)
      .map((v) => `<li>${e(v)}</li>`)
      .join('')}</ul></div>`,
  );
  if (meta.aborted) parts.push('<p class="notes">Stopped early (Ctrl-C): the findings cover what was captured.</p>');
  if (notes.length)
    parts.push(`<ul class="notes">${notes.map((n) => `<li>${e(n.kind)}: ${e(n.state)}${n.message ? ': ' + e(n.message) : ''}</li>`).join('')}</ul>`);

  // Goroutines
  parts.push(
    `<nav class="dim"><a href="#goroutines">goroutines</a> · <a href="#profiles">profiles</a>${d.trace ? ' · <a href="#trace">trace</a>' : ''}${meta.metrics ? ' · <a href="#metrics">metrics</a>' : ''} · <a href="#flames">flame graphs</a> · <a href="#files">files</a></nav>`,
  );
  parts.push(`<h2 id="goroutines">Goroutines</h2><p>${meta.goroutineTotals.length} snapshots: ${e(meta.goroutineTotals.join(' → ') || 'none')}</p>`);
  if (!d.leaks) parts.push('<p class="dim">Too few snapshots for a trend.</p>');
  else if (!d.leaks.suspects.length) parts.push('<p>No leak suspects.</p>');
  for (const s of d.leaks?.suspects ?? []) {
    parts.push(
      `<div class="suspect" data-suspect="${s.rank}"><b>#${s.rank} ${s.count} goroutines</b> · ${e(waitText(s))} · +${s.growthPerMinute.toFixed(1)}/min · confidence ${e(s.confidence)}${s.confirmedByLeakProfile ? " · confirmed by Go's goroutineleak profile" : ''}` +
        `<table class="t"><tr><th>series</th><td>${e(s.series.join(' '))}</td></tr>${s.persistence ? `<tr><th>stays</th><td>${e(persistenceLine(s.persistence))}</td></tr>` : ''}<tr><th>blocked at</th><td>${siteCell(s)}</td></tr>` +
        (s.createdBy ? `<tr><th>created by</th><td>${at(s.createdBy)}</td></tr>` : '') +
        `<tr><th>why</th><td>${e(s.explanation)}</td></tr><tr><th>fix</th><td>${e(s.fix)}</td></tr></table><details><summary>stack</summary>${stack(s.frames)}</details></div>`,
    );
  }
  for (const x of d.leaks?.notLeaks ?? []) {
    parts.push(
      `<p class="dim" data-not-leak="${e(x.reason)}">${x.count} goroutines ${e(waitText(x))} at ${siteCell(x)}${x.createdBy ? ` <span class="dim">created by</span> ${at(x.createdBy)}` : ''}: ${x.reason === 'turnover' ? 'grows with load, members turn over' : 'grew after the first dump, members not followed'}${x.persistence ? ` (${e(persistenceLine(x.persistence))})` : ''}: not a leak suspect.</p>`,
    );
  }
  const groups = d.groups.slice(0, 50);
  if (groups.length) {
    parts.push(`<h3>Largest goroutine groups</h3><table class="t" id="groups"><tr><th>count</th><th>state</th><th>where</th><th>created by</th></tr>`);
    for (const g of groups) {
      parts.push(
        `<tr><td class="n">${g.count}</td><td>${e(waitText(g))}</td><td>${siteCell(g)}<details><summary class="dim">stack</summary>${stack(g.frames)}</details></td><td>${at(g.createdBy)}</td></tr>`,
      );
    }
    parts.push('</table>');
    if (d.groups.length > groups.length)
      parts.push(`<p class="dim">${d.groups.length - groups.length} smaller groups not shown (goscope goroutines lists them all).</p>`);
  }

  // Profiles
  parts.push('<h2 id="profiles">Profiles</h2>');
  for (const f of d.findings) {
    parts.push(`<h3 data-finding="${e(f.kind)}">${e(headline(f))}</h3>`);
    const r = rate(f);
    parts.push(
      `<p class="dim">${e(f.sampleType)} (${e(f.unit)})${r ? ' · ' + e(r) : ''} · each sample charged to its first frame in the service's own code</p>`,
    );
    parts.push('<table class="t"><tr><th>value</th><th>%</th><th>function</th><th>file:line</th></tr>');
    for (const h of f.hotspots) {
      parts.push(
        `<tr><td class="n">${e(amount(h.value, f.unit))}</td><td class="n">${h.percent.toFixed(1)}%</td><td><code>${e(h.function)}</code>${h.outside ? ` <span class="dim">[${h.outside}]</span>` : ''}</td><td>${e(h.file)}:${h.line}</td></tr>`,
      );
    }
    parts.push('</table>');
  }

  if (d.trace) parts.push(traceSection(d.trace, meta));
  if (meta.metrics) parts.push(metricsDigestHtml(meta.metrics));

  parts.push(
    '<h2 id="flames">Flame graphs</h2><p class="dim">Click a frame to zoom, the breadcrumb to zoom out; search highlights and sums matches; right-click a frame for its callers and callees.</p>',
  );
  flames.forEach((fl, i) => parts.push(flameDetails(fl, i === 0)));
  parts.push(`<h2 id="files">Files</h2><ul>${meta.files.map((f) => `<li><code>${e(f)}</code></li>`).join('')}</ul>`);
  return htmlPage({ title: `goscope diagnose ${meta.service}`, body: parts.join('\n'), css: CSS });
}
