// The trace timeline's data block: the contract between the report writer
// (src/report/trace-html.ts) and the page (web/trace/). Every column of the Timeline
// travels as base64 of its typed array's bytes; the page views each in a buffer of its
// own (aligned for Float64Array), without per-value parsing, and derives what drawing
// needs (interval owners, running time per goroutine, region segment ends).
import { float64sFromBase64, fromBase64, int32sFromBase64, toBase64 } from './base64.js';
import type { Encoded } from './encoded.js';
import { STATE_RUNNING, type Timeline } from './timeline.js';

/** The JSON block: numbers as they are, typed-array columns as base64 (`Text`: Encoded as written, string as read). */
export interface TimelineBlock<Text = string> {
  v: 1;
  start: number;
  end: number;
  strings: string[];
  /** Goroutines: Float64 id, Int32 name, Float64 parent, Float64 first (seen), Int32 off (n + 1). */
  g: { n: number; id: Text; name: Text; parent: Text; first: Text; off: Text };
  /** Intervals: Float64 start and end, Uint8 state, Int32 aux. */
  iv: { n: number; start: Text; end: Text; state: Text; aux: Text };
  /** Procs: Int32 id, off (n + 1), iv. */
  p: { n: number; id: Text; off: Text; iv: Text };
  /** GC ranges: Float64 start and end, Uint8 kind, Int32 label. */
  gc: { n: number; start: Text; end: Text; kind: Text; label: Text };
  /** Regions: Int32 g, Float64 start and end, Int32 name, Uint8 depth, Int32 off (goroutines + 1). */
  rg: { n: number; g: Text; start: Text; end: Text; name: Text; depth: Text; off: Text };
}

/** The block of a timeline. */
export function timelineBlock(tl: Timeline): TimelineBlock<Encoded> {
  const g = tl.goroutines;
  const iv = tl.intervals;
  const p = tl.procs;
  const gc = tl.gc;
  const rg = tl.regions;
  const b = toBase64;
  return {
    v: 1,
    start: tl.start,
    end: tl.end,
    strings: tl.strings,
    g: { n: g.count, id: b(g.id), name: b(g.name), parent: b(g.parent), first: b(g.firstSeen), off: b(g.offset) },
    iv: { n: iv.count, start: b(iv.start), end: b(iv.end), state: b(iv.state), aux: b(iv.aux) },
    p: { n: p.count, id: b(p.id), off: b(p.offset), iv: b(p.interval) },
    gc: { n: gc.count, start: b(gc.start), end: b(gc.end), kind: b(gc.kind), label: b(gc.label) },
    rg: { n: rg.count, g: b(rg.g), start: b(rg.start), end: b(rg.end), name: b(rg.name), depth: b(rg.depth), off: b(rg.offset) },
  };
}

/** The decoded block, with what the page derives from it. */
export interface TimelineData {
  start: number;
  end: number;
  strings: string[];
  g: { n: number; id: Float64Array; name: Int32Array; parent: Float64Array; first: Float64Array; off: Int32Array };
  /** owner: the goroutine index of each interval. */
  iv: { n: number; start: Float64Array; end: Float64Array; state: Uint8Array; aux: Int32Array; owner: Int32Array };
  p: { n: number; id: Int32Array; off: Int32Array; iv: Int32Array };
  gc: { n: number; start: Float64Array; end: Float64Array; kind: Uint8Array; label: Int32Array };
  /** segEnd: the end of each run of regions of equal (goroutine, depth). */
  rg: { n: number; g: Int32Array; start: Float64Array; end: Float64Array; name: Int32Array; depth: Uint8Array; off: Int32Array; segEnd: Int32Array };
  /** Running time of each goroutine (for sorting), ns. */
  running: Float64Array;
}

/** Decodes a block (JSON.parse of the data element's text). */
export function decodeTimeline(j: TimelineBlock): TimelineData {
  if (j.v !== 1) throw new Error('unknown timeline data version ' + String(j.v));
  const f64 = float64sFromBase64;
  const i32 = int32sFromBase64;
  const g = { n: j.g.n, id: f64(j.g.id), name: i32(j.g.name), parent: f64(j.g.parent), first: f64(j.g.first), off: i32(j.g.off) };
  const iv = { n: j.iv.n, start: f64(j.iv.start), end: f64(j.iv.end), state: fromBase64(j.iv.state), aux: i32(j.iv.aux), owner: new Int32Array(j.iv.n) };
  const running = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) {
    let r = 0;
    for (let k = g.off[i]!; k < g.off[i + 1]!; k++) {
      iv.owner[k] = i;
      if (iv.state[k] === STATE_RUNNING) r += iv.end[k]! - iv.start[k]!;
    }
    running[i] = r;
  }
  const rg = {
    n: j.rg.n,
    g: i32(j.rg.g),
    start: f64(j.rg.start),
    end: f64(j.rg.end),
    name: i32(j.rg.name),
    depth: fromBase64(j.rg.depth),
    off: i32(j.rg.off),
    segEnd: new Int32Array(j.rg.n),
  };
  // Regions are grouped by goroutine then depth: the end of each run of equal
  // (goroutine, depth), where starts and ends are both ascending.
  for (let k = rg.n - 1; k >= 0; k--) {
    rg.segEnd[k] = k + 1 < rg.n && rg.g[k + 1] === rg.g[k] && rg.depth[k + 1] === rg.depth[k] ? rg.segEnd[k + 1]! : k + 1;
  }
  return {
    start: j.start,
    end: j.end,
    strings: j.strings,
    g,
    iv,
    p: { n: j.p.n, id: i32(j.p.id), off: i32(j.p.off), iv: i32(j.p.iv) },
    gc: { n: j.gc.n, start: f64(j.gc.start), end: f64(j.gc.end), kind: fromBase64(j.gc.kind), label: i32(j.gc.label) },
    rg,
    running,
  };
}

/** The data element's text, decoded. */
export function parseTimelineData(text: string): TimelineData {
  return decodeTimeline(JSON.parse(text) as TimelineBlock);
}
