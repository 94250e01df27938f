// The recorded answer for a checked-in goroutine dump, read line by line from what the Go
// runtime printed, by rules short enough to check by eye against the text: the header of
// each goroutine (`goroutine N [status]:`, with gp=/m= under GOTRACEBACK=system and
// Go 1.27's `{labels}` after the status), its function lines and its `created by` line;
// for debug=1, the runtime's own records (`N @ 0x…`, `# labels:`, `#\t0x…\tfunc+0x…`) and
// its `goroutine profile: total N`. No Go reference tool reads dumps; this is goscope's
// parser's reference. Pure: the unit tests use it, and `npm run fixtures` writes it.

export interface TallyGoroutine {
  id: number;
  /** The status without its ", N minutes" and ", locked to thread" modifiers. */
  state: string;
  /** Function lines, leaf first, without their argument lists. */
  funcs: string[];
  createdBy: string | null;
  /** Go 1.27's header labels, as printed: "{handler: /api/x, tenant: t1}". */
  labels: string | null;
}

export interface TracebackTally {
  kind: 'traceback';
  /** The crash's first line ("panic: …", "fatal error: …"), null in a dump. */
  crash: string | null;
  total: number;
  /** Goroutines per state. */
  states: Record<string, number>;
  goroutines: TallyGoroutine[];
}

export interface Debug1Record {
  count: number;
  funcs: string[];
  /** The `# labels:` value as printed, or null. */
  labels: string | null;
}

export interface Debug1Tally {
  kind: 'debug1';
  /** From "goroutine profile: total N". */
  total: number;
  records: Debug1Record[];
}

export type DumpTally = TracebackTally | Debug1Tally;

const HEADER = /^goroutine (\d+)(?: gp=0x[0-9a-f]+ m=\S+(?: mp=0x[0-9a-f]+)?)? \[([^\]]*)\](?: (\{.*\}))?:$/;

/** The function of a traceback line: the text before its final, balanced argument list. */
export function funcOfLine(line: string): string {
  if (!line.endsWith(')')) return line;
  let depth = 0;
  for (let i = line.length - 1; i >= 0; i--) {
    const c = line[i];
    if (c === ')') depth++;
    else if (c === '(' && --depth === 0) return line.slice(0, i);
  }
  return line;
}

export function tallyDump(text: string): DumpTally {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const profile = lines.findIndex((l) => /^goroutine profile: total \d+$/.test(l));
  return profile >= 0 ? tallyDebug1(lines.slice(profile)) : tallyTraceback(lines);
}

function tallyTraceback(lines: string[]): TracebackTally {
  const crash = lines.find((l) => /^(panic|fatal error): /.test(l)) ?? null;
  const goroutines: TallyGoroutine[] = [];
  let cur: TallyGoroutine | null = null;
  for (const l of lines) {
    const h = HEADER.exec(l);
    if (h) {
      cur = { id: Number(h[1]), state: h[2]!.split(', ')[0]!, funcs: [], createdBy: null, labels: h[3] ?? null };
      goroutines.push(cur);
      continue;
    }
    if (cur === null) continue;
    if (l === '') {
      cur = null;
      continue;
    }
    if (l.startsWith('\t') || l.startsWith('...') || l === 'goroutine running on other thread; stack unavailable') continue;
    const created = /^created by (\S+?)(?: in goroutine \d+)?$/.exec(l);
    if (created) cur.createdBy = created[1]!;
    else cur.funcs.push(funcOfLine(l));
  }
  const states: Record<string, number> = {};
  for (const g of goroutines) states[g.state] = (states[g.state] ?? 0) + 1;
  return { kind: 'traceback', crash, total: goroutines.length, states: sortKeys(states), goroutines };
}

function tallyDebug1(lines: string[]): Debug1Tally {
  const total = Number(/\d+$/.exec(lines[0]!)![0]);
  const records: Debug1Record[] = [];
  let cur: Debug1Record | null = null;
  for (const l of lines.slice(1)) {
    const r = /^(\d+) @(?: 0x[0-9a-f]+)+$/.exec(l);
    if (r) {
      cur = { count: Number(r[1]), funcs: [], labels: null };
      records.push(cur);
      continue;
    }
    if (cur === null) continue;
    const lab = /^# labels: (.*)$/.exec(l);
    if (lab) cur.labels = lab[1]!;
    const f = /^#\t0x[0-9a-f]+\t(\S+)\+0x[0-9a-f]+\t/.exec(l);
    if (f) cur.funcs.push(f[1]!);
    if (l === '') cur = null;
  }
  return { kind: 'debug1', total, records };
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
