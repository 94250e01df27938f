// Grouping goroutines by stack signature, panicparse-style, built incrementally so a dump
// of millions of goroutines is grouped while it streams.
import type { Frame, Goroutine } from '../../formats/goroutines/model.js';
import { classify, type WaitReason } from './classify.js';
import { comparableFrames, userSite } from '../stack.js';

/**
 * How alike two stacks must be to share a group:
 * exact: same functions, lines and arguments; pointer: arguments equal except pointer-like
 * values (panicparse's default); value: arguments ignored; function: only function names.
 */
export type Similarity = 'exact' | 'pointer' | 'value' | 'function';
export const SIMILARITIES: readonly Similarity[] = ['exact', 'pointer', 'value', 'function'];

const HEX = /0x[0-9a-f]+/g;
// Values at or above 4 MiB look like addresses (text segment at 0x400000, heap 0xc000…).
function maskPointers(args: string): string {
  if (args.indexOf('0x') < 0) return args;
  return args.replace(HEX, (h) => (h.length > 8 || parseInt(h, 16) >= 0x400000 ? '*' : h));
}

function framesKey(frames: readonly Frame[], sim: Similarity): string {
  let k = '';
  for (const f of frames) {
    if (sim === 'function') k += f.func + '\n';
    else if (sim === 'value' || f.args === undefined) k += f.func + ':' + f.line + '\n';
    else k += f.func + ':' + f.line + '(' + (sim === 'exact' ? f.args : maskPointers(f.args)) + ')\n';
  }
  return k;
}

/** Signature of a goroutine at a similarity level. Leading runtime frames never count. */
export function signature(g: Goroutine, sim: Similarity): string {
  let k = g.state + '|' + framesKey(comparableFrames(g.frames), sim);
  if (g.createdBy) k += '<' + g.createdBy.func + (sim === 'function' ? '' : ':' + g.createdBy.line);
  return k;
}

/** The key that matches the same stack across dump forms and snapshots (no state, no args). */
export function stackKey(frames: readonly Frame[]): string {
  return framesKey(comparableFrames(frames), 'value');
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
  /** Goroutines that started members of this group (Go 1.21+ "in goroutine N"), at most 20. */
  parentIds: number[];
  /** Member goroutine ids, at most 50. */
  ids: number[];
  lockedToThread: number;
  /** Members the goroutineleak detector marked "(leaked)". */
  leaked: number;
  /** Identifies the same stack across dump forms and snapshots. */
  stackKey: string;
}

const MAX_IDS = 50;
const MAX_PARENTS = 20;
const MAX_LABEL_VALUES = 20;

export class Grouper {
  private readonly map = new Map<string, GoroutineGroup>();
  total = 0;
  constructor(readonly similarity: Similarity = 'pointer') {}

  add(g: Goroutine): void {
    const key = signature(g, this.similarity);
    let grp = this.map.get(key);
    this.total += g.count;
    if (!grp) {
      const frames = g.frames.map((f) => ({ ...f }));
      grp = {
        key,
        count: 0,
        state: g.state,
        states: {},
        waitReason: classify(g),
        waitMinutes: { min: g.waitMinutes, max: g.waitMinutes },
        labels: {},
        frames,
        createdBy: g.createdBy,
        blockingSite: userSite(comparableFrames(frames)),
        parentIds: [],
        ids: [],
        lockedToThread: 0,
        leaked: 0,
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
    if (g.labels) {
      for (const [k, v] of Object.entries(g.labels)) {
        const vals = (grp.labels[k] ??= []);
        if (vals.length < MAX_LABEL_VALUES && !vals.includes(v)) vals.push(v);
      }
    }
  }

  /** Groups sorted by count (largest first), then by stack for a stable order. */
  groups(): GoroutineGroup[] {
    const out = [...this.map.values()];
    for (const g of out) {
      let best = g.state;
      let bestN = -1;
      for (const [s, n] of Object.entries(g.states)) if (n > bestN) (best = s), (bestN = n);
      g.state = best;
    }
    out.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }
}

export function groupAll(gs: Iterable<Goroutine>, sim: Similarity = 'pointer'): GoroutineGroup[] {
  const gr = new Grouper(sim);
  for (const g of gs) gr.add(g);
  return gr.groups();
}
