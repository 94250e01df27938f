// Names for goroutine groups that a person can tell apart: where the group waits (the
// shared siteOf rule: the service's own code, else the first standard-library frame above
// the plumbing, e.g. net/http.(*persistConn).readLoop's read rather than
// internal/poll.runtime_pollWait) and which `go` statement started it. Where two groups
// would still read the same (same wait, site and creator, different stacks), each also
// names the first frame where its stack differs from the others.
import type { Frame } from '../../formats/goroutines/model.js';
import { comparableFrames, shortFile, siteOf } from '../stack.js';
import { waitText, type WaitReason } from './classify.js';

/**
 * What names a group: its stack, wait and creator (a group, a leak suspect, a group that is
 * not a leak): the fields of group.ts GoroutineGroup it reads, named here so that the
 * grouping can use this module without an import loop.
 */
export interface Named {
  frames: Frame[];
  createdBy: Frame | null;
  state: string;
  waitReason: WaitReason;
  site?: Frame | null;
  via?: Frame | null;
}

/** Where a group waits or runs: its `site`, or the same rule applied to its frames. */
export function groupSite(g: Pick<Named, 'frames' | 'site'>): Frame | null {
  return g.site !== undefined ? g.site : (siteOf(comparableFrames(g.frames)) ?? null);
}

function frameText(f: Frame): string {
  return f.file ? `${f.func} ${shortFile(f.file)}:${f.line}` : f.func;
}

/** "net/http.(*persistConn).Read transport.go:2212, created by net/http.(*Transport).dialConn transport.go:1944". */
export function groupName(g: Named): string {
  const site = groupSite(g);
  let s = site ? frameText(site) : 'no readable stack';
  if (g.via) s += `, differs at ${frameText(g.via)}`;
  if (g.createdBy) s += `, created by ${frameText(g.createdBy)}`;
  return s;
}

function sameFrame(a: Frame, b: Frame): boolean {
  return a.func === b.func && a.line === b.line && a.file === b.file;
}

/** Index of the first frame where two stacks differ (the shorter length if one extends the other). */
function firstDifference(a: readonly Frame[], b: readonly Frame[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!sameFrame(a[i]!, b[i]!)) return i;
  return n;
}

/**
 * Sets `via` on every group that would read the same as another (same wait wording, site
 * and creator): the frame of its own stack, leaf first, that tells it apart from the group
 * most like it. Clears it on the others. Linear in the number of groups but for the rare
 * look-alikes.
 */
export function distinguishGroups(groups: readonly Named[]): void {
  const buckets = new Map<string, Named[]>();
  for (const g of groups) {
    g.via = null;
    const site = groupSite(g);
    const c = g.createdBy;
    const k = `${waitText(g)}\n${site ? `${site.func}:${site.file}:${site.line}` : ''}\n${c ? `${c.func}:${c.file}:${c.line}` : ''}`;
    const b = buckets.get(k);
    if (b) b.push(g);
    else buckets.set(k, [g]);
  }
  for (const b of buckets.values()) {
    if (b.length < 2) continue;
    const stacks = b.map((g) => comparableFrames(g.frames));
    b.forEach((g, i) => {
      let d = -1;
      for (let j = 0; j < b.length; j++) if (j !== i) d = Math.max(d, firstDifference(stacks[i]!, stacks[j]!));
      g.via = d >= 0 && d < stacks[i]!.length ? stacks[i]![d]! : null;
    });
  }
}
