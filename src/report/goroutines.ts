// Rendering goroutine groups, snapshot diffs and leak verdicts: terminal text and the
// stable --json schema (documented in the README; change only by adding fields).
import type { Frame } from '../formats/goroutines/model.js';
import type { DumpInfo } from '../formats/goroutines/model.js';
import { waitText } from '../analysis/goroutines/classify.js';
import { groupName, groupSite, type Named } from '../analysis/goroutines/name.js';
import { skippedSummary } from '../formats/goroutines/text.js';
import type { GoroutineGroup, Similarity } from '../analysis/goroutines/group.js';
import type { SnapshotDiff } from '../analysis/goroutines/diff.js';
import type { LeakAnalysis, LeakSuspect, NotLeak } from '../analysis/goroutines/leak.js';
import type { Persistence } from '../analysis/goroutines/members.js';
import { frameRef, isStdlibFunc, isRuntimeFunc, shortFile } from '../analysis/stack.js';
import { clean, plural, table, type Style } from './term.js';

export interface FrameJson {
  function: string;
  file: string;
  line: number;
  args?: string;
}

function frameJson(f: Frame): FrameJson {
  const o: FrameJson = { function: f.func, file: f.file, line: f.line };
  if (f.args !== undefined) o.args = f.args;
  return o;
}

export function groupJson(g: GoroutineGroup) {
  return {
    count: g.count,
    state: g.state,
    states: g.states,
    waitReason: g.waitReason,
    waitMinutes: g.waitMinutes.max > 0 ? g.waitMinutes : null,
    blockingSite: frameRef(g.blockingSite),
    site: frameRef(groupSite(g)),
    name: groupName(g),
    waitText: waitText(g),
    createdBy: frameRef(g.createdBy),
    parentIds: g.parentIds,
    ids: g.ids,
    labels: g.labels,
    lockedToThread: g.lockedToThread,
    leaked: g.leaked,
    stackUnavailable: g.stackUnavailable,
    frames: g.frames.map(frameJson),
  };
}

export function goroutinesJson(info: DumpInfo, groups: readonly GoroutineGroup[], similarity: Similarity, shownTotal: number) {
  return {
    schema: 'goscope.goroutines/v1',
    source: info.input,
    format: info.format,
    leakProfile: info.leakProfile,
    crash: info.crash,
    signal: info.signal,
    truncated: info.truncated,
    total: info.total,
    skipped: info.skipped,
    similarity,
    shown: { groups: groups.length, goroutines: shownTotal },
    groups: groups.map(groupJson),
  };
}

export function diffJson(before: string, after: string, d: SnapshotDiff) {
  return {
    schema: 'goscope.goroutines-diff/v1',
    before,
    after,
    totalBefore: d.totalBefore,
    totalAfter: d.totalAfter,
    appeared: d.appeared,
    vanished: d.vanished,
    groups: d.groups.map((x) => ({ status: x.status, before: x.before, after: x.after, delta: x.delta, ...groupJson(x.group), count: x.after })),
  };
}

export function suspectJson(s: LeakSuspect) {
  return {
    rank: s.rank,
    count: s.count,
    series: s.series,
    growthPerMinute: s.growthPerMinute,
    state: s.state,
    waitReason: s.waitReason,
    waitMinutes: s.waitMinutes && s.waitMinutes.max > 0 ? s.waitMinutes : null,
    blockingSite: frameRef(s.blockingSite),
    site: frameRef(s.site),
    name: groupName(s),
    waitText: waitText(s),
    createdBy: frameRef(s.createdBy),
    parentIds: s.parentIds,
    confidence: s.confidence,
    confirmedByLeakProfile: s.confirmedByLeakProfile,
    trendP: s.trendP,
    explanation: s.explanation,
    fix: s.fix,
    frames: s.frames.map(frameJson),
    evidence: s.evidence,
    persistence: persistenceJson(s.persistence),
  };
}

/** The members followed by id, times in seconds since the first sample. */
export function persistenceJson(p: Persistence | null) {
  if (!p) return null;
  const sec = (ms: number) => Math.round(ms) / 1000;
  return {
    fromSeconds: sec(p.fromMs),
    toSeconds: sec(p.toMs),
    before: p.before,
    after: p.after,
    followed: p.followed,
    stayed: p.stayed,
    returned: p.returned,
    gone: p.gone,
    persists: p.persists,
    truncated: p.truncated,
  };
}

