// Decodes the timeline data block written by src/report/trace-html.ts (timelineData):
// JSON whose numeric columns are base64 of little-endian typed-array bytes. Each column
// is decoded into its own buffer (aligned for Float64Array), without per-value parsing.
namespace GoscopeTrace {
  export const STATE_RUNNING = 0;
  export const STATE_RUNNABLE = 1;
  export const STATE_WAITING = 2;
  export const STATE_SYSCALL = 3;
  export const STATE_NAMES = ['Running', 'Runnable', 'Waiting', 'Syscall'];
  export const GC_MARK = 0;
  export const GC_STW = 1;

  export interface TimelineData {
    start: number;
    end: number;
    strings: string[];
    g: { n: number; id: Float64Array; name: Int32Array; parent: Float64Array; first: Float64Array; off: Int32Array };
    iv: { n: number; start: Float64Array; end: Float64Array; state: Uint8Array; aux: Int32Array; owner: Int32Array };
    p: { n: number; id: Int32Array; off: Int32Array; iv: Int32Array };
    gc: { n: number; start: Float64Array; end: Float64Array; kind: Uint8Array; label: Int32Array };
    rg: { n: number; g: Int32Array; start: Float64Array; end: Float64Array; name: Int32Array; depth: Uint8Array; off: Int32Array; segEnd: Int32Array };
    /** Running time of each goroutine (for sorting), ns. */
    running: Float64Array;
  }

  function bytes(s: string): Uint8Array {
    const U = Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array };
    if (typeof U.fromBase64 === 'function') return U.fromBase64(s);
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  const f64 = (s: string): Float64Array => {
    const b = bytes(s);
    return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  };
  const i32 = (s: string): Int32Array => {
    const b = bytes(s);
    return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  };

  export function parseTimelineData(text: string): TimelineData {
    const j = JSON.parse(text);
    if (j.v !== 1) throw new Error('unknown timeline data version ' + j.v);
    const g = { n: j.g.n as number, id: f64(j.g.id), name: i32(j.g.name), parent: f64(j.g.parent), first: f64(j.g.first), off: i32(j.g.off) };
    const iv = { n: j.iv.n as number, start: f64(j.iv.start), end: f64(j.iv.end), state: bytes(j.iv.state), aux: i32(j.iv.aux), owner: new Int32Array(j.iv.n) };
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
      n: j.rg.n as number,
      g: i32(j.rg.g),
      start: f64(j.rg.start),
      end: f64(j.rg.end),
      name: i32(j.rg.name),
      depth: bytes(j.rg.depth),
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
      gc: { n: j.gc.n, start: f64(j.gc.start), end: f64(j.gc.end), kind: bytes(j.gc.kind), label: i32(j.gc.label) },
      rg,
      running,
    };
  }

  /** Durations: 1.23s, 45.6ms, 7.8µs, 900ns (as trace-html.ts formatNs). */
  export function formatNs(ns: number): string {
    const a = Math.abs(ns);
    const f = (v: number, u: string) => String(Number(v.toPrecision(3))) + u;
    if (a >= 1e9) return f(ns / 1e9, 's');
    if (a >= 1e6) return f(ns / 1e6, 'ms');
    if (a >= 1e3) return f(ns / 1e3, 'µs');
    return String(Math.round(ns)) + 'ns';
  }

  /** First k in [lo, hi) with key(k) > t (keys ascending), hi if none. */
  export function upperBound(keys: Float64Array, ind: Int32Array | null, lo: number, hi: number, t: number): number {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = keys[ind ? ind[mid]! : mid]!;
      if (v > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
