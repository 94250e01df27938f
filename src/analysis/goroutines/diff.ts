// Difference between two goroutine snapshots, matched by stack (functions and lines,
// leading runtime frames ignored) so snapshots of different dump forms compare too.
import type { GoroutineGroup } from './group.js';

export interface GroupDelta {
  status: 'grew' | 'shrank' | 'same' | 'appeared' | 'vanished';
  before: number;
  after: number;
  delta: number;
  /** The group as seen in the newer snapshot (the older one for vanished groups). */
  group: GoroutineGroup;
}

export interface SnapshotDiff {
  totalBefore: number;
  totalAfter: number;
  /** Sorted by |delta|, largest first; unchanged groups last. */
  groups: GroupDelta[];
  appeared: number;
  vanished: number;
}

function byStack(groups: readonly GoroutineGroup[]): Map<string, { count: number; group: GoroutineGroup }> {
  const m = new Map<string, { count: number; group: GoroutineGroup }>();
  for (const g of groups) {
    const e = m.get(g.stackKey);
    if (e) e.count += g.count;
    else m.set(g.stackKey, { count: g.count, group: g });
  }
  return m;
}

export function diffSnapshots(before: readonly GoroutineGroup[], after: readonly GoroutineGroup[]): SnapshotDiff {
  const a = byStack(before);
  const b = byStack(after);
  const out: GroupDelta[] = [];
  let appeared = 0;
  let vanished = 0;
  for (const [k, nb] of b) {
    const na = a.get(k);
    const prev = na ? na.count : 0;
    const delta = nb.count - prev;
    const status = !na ? 'appeared' : delta > 0 ? 'grew' : delta < 0 ? 'shrank' : 'same';
    if (!na) appeared++;
    out.push({ status, before: prev, after: nb.count, delta, group: nb.group });
  }
  for (const [k, na] of a) {
    if (b.has(k)) continue;
    vanished++;
    out.push({ status: 'vanished', before: na.count, after: 0, delta: -na.count, group: na.group });
  }
  out.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || y.after - x.after || (x.group.stackKey < y.group.stackKey ? -1 : 1));
  const sum = (gs: readonly GoroutineGroup[]) => gs.reduce((s, g) => s + g.count, 0);
  return { totalBefore: sum(before), totalAfter: sum(after), groups: out, appeared, vanished };
}
