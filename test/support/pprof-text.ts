// The text of `go tool pprof -top`, read and compared: pure (no Go, no process), for the
// unit tests on the checked-in fixtures as much as for the oracle tests.
import assert from 'node:assert/strict';

const ROW = /^\s*(\S+) +(\S+%) +(\S+%) +(\S+) +(\S+%)  (.*)$/;

export interface TopText {
  /** "Active filters:"…, "Showing nodes accounting for…", "Dropped…", "Showing top…". */
  summary: string[];
  rows: string[];
}

/** The summary lines and rows of a -top text (interactive or not). */
export function parseTop(text: string): TopText {
  const lines = text.split('\n').filter((l) => l !== '');
  const title = lines.findIndex((l) => l.trim() === 'flat  flat%   sum%        cum   cum%');
  assert.ok(title >= 0, `no column titles in:\n${text}`);
  const firstSummary = lines.findIndex((l) => l === 'Active filters:' || l.startsWith('Showing nodes accounting for'));
  return { summary: lines.slice(firstSummary, title), rows: lines.slice(title + 1) };
}

/**
 * Rows with each group of pprof's sort ties in a fixed order. pprof sorts by |flat|, then
 * by name, and stops there (NodeInfo.comparePrintableName never reports two different
 * nodes equal, so the cum and NodeInfo tie-breaks after it never run): rows with the same
 * |flat| and the same name come out in the order of a Go map iteration, a different one
 * at each run. That happens at -files granularity, where pprof keeps one node per
 * function (name cleared, start line kept) and prints them all under the file's name.
 * Equal flats make the sum% sequence the same in any order, so it is kept by position; a
 * tie of +x and -x (a diff) changes the running sum with the order, so there only the sum
 * after the whole group is compared.
 */
export function canonicalRows(rows: string[]): string[] {
  const parsed = rows.map((r) => {
    const m = ROW.exec(r);
    assert.ok(m, `not a row: ${JSON.stringify(r)}`);
    return { line: r, flat: m[1]!, sum: m[3]!, name: m[6]!.replace(/ \((partial-)?inline\)$/, '') };
  });
  const abs = (f: string): string => f.replace(/^-/, '');
  const out: string[] = [];
  for (let i = 0; i < parsed.length;) {
    let j = i + 1;
    while (j < parsed.length && abs(parsed[j]!.flat) === abs(parsed[i]!.flat) && parsed[j]!.name === parsed[i]!.name) j++;
    const group = parsed.slice(i, j);
    const sums = group.map((g) => g.sum);
    const bodies = group.map((g) => g.line.replace(ROW, (_m, f, fp, _s, c, cp, n) => `${f} ${fp} @ ${c} ${cp}  ${n}`)).sort();
    if (group.every((g) => g.flat === group[0]!.flat)) bodies.forEach((b, k) => out.push(b.replace(' @ ', ` ${sums[k]} `)));
    else {
      bodies.forEach((b) => out.push(b.replace(' @ ', ' ? ')));
      out.push(`sum after the tie: ${sums[sums.length - 1]}`);
    }
    i = j;
  }
  return out;
}

/** Asserts two -top texts have the same summary lines and the same rows, up to pprof's random order within ties. */
export function assertSameTop(got: string, want: string, what: string): void {
  const g = parseTop(got);
  const w = parseTop(want);
  assert.deepEqual(g.summary, w.summary, `${what}: summary lines`);
  assert.deepEqual(canonicalRows(g.rows), canonicalRows(w.rows), `${what}: rows`);
}

/** The table rows of a -top report: every non-empty line after the "flat  flat%" header. */
export function topRows(text: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%/.test(l));
  if (i < 0) throw new Error(`no -top header in:\n${text}`);
  return lines.slice(i + 1).filter((l) => l.trim() !== '');
}
