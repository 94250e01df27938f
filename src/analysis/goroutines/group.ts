// Grouping goroutines by stack signature, panicparse-style, built incrementally so a dump
// of millions of goroutines is grouped while it streams.
import type { Frame, Goroutine } from '../../formats/goroutines/model.js';
import { intern, own } from '../../formats/strings.js';
import { classify, type WaitReason } from './classify.js';
import { distinguishGroups, groupSite } from './name.js';
import { comparableFrames, frameRole, FrameRole, siteOf, userSite } from '../stack.js';

/**
 * How alike two stacks must be to share a group:
 * exact: same functions, lines and arguments; pointer: arguments equal except pointer-like
 * values (panicparse's default); value: arguments ignored; function: only function names.
 */
export type Similarity = 'exact' | 'pointer' | 'value' | 'function';
export const SIMILARITIES: readonly Similarity[] = ['exact', 'pointer', 'value', 'function'];

/**
 * Grouping by stack (functions and lines) is what triage needs: since Go 1.17 arguments are
 * register values, often marked "?", and plain integers (ids, lengths) split otherwise
 * identical stacks into one group per request. panicparse's default is 'pointer'.
 */
export const DEFAULT_SIMILARITY: Similarity = 'value';

// The running signature hash: two independent 32-bit accumulators (FNV-1a and a
// multiply-xorshift), module state so the hot loop needs no allocation.
let H1 = 0;
let H2 = 0;

function mix(v: number): void {
  H1 = Math.imul(H1 ^ v, 0x01000193);
  const x = Math.imul(H2 ^ v, 0x5bd1e995);
  H2 = x ^ (x >>> 15);
}

function hashChars(a: string, from: number, to: number): void {
  let h1 = H1;
  let h2 = H2;
  for (let i = from; i < to; i++) {
    const c = a.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    const x = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 = x ^ (x >>> 15);
  }
  H1 = h1;
  H2 = h2;
}

/**
 * Argument text into the hash, token by token (tokens split at ", "). With `mask`, a hex
 * token that looks like a pointer or carries the runtime's "?" (see maskPointers) counts
 * as "*" followed by its "?": decided from its ends, without reading its digits.
 */
function hashArgs(a: string, mask: boolean): void {
  if (!mask) return hashChars(a, 0, a.length);
  let i = 0;
  const n = a.length;
  while (i <= n) {
    let e = a.indexOf(', ', i);
    if (e < 0) e = n;
    // Braces around aggregates: {0x1?, 0x2?} -> "{" token "}".
    let b = i;
    while (b < e && a.charCodeAt(b) === 123) b++;
    let t = e;
    while (t > b && a.charCodeAt(t - 1) === 125) t--;
    hashChars(a, i, b);
    const q = t > b && a.charCodeAt(t - 1) === 63; // '?'
    const hexEnd = q ? t - 1 : t;
    const digits = hexEnd - b - 2;
    if (digits > 0 && a.charCodeAt(b) === 48 && a.charCodeAt(b + 1) === 120 && (q || digits > 6 || (digits === 6 && a.charCodeAt(b + 2) >= 52))) {
      mix(42);
      if (q) mix(63);
    } else {
      hashChars(a, b, t);
    }
    hashChars(a, t, e);
    mix(44);
    i = e + 2;
  }
}

/**
 * A deep stack is cut differently by each form: a traceback prints the 50 innermost and 50
 * outermost frames of a stack over 100 ("...N frames elided..."; a crash dump counts the
 * runtime frames it also prints among them), debug=0/1 keep the 128 innermost. Such stacks
 * are matched by their 40 innermost comparable frames, which every form keeps.
 */
const DEEP_STACK = 90;
const DEEP_PREFIX = 40;

/** The key that matches the same stack across dump forms and snapshots (no state, no args). */
export function stackKey(frames: readonly Frame[]): string {
  H1 = 0x811c9dc5;
  H2 = 0x9747b28c;
  const fr = comparableFrames(frames);
  const n = fr.length >= DEEP_STACK ? DEEP_PREFIX : fr.length;
  if (n < fr.length) mix(-4);
  for (let i = 0; i < n; i++) {
    const f = fr[i]!;
    hashChars(f.func, 0, f.func.length);
    mix(-3);
    mix(f.line);
    mix(-1);
  }
  return hashText();
}

/** The 64-bit hash as a 4-character string: a cheap Map key (number-to-text is not). */
function hashText(): string {
  return String.fromCharCode(H1 & 0xffff, H1 >>> 16, H2 & 0xffff, H2 >>> 16);
}