const NOT_LEAK_NOTE: Record<NotLeak['reason'], string> = {
  turnover: 'grows with load, members turn over',
  unfollowed: 'grew after the first debug=2 dump; no later dump followed its members',
};

export function notLeakJson(x: NotLeak) {
  return {
    reason: x.reason,
    note: NOT_LEAK_NOTE[x.reason],
    count: x.count,
    series: x.series,
    growthPerMinute: x.growthPerMinute,
    trendP: x.trendP,
    state: x.state,
    waitReason: x.waitReason,
    blockingSite: frameRef(x.blockingSite),
    site: frameRef(x.site),
    name: groupName(x),
    waitText: waitText(x),
    createdBy: frameRef(x.createdBy),
    persistence: persistenceJson(x.persistence),
    frames: x.frames.map(frameJson),
  };
}

/** One debug=2 dump the leak verdict followed goroutines in. */
export interface DumpFacts {
  file: string;
  /** Seconds since the first sample. */
  offsetSeconds: number;
  goroutines: number;
  truncated: boolean;
}

function rate(perMinute: number): string {
  return perMinute >= 10 ? String(Math.round(perMinute)) : perMinute.toFixed(1);
}

function minutes(m: { min: number; max: number } | null): string {
  if (!m || m.max <= 0) return '';
  return m.min === m.max ? `${m.max} min` : `${m.min}–${m.max} min`;
}

function frameAt(f: Frame): string {
  return f.file ? `${clean(f.func)} ${clean(shortFile(f.file))}:${f.line}` : clean(f.func);
}

/** "net/http.(*persistConn).Read transport.go:2212 (standard library)": a group's site, marked when it is not the service's code. */
function siteText(g: Named, st: Style): string {
  const site = groupSite(g);
  if (!site) return st.dim('no frames recorded');
  const where = isRuntimeFunc(site.func) ? ' (runtime)' : isStdlibFunc(site.func) ? ' (standard library)' : '';
  return frameAt(site) + st.dim(where) + (g.via ? st.dim(`, differs at ${frameAt(g.via)}`) : '');
}

/** The kind of dump, for headlines: a crash dump (panic, fatal error or signal) is labelled as one. */
export function dumpKind(info: DumpInfo): string {
  if (info.format === 'debug1') return 'debug=1 profile';
  if (info.format === 'pprof') return 'debug=0 profile';
  return info.crash || info.signal ? 'crash dump' : 'debug=2 dump';
}

/** The stderr warning for a dump read with lines skipped, or null when nothing was skipped. */
export function skippedWarning(info: DumpInfo): string | null {
  return info.skipped ? `warning: ${clean(info.input)}: ${clean(skippedSummary(info.skipped))}` : null;
}

/**
 * A label key or value as Go 1.27 prints it: bare when plain, quoted otherwise (so "k=v"
 * stays unambiguous and a value cannot fake a line), with Go's escapes.
 */
function labelText(s: string): string {
  if (/^[A-Za-z0-9./_-]+$/.test(s)) return s;
  const q = s.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `"${clean(q)}"`;
}

export function stackLines(frames: readonly Frame[], st: Style, max = 12, indent = '      '): string[] {
  const rows = frames.slice(0, max).map((f) => [indent + clean(f.func), st.dim(`${clean(shortFile(f.file))}:${f.line}`)]);
  const out = table(rows);
  if (frames.length > max) out.push(`${indent}${st.dim(`… ${frames.length - max} more frames`)}`);
  return out;
}

