// Following goroutines by id across debug=2 dumps. A leak's goroutines stay where they are:
// the same ids, on the same stack, with the same argument values, dump after dump, while
// the count grows. Goroutines that grow with load move on: in-flight requests end, and a
// keep-alive connection's goroutine that is back at the same place for its next request
// (or a pool worker on its next job) shows new argument values there (a new request).
//
// Argument values of a goroutine that has not moved can still change in one way: the GC
// shrinks (copies) an idle goroutine's stack, and every pointer into the old stack is
// moved by the same distance (new top minus old top, a multiple of the smallest stack,
// 2 KiB). So two argument lists are one wait when they differ only in hex values that all
// moved by one such distance.
import type { Goroutine } from '../../formats/goroutines/model.js';
import { own } from '../../formats/strings.js';
import { stackKey } from './group.js';

/** Members followed per stack: enough to tell "stays" from "turns over", bounded memory. */
export const FOLLOW_PER_STACK = 64;

/** Goroutine stacks are power-of-two sized, at least 2 KiB, and aligned to their size. */
const STACK_ALIGN = 2048n;

export interface Member {
  /** stackKey of its stack (group.ts). */
  key: string;
  /** Every frame's argument text, one line per frame. */
  args: string;
  /** Minutes blocked as the dump printed them (0 under a minute). */
  minutes: number;
}

export interface MemberDump {
  /** Milliseconds since the first sample of the series. */
  t: number;
  /** Goroutines per stack key. */
  counts: Map<string, number>;
  /** Followed members by id: the first FOLLOW_PER_STACK of every stack, and the ids asked for. */
  members: Map<number, Member>;
  /** The dump was cut short (pprof stops debug=2 at 64 MiB): members may be missing from it. */
  truncated: boolean;
}

/** Collects one debug=2 dump's members; `follow`: ids followed from earlier dumps. */
export class MemberCollector {
  private readonly counts = new Map<string, number>();
  private readonly members = new Map<number, Member>();
  constructor(
    private readonly follow: ReadonlySet<number> | null = null,
    private readonly perStack = FOLLOW_PER_STACK,
  ) {}

  add(g: Goroutine): void {
    if (!g.id) return; // aggregated forms have no ids
    const key = stackKey(g.frames);
    const n = (this.counts.get(key) ?? 0) + g.count;
    this.counts.set(key, n);
    if (n <= this.perStack || this.follow?.has(g.id)) {
      let args = '';
      for (let i = 0; i < g.frames.length; i++) args += (i ? '\n' : '') + (g.frames[i]!.args ?? '');
      this.members.set(g.id, { key, args: own(args), minutes: g.waitMinutes });
    }
  }

  dump(t: number, truncated: boolean): MemberDump {
    return { t, counts: this.counts, members: this.members, truncated };
  }
}

/** Every id a later dump should look for. */
export function followedIds(dumps: readonly MemberDump[]): Set<number> {
  const ids = new Set<number>();
  for (const d of dumps) for (const id of d.members.keys()) ids.add(id);
  return ids;
}

const HEX = /^0x[0-9a-f]+\??$/;

/**
 * Whether two argument texts of one goroutine on one stack show the same wait: equal, or
 * different only in hex values that all moved by one multiple of the stack alignment (the
 * GC copied the stack in between).
 */
export function sameWait(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = a.split(/([,{}\n] ?)/);
  const tb = b.split(/([,{}\n] ?)/);
  if (ta.length !== tb.length) return false;
  let delta: bigint | null = null;
  for (let i = 0; i < ta.length; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if (x === y) continue;
    if (i % 2 === 1 || !HEX.test(x) || !HEX.test(y) || x.endsWith('?') !== y.endsWith('?')) return false;
    const d = BigInt(y.replace('?', '')) - BigInt(x.replace('?', ''));
    if (d % STACK_ALIGN !== 0n || (delta !== null && d !== delta)) return false;
    delta = d;
  }
  return true;
}

export interface Persistence {
  /** Milliseconds (since the first sample) of the dump the members were followed from, and of the dump they were looked for in. */
  fromMs: number;
  toMs: number;
  /** Goroutines on the stack in those two dumps. */
  before: number;
  after: number;
  /** Members followed from the earlier dump (all, or the first FOLLOW_PER_STACK). */
  followed: number;
  /** Still there, same stack, same arguments: blocked all along. */
  stayed: number;
  /** Back at the same place with new arguments: busy again in between (the next request on a kept-alive connection, a worker's next job). */
  returned: number;
  /** No longer there: ended, or waiting somewhere else. */
  gone: number;
  /** More than half of the followed members stayed. */
  persists: boolean;
  /** Either dump was cut short: members missing from it count as gone. */
  truncated: boolean;
}

/**
 * Whether the goroutines of one stack persist: its members in the earliest dump that has
 * any (not the last one), looked for in the last dump. Null when only the last dump has
 * members (the group began after the earlier dumps: nothing to follow yet).
 */
export function persistence(key: string, dumps: readonly MemberDump[]): Persistence | null {
  if (dumps.length < 2) return null;
  const last = dumps[dumps.length - 1]!;
  const from = dumps.slice(0, -1).find((d) => (d.counts.get(key) ?? 0) > 0);
  if (!from) return null;
  let followed = 0;
  let stayed = 0;
  let returned = 0;
  for (const [id, m] of from.members) {
    if (m.key !== key) continue;
    followed++;
    const later = last.members.get(id);
    if (!later || later.key !== key) continue;
    if (sameWait(m.args, later.args)) stayed++;
    else returned++;
  }
  return {
    fromMs: from.t,
    toMs: last.t,
    before: from.counts.get(key) ?? 0,
    after: last.counts.get(key) ?? 0,
    followed,
    stayed,
    returned,
    gone: followed - stayed - returned,
    persists: followed > 0 && stayed * 2 > followed,
    truncated: from.truncated || last.truncated,
  };
}