export interface GoroutineGroup {
  key: string;
  count: number;
  /** The most common status in the group ("" when the dump form has none). */
  state: string;
  states: Record<string, number>;
  waitReason: WaitReason;
  /** Minutes blocked across the group, when the dump prints them. */
  waitMinutes: { min: number; max: number };
  labels: Record<string, string[]>;
  /** A representative stack, leaf first. */
  frames: Frame[];
  createdBy: Frame | null;
  /** Where the fix goes: the first frame in user code. */
  blockingSite: Frame | null;
  /**
   * Where the group waits or runs, named by the shared rule (analysis/stack.ts siteOf): the
   * first frame in user code, else the first standard-library frame above the plumbing,
   * else the leaf. Set by the Grouper (absent only in groups made by hand: see name.ts groupSite).
   */
  site?: Frame | null;
  /** Set when another group reads the same (wait, site, creator): the frame where this stack differs (name.ts). */
  via?: Frame | null;
  /** Goroutines that started members of this group (Go 1.21+ "in goroutine N"), at most 20. */
  parentIds: number[];
  /** Member goroutine ids, at most 50. */
  ids: number[];
  lockedToThread: number;
  /** Members the goroutineleak detector marked "(leaked)". */
  leaked: number;
  /** Members whose stack the runtime could not print (running on another thread). */
  stackUnavailable: number;
  /** Identifies the same stack across dump forms and snapshots. */
  stackKey: string;
}

const MAX_IDS = 50;
const MAX_PARENTS = 20;
const MAX_LABEL_VALUES = 20;

export class Grouper {
  private readonly map = new Map<string, GoroutineGroup>();
  total = 0;
  constructor(readonly similarity: Similarity = DEFAULT_SIMILARITY) {}

  /**
   * A representative frame that owns its strings, so a group never keeps the parser's
   * input chunk alive (function names are interned by the parsers already).
   */
  private share(f: Frame): Frame {
    const c: Frame = { func: f.func, file: intern(f.file), line: f.line };
    if (f.args !== undefined) c.args = own(f.args);
    return c;
  }

  /** Function names are shared strings (parsers intern them): small ids keep keys short. */
  private readonly funcIds = new Map<string, number>();
  /** frameRole of each id, decided once per name. */
  private readonly roles: FrameRole[] = [];

  private fid(name: string): number {
    let id = this.funcIds.get(name);
    if (id === undefined) {
      id = this.funcIds.size;
      this.funcIds.set(name, id);
      this.roles.push(frameRole(name));
    }
    return id;
  }

  private mixFrame(id: number, f: Frame): void {
    const sim = this.similarity;
    mix(id);
    if (sim !== 'function') {
      mix(f.line);
      if (sim !== 'value' && f.args !== undefined) hashArgs(f.args, sim === 'pointer');
    }
    mix(-1);
  }

  /**
   * Signature at this similarity level: status, the frames every dump form shows
   * (comparableFrames, decided here without building the list) and creator, hashed in one
   * pass into 64 bits (two independent 32-bit accumulators). With a million distinct
   * stacks the chance of any two sharing a signature is about 3e-8.
   */
  private key(g: Goroutine): string {
    const fr = g.frames;
    H1 = 0x811c9dc5;
    H2 = 0x9747b28c;
    mix(this.fid(g.state));
    let kept = 0;
    for (let i = 0; i < fr.length; i++) {
      const f = fr[i]!;
      const id = this.fid(f.func);
      const role = this.roles[id]!;
      if (role === FrameRole.Hidden || (role === FrameRole.InternalRuntime && kept === 0)) continue;
      if (role === FrameRole.DumpWriter && i > 0) {
        // Start again from the pprof writer (see comparableFrames).
        H1 = 0x811c9dc5;
        H2 = 0x9747b28c;
        mix(this.fid(g.state));
      }
      kept++;
      this.mixFrame(id, f);
    }
    if (kept === 0 && fr.length > 0) {
      let end = fr.length;
      while (end > 1 && fr[end - 1]!.func === 'runtime.goexit') end--;
      for (let i = 0; i < end; i++) this.mixFrame(this.fid(fr[i]!.func), fr[i]!);
    }
    if (g.createdBy) {
      mix(-2);
      mix(this.fid(g.createdBy.func));
      if (this.similarity !== 'function') mix(g.createdBy.line);
    }
    return hashText();
  }

  add(g: Goroutine): void {
    const key = this.key(g);
    let grp = this.map.get(key);
    this.total += g.count;
    if (!grp) {
      const frames = g.frames.map((f) => this.share(f));
      grp = {
        key,
        count: 0,
        state: g.state,
        states: {},
        waitReason: classify(g),
        waitMinutes: { min: g.waitMinutes, max: g.waitMinutes },
        labels: {},
        frames,
        createdBy: g.createdBy ? this.share(g.createdBy) : null,
        blockingSite: userSite(comparableFrames(frames)),
        site: siteOf(comparableFrames(frames)) ?? null,
        parentIds: [],
        ids: [],
        lockedToThread: 0,
        leaked: 0,
        stackUnavailable: 0,
        stackKey: stackKey(frames),
      };
      this.map.set(key, grp);
    }
    grp.count += g.count;
    if (g.state) grp.states[g.state] = (grp.states[g.state] ?? 0) + g.count;
    if (g.waitMinutes < grp.waitMinutes.min) grp.waitMinutes.min = g.waitMinutes;
    if (g.waitMinutes > grp.waitMinutes.max) grp.waitMinutes.max = g.waitMinutes;
    if (g.id && grp.ids.length < MAX_IDS) grp.ids.push(g.id);
    if (g.parentId !== null && grp.parentIds.length < MAX_PARENTS && !grp.parentIds.includes(g.parentId)) grp.parentIds.push(g.parentId);
    if (g.lockedToThread) grp.lockedToThread += g.count;
    if (g.leaked) grp.leaked += g.count;
    if (g.stackUnavailable) grp.stackUnavailable += g.count;
    if (g.labels) {
      for (const [k, v] of Object.entries(g.labels)) {
        const vals = (grp.labels[k] ??= []);
        if (vals.length < MAX_LABEL_VALUES && !vals.includes(v)) vals.push(v);
      }
    }
  }