export function renderGroups(
  info: DumpInfo,
  groups: readonly GoroutineGroup[],
  similarity: Similarity,
  st: Style,
  opts: { stacks: number; totalGroups: number },
): string {
  const out: string[] = [];
  out.push(
    st.bold(`${plural(info.total, 'goroutine')} in ${plural(opts.totalGroups, 'group')}`) +
      st.dim(` — ${clean(info.input)} (${info.leakProfile ? 'goroutineleak ' : ''}${dumpKind(info)}, similarity ${similarity})`),
  );
  if (groups.length < opts.totalGroups) {
    out.push(
      `  showing ${plural(groups.length, 'group')} with ${plural(
        groups.reduce((n, g) => n + g.count, 0),
        'goroutine',
      )} (--filter/--min-count)`,
    );
  }
  if (info.crash) out.push(st.red(clean(info.crash)));
  if (info.signal) out.push(st.red(clean(info.signal)));
  if (info.truncated) out.push(st.yellow('the dump was truncated: the last goroutine is missing (--partial)'));
  if (info.skipped?.goroutines)
    out.push(st.yellow(`${plural(info.skipped.goroutines, 'more goroutine')} in the dump could not be read (header not understood): not counted above`));
  // Verdict first: what the goroutines are doing, by wait reason.
  const byReason = new Map<string, number>();
  for (const g of groups) byReason.set(waitText(g), (byReason.get(waitText(g)) ?? 0) + g.count);
  out.push(
    '  ' +
      [...byReason]
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${clean(r)} ${n}`)
        .join(' · '),
  );
  out.push('');
  const numWidth = String(groups.length).length + 1;
  groups.forEach((g, i) => {
    const mins = minutes(g.waitMinutes);
    const extra = [mins, g.lockedToThread ? 'locked to thread' : '', g.leaked ? st.red(`${g.leaked} leaked`) : ''].filter(Boolean).join(', ');
    out.push(
      `${st.bold(`#${i + 1}`.padEnd(numWidth))}  ${st.bold(String(g.count).padStart(6))}  ${st.cyan(clean(waitText(g)))}${extra ? st.dim(' · ' + extra) : ''}`,
    );
    if (g.stackUnavailable === g.count) out.push('      stack unavailable (running on another thread when the dump was taken)');
    else if (g.frames.length === 0) out.push(st.yellow('      no frames recorded'));
    else out.push(`      ${g.waitReason === 'running' || g.waitReason === 'runnable' ? 'running in' : 'blocked at'} ${siteText(g, st)}`);
    if (g.createdBy) {
      const parents = g.parentIds.length
        ? ` in goroutine${g.parentIds.length > 1 ? 's' : ''} ${g.parentIds.slice(0, 5).join(', ')}${g.parentIds.length > 5 ? ', …' : ''}`
        : '';
      out.push(`      created by ${frameAt(g.createdBy)}${parents}`);
    }
    const labels = Object.entries(g.labels);
    if (labels.length) out.push(`      labels ${labels.map(([k, v]) => `${labelText(k)}=${v.map(labelText).join('|')}`).join(' ')}`);
    if (i < opts.stacks) out.push(...stackLines(g.frames, st));
    out.push('');
  });
  return out.join('\n');
}

export function renderDiff(before: string, after: string, d: SnapshotDiff, st: Style, limit: number): string {
  const out: string[] = [];
  const delta = d.totalAfter - d.totalBefore;
  out.push(st.bold(`goroutines ${d.totalBefore} → ${d.totalAfter} (${delta >= 0 ? '+' : ''}${delta})`) + st.dim(` — ${clean(before)} → ${clean(after)}`));
  out.push(
    `  ${plural(d.appeared, 'group')} appeared, ${d.vanished} vanished, ${d.groups.filter((g) => g.status === 'grew').length} grew, ${d.groups.filter((g) => g.status === 'shrank').length} shrank`,
  );
  out.push('');
  const changed = d.groups.filter((g) => g.status !== 'same').slice(0, limit);
  const rows = changed.map((x) => [
    x.delta > 0 ? st.red(`+${x.delta}`) : st.green(String(x.delta)),
    `${x.before} → ${x.after}`,
    st.dim(x.status),
    st.cyan(clean(waitText(x.group))),
    siteText(x.group, st) + (x.group.createdBy ? st.dim(` ← ${frameAt(x.group.createdBy)}`) : ''),
  ]);
  out.push(...table(rows).map((r) => '  ' + r));
  if (!changed.length) out.push('  no group changed');
  return out.join('\n') + '\n';
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** "9 of the 9 at 0.1s still blocked there at 14.2s, 2 back there with new arguments (busy in between), 1 gone". */
export function persistenceLine(p: Persistence): string {
  const of = p.followed < p.before ? `${p.followed} followed of the ${p.before}` : `the ${p.before}`;
  const parts = [`${p.stayed} of ${of} at ${secs(p.fromMs)} still blocked there at ${secs(p.toMs)}`];
  if (p.returned) parts.push(`${p.returned} back there with new arguments (busy in between)`);
  if (p.gone) parts.push(`${p.gone} gone`);
  return parts.join(', ') + (p.truncated ? ' (a dump was cut short: some may be missing from it)' : '');
}

export function renderLeak(source: string, totals: number[], a: LeakAnalysis, st: Style, captureDir: string | null, dumps: readonly DumpFacts[] = []): string {
  const out: string[] = [];
  const n = a.suspects.length;
  if (n === 0) {
    out.push(st.green(st.bold('no goroutine leak suspects')) + st.dim(` — ${clean(source)}, ${totals.length} samples, goroutines ${totals.join(' → ')}`));
  } else {
    out.push(
      st.red(st.bold(`${plural(n, 'leak suspect')}`)) +
        st.dim(` — ${clean(source)}, ${totals.length} samples, goroutines ${totals[0]} → ${totals[totals.length - 1]}`),
    );
  }
  out.push(
    st.dim(
      a.leakProfile === 'available'
        ? '  Go goroutineleak profile: served, used as confirmation'
        : '  Go goroutineleak profile: not served (Go 1.26 with GOEXPERIMENT=goroutineleakprofile, or Go 1.27+, adds it)',
    ),
  );
  if (a.persistenceChecked) {
    out.push(
      st.dim(
        dumps.length >= 2
          ? `  goroutines followed by id across debug=2 dumps at ${dumps.map((d) => `${d.offsetSeconds.toFixed(1)}s`).join(', ')}: a leak's stay blocked where they are`
          : "  goroutines not followed by id (fewer than two debug=2 dumps): growth alone cannot tell a leak from load, so nothing is flagged without Go's goroutineleak profile",
      ),
    );
  }
  out.push('');
  for (const s of a.suspects) {
    const conf = s.confidence === 'high' ? st.red('high') : s.confidence === 'medium' ? st.yellow('medium') : 'low';
    const mins = minutes(s.waitMinutes);
    out.push(
      `${st.bold(`#${s.rank}`)}  ${st.bold(`${s.count} goroutines`)}  ${st.cyan(clean(waitText(s)))}  +${rate(s.growthPerMinute)}/min  confidence ${conf}${s.confirmedByLeakProfile ? st.dim(' · confirmed by goroutineleak') : ''}${mins ? st.dim(' · waiting ' + mins) : ''}`,
    );
    out.push(`      series      ${s.series.join(' ')}`);
    if (s.persistence) out.push(`      stays       ${persistenceLine(s.persistence)}`);
    else if (s.evidence === 'wait-minutes') out.push('      stays       every one has waited there a minute or more');
    out.push(`      blocked at  ${siteText(s, st)}`);
    if (s.createdBy) out.push(`      created by  ${frameAt(s.createdBy)}`);
    out.push(`      why         ${s.explanation}`);
    out.push(`      fix         ${s.fix}`);
    out.push(...stackLines(s.frames, st, 8, '        '));
    out.push('');
  }
  for (const reason of ['turnover', 'unfollowed'] as const) {
    const xs = a.notLeaks.filter((x) => x.reason === reason);
    if (!xs.length) continue;
    out.push(st.bold(`${NOT_LEAK_NOTE[reason]} (not ${reason === 'turnover' ? 'leaks' : 'judged'}):`));
    for (const x of xs) {
      out.push(`  ${st.bold(`${x.count} goroutines`)}  ${st.cyan(clean(waitText(x)))}  +${rate(x.growthPerMinute)}/min  series ${x.series.join(' ')}`);
      out.push(`      at ${siteText(x, st)}${x.createdBy ? st.dim(` · created by ${frameAt(x.createdBy)}`) : ''}`);
      if (x.persistence) out.push(`      ${persistenceLine(x.persistence)}`);
    }
    out.push('');
  }
  if (captureDir) out.push(st.dim(`captures saved in ${clean(captureDir)}`));
  return out.join('\n') + '\n';
}
