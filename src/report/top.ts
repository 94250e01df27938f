// Text and JSON for top and peek reports. The text is `go tool pprof -top` / `-peek`
// output line for line: the same header, column widths and value formatting.
import { int64ToString, type Int64, type Profile } from '../formats/pprof/index.js';
import type { PeekEdge, PeekReport } from '../analysis/profile/peek.js';
import type { TopReport } from '../analysis/profile/top.js';
import { baseName } from '../analysis/profile/nodes.js';
import { formatPercent, label, percentRatio, scale, scaledLabel } from '../shared/units.js';
import { clean, type Style } from './term.js';

/** What the header needs from a report (top and peek share it). */
interface HeaderSource {
  sampleType: { type: string; unit: string };
  total: Int64;
  shown: Int64;
  outputUnit: string;
  activeFilters: string[];
}

function pad(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

const TWO = (n: number): string => String(n).padStart(2, '0');

/** Go's time.Unix(0, nanos).Format("2006-01-02 15:04:05 MST") in the local zone. */
export function formatProfileTime(nanos: Int64): string {
  const ms = typeof nanos === 'bigint' ? Number(nanos / 1_000_000n) - (nanos % 1_000_000n < 0n ? 1 : 0) : Math.floor(nanos / 1e6);
  const d = new Date(ms);
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? '';
  return `${d.getFullYear()}-${TWO(d.getMonth() + 1)}-${TWO(d.getDate())} ` + `${TWO(d.getHours())}:${TWO(d.getMinutes())}:${TWO(d.getSeconds())} ${zone}`;
}

/** report.ProfileLabels: File, Build ID, comments, Type, Doc, Time, Duration. */
function profileLabels(p: Profile, r: HeaderSource, fmt: (v: Int64) => string): string[] {
  const out: string[] = [];
  const m = p.mappings[0];
  if (m) {
    if (m.filename !== '') out.push('File: ' + baseName(m.filename));
    if (m.buildId !== '') out.push('Build ID: ' + m.buildId);
  }
  for (const c of p.comments) if (!c.startsWith('#')) out.push(c);
  out.push('Type: ' + r.sampleType.type);
  if (p.docUrl !== '') out.push('Doc: ' + p.docUrl);
  if (p.timeNanos !== 0) out.push('Time: ' + formatProfileTime(p.timeNanos));
  if (p.durationNanos !== 0) {
    const duration = label(p.durationNanos, 'nanoseconds');
    const [totalNanos, totalUnit] = scale(r.total, r.sampleType.unit, 'nanoseconds');
    let ratio = '';
    if (totalUnit === 'ns' && totalNanos !== 0) {
      ratio = '(' + formatPercent(percentRatio(Math.trunc(totalNanos), p.durationNanos)) + ')';
    }
    out.push(`Duration: ${duration}, Total samples = ${fmt(r.total)} ${ratio}`);
  }
  return out.map(clean);
}

function headerLines(p: Profile, r: HeaderSource, fmt: (v: Int64) => string): string[] {
  const out = profileLabels(p, r, fmt);
  if (r.activeFilters.length > 0) {
    out.push('Active filters:');
    for (const f of r.activeFilters) {
      // pprof cuts at 80 bytes.
      const b = Buffer.from(f, 'utf8');
      out.push('   ' + clean(b.length > 80 ? b.subarray(0, 80).toString('utf8') + '…' : f));
    }
  }
  out.push(`Showing nodes accounting for ${fmt(r.shown)}, ${formatPercent(percentRatio(r.shown, r.total)).trim()} of ${fmt(r.total)} total`);
  return out;
}

/** A value with its unit: a unit pprof does not know is printed as the profile spells it (cleaned). */
function formatter(r: HeaderSource): (v: Int64) => string {
  return (v) => clean(scaledLabel(v, r.sampleType.unit, r.outputUnit));
}

/**
 * `go tool pprof -top` text: header, column titles, one line per row. `profile` is the
 * profile the report was made from (for File/Build ID/Time/Duration).
 */
export function renderTopText(r: TopReport, profile: Profile, style: Style): string {
  const fmt = formatter(r);
  const lines = headerLines(profile, r, fmt);
  if (r.total !== 0) {
    if (r.droppedNodes > 0 && r.droppedBelow !== null) {
      lines.push(`Dropped ${r.droppedNodes} ${r.droppedNodes > 1 ? 'nodes' : 'node'} (cum <= ${fmt(r.droppedBelow)})`);
    }
    if (r.showingTop) lines.push(`Showing top ${r.showingTop.count} nodes out of ${r.showingTop.of}`);
  }
  lines.push(style.bold('      flat  flat%   sum%        cum   cum%'));
  for (const row of r.rows) {
    lines.push(
      `${pad(fmt(row.flat), 10)} ${formatPercent(row.flatPct)} ${formatPercent(row.sumPct)} ` +
        `${pad(fmt(row.cum), 10)} ${formatPercent(row.cumPct)}  ${clean(row.name)}${row.inline ? ' (' + row.inline + ')' : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

const PEEK_SEPARATOR = '----------------------------------------------------------+-------------';
const PEEK_LEGEND = '      flat  flat%   sum%        cum   cum%   calls calls% + context 	 	 ';

/** `go tool pprof -peek` text. */
export function renderPeekText(r: PeekReport, profile: Profile, style: Style): string {
  const fmt = formatter(r);
  const lines = headerLines(profile, r, fmt);
  lines.push(PEEK_SEPARATOR, style.bold(PEEK_LEGEND));
  const edge = (e: PeekEdge): string => `${pad(fmt(e.value), 50)} ${formatPercent(e.pct)} |   ${clean(e.name)}${e.inline ? ' (inline)' : ''}`;
  for (const en of r.entries) {
    lines.push(PEEK_SEPARATOR);
    for (const e of en.callers) lines.push(edge(e));
    lines.push(
      `${pad(fmt(en.flat), 10)} ${formatPercent(en.flatPct)} ${formatPercent(en.sumPct)} ` +
        `${pad(fmt(en.cum), 10)} ${formatPercent(en.cumPct)}                | ${clean(en.name)}`,
    );
    for (const e of en.callees) lines.push(edge(e));
  }
  if (r.entries.length > 0) lines.push(PEEK_SEPARATOR);
  return lines.join('\n') + '\n';
}

/** A raw value for JSON: a number when exact, else its decimal string. */
function jsonInt(v: Int64): number | string {
  return typeof v === 'number' ? v : int64ToString(v);
}

/** The goscope.top/v1 document. Values are raw, in the sample type's unit. */
export function topJson(r: TopReport): object {
  return {
    schema: 'goscope.top/v1',
    sampleType: r.sampleType.type,
    unit: r.sampleType.unit,
    sampleIndex: r.sampleIndex,
    granularity: r.granularity,
    total: jsonInt(r.total),
    shown: jsonInt(r.shown),
    droppedNodes: r.droppedNodes,
    droppedBelow: r.droppedBelow === null ? null : jsonInt(r.droppedBelow),
    activeFilters: r.activeFilters,
    warnings: r.warnings,
    rows: r.rows.map((row) => ({
      name: row.name,
      flat: jsonInt(row.flat),
      cum: jsonInt(row.cum),
      flatPct: row.flatPct,
      sumPct: row.sumPct,
      cumPct: row.cumPct,
      ...(row.inline ? { inline: row.inline } : {}),
    })),
  };
}

/** The goscope.peek/v1 document. */
export function peekJson(r: PeekReport): object {
  const edge = (e: PeekEdge): object => ({ name: e.name, value: jsonInt(e.value), pct: e.pct, inline: e.inline });
  return {
    schema: 'goscope.peek/v1',
    sampleType: r.sampleType.type,
    unit: r.sampleType.unit,
    sampleIndex: r.sampleIndex,
    granularity: r.granularity,
    regex: r.regex,
    total: jsonInt(r.total),
    shown: jsonInt(r.shown),
    activeFilters: r.activeFilters,
    warnings: r.warnings,
    entries: r.entries.map((en) => ({
      name: en.name,
      flat: jsonInt(en.flat),
      cum: jsonInt(en.cum),
      flatPct: en.flatPct,
      sumPct: en.sumPct,
      cumPct: en.cumPct,
      callers: en.callers.map(edge),
      callees: en.callees.map(edge),
    })),
  };
}