  /** Groups sorted by count (largest first), then longest waiting, state and site: a stable, readable order. */
  groups(): GoroutineGroup[] {
    return sortGroups([...this.map.values()]);
  }
}

/** Settles each group's dominant state and sorts: see Grouper.groups(). */
export function sortGroups(out: GoroutineGroup[]): GoroutineGroup[] {
  for (const g of out) {
    let best = g.state;
    let bestN = -1;
    for (const [s, n] of Object.entries(g.states)) {
      if (n > bestN) {
        best = s;
        bestN = n;
      }
    }
    g.state = best;
  }
  const site = (g: GoroutineGroup) => groupSite(g)?.func ?? '';
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  out.sort((a, b) => b.count - a.count || b.waitMinutes.max - a.waitMinutes.max || cmp(a.state, b.state) || cmp(site(a), site(b)) || cmp(a.key, b.key));
  distinguishGroups(out);
  return out;
}

/** The pointer level's masking as text (the grouper hashes the same thing token by token). */
export function maskPointers(a: string): string {
  return a.replace(/0x([0-9a-f]+)(\?)?/g, (h: string, digits: string, q: string | undefined) =>
    q || digits.length > 6 || (digits.length === 6 && digits[0]! >= '4') ? '*' + (q ?? '') : h,
  );
}

/**
 * A group's (or one goroutine's) signature as plain text: the same equivalence as
 * Grouper's hashed key, independent of any Grouper; for merging groups built apart (one
 * per worker thread), and as the reference the hashed key is tested against.
 */
export function groupSignature(g: Pick<GoroutineGroup, 'state' | 'frames' | 'createdBy'>, sim: Similarity): string {
  const fr = comparableFrames(g.frames).map((f) => {
    if (sim === 'function') return f.func;
    if (sim === 'value' || f.args === undefined) return `${f.func}:${f.line}`;
    return `${f.func}:${f.line}(${sim === 'exact' ? f.args : maskPointers(f.args)})`;
  });
  const cb = g.createdBy ? `<${g.createdBy.func}${sim === 'function' ? '' : ':' + g.createdBy.line}` : '';
  // A Grouper's groups each hold one state (it is part of the key).
  return `${g.state}|${fr.join('\n')}${cb}`;
}

function pushCapped<T>(into: T[], from: readonly T[], cap: number, unique: boolean): void {
  for (const x of from) {
    if (into.length >= cap) return;
    if (!unique || !into.includes(x)) into.push(x);
  }
}

/** Merges group lists built from disjoint parts of one dump into one list, as if grouped together. */
export function mergeGroups(lists: readonly (readonly GoroutineGroup[])[], sim: Similarity): GoroutineGroup[] {
  const m = new Map<string, GoroutineGroup>();
  for (const list of lists) {
    for (const g of list) {
      const k = groupSignature(g, sim);
      const a = m.get(k);
      if (!a) {
        m.set(k, {
          ...g,
          key: k,
          states: { ...g.states },
          waitMinutes: { ...g.waitMinutes },
          labels: Object.fromEntries(Object.entries(g.labels).map(([l, v]) => [l, [...v]])),
          parentIds: [...g.parentIds],
          ids: [...g.ids],
        });
        continue;
      }
      a.count += g.count;
      for (const [st, n] of Object.entries(g.states)) a.states[st] = (a.states[st] ?? 0) + n;
      a.waitMinutes.min = Math.min(a.waitMinutes.min, g.waitMinutes.min);
      a.waitMinutes.max = Math.max(a.waitMinutes.max, g.waitMinutes.max);
      pushCapped(a.ids, g.ids, MAX_IDS, false);
      pushCapped(a.parentIds, g.parentIds, MAX_PARENTS, true);
      for (const [l, vs] of Object.entries(g.labels)) pushCapped((a.labels[l] ??= []), vs, MAX_LABEL_VALUES, true);
      a.lockedToThread += g.lockedToThread;
      a.leaked += g.leaked;
      a.stackUnavailable += g.stackUnavailable;
    }
  }
  return sortGroups([...m.values()]);
}

export function groupAll(gs: Iterable<Goroutine>, sim: Similarity = DEFAULT_SIMILARITY): GoroutineGroup[] {
  const gr = new Grouper(sim);
  for (const g of gs) gr.add(g);
  return gr.groups();
}
