// Where in the service's own code a profile's cost lands: every sample is charged to its
// leaf-most frame outside the Go runtime and standard library (the line a fix would
// touch), so a mutex profile names the caller of Unlock rather than sync.(*Mutex).Unlock
// and a heap profile names the allocating line rather than runtime.mallocgc. Samples with
// no such frame are charged to their leaf-most frame outside the runtime (net/http's
// connection loops), else to their leaf (GC workers, the scheduler), and marked.
// Functions are named as `go tool pprof` and `goscope top` name them (profile/names.ts):
// a generic function reads the same in diagnose as in top.
import { addInt64, compareInt64, equalInt64, indexProfile, int64ToNumber, negInt64, sumInt64, type Int64, type Profile } from '../formats/pprof/index.js';
import { pprofFunctionName } from './profile/names.js';
import { isRuntimeFunc, isStdlibFunc } from './stack.js';

export interface Hotspot {
  function: string;
  file: string;
  /** The function's line that carries most of its value. */
  line: number;
  /** Sum of the sample type's values charged to the function (exact). */
  value: Int64;
  /** Share of the profile's total of absolute values, 0..100. */
  percent: number;
  /** Where no frame was in user code: 'stdlib' (charged to a library frame) or 'runtime'. */
  outside: 'stdlib' | 'runtime' | null;
}

export interface HotspotReport {
  sampleType: string;
  unit: string;
  total: Int64;
  hotspots: Hotspot[];
}

interface Site {
  fn: string;
  file: string;
  line: number;
  outside: 'stdlib' | 'runtime' | null;
}

/**
 * The `limit` biggest sites of sample type `sampleIndex`, largest first (ties by name); one entry per function.
 * Zero-valued samples are ignored; negative values (deltas) count with their sign.
 */
export function hotspots(p: Profile, sampleIndex: number, limit = 10): HotspotReport {
  const st = p.sampleTypes[sampleIndex];
  if (!st) throw new RangeError(`sample index ${sampleIndex} out of range`);
  const idx = indexProfile(p);
  // Per location (they repeat across samples, so each is resolved once): its leaf-most
  // user frame, leaf-most non-runtime frame and leaf frame.
  const resolved = new Map<Int64, { user: Site | null; lib: Site | null; leaf: Site | null }>();
  const resolve = (locId: Int64) => {
    let r = resolved.get(locId);
    if (r) return r;
    r = { user: null, lib: null, leaf: null };
    // Line[0] is the innermost inlined frame: leaf first, like the sample's locations.
    for (const ln of idx.locations.get(locId)?.lines ?? []) {
      const f = idx.functions.get(ln.functionId);
      if (!f) continue;
      const fn = pprofFunctionName(f);
      const s: Site = { fn, file: f.filename, line: int64ToNumber(ln.line), outside: null };
      r.leaf ??= { ...s, outside: 'runtime' };
      if (!isStdlibFunc(fn)) {
        r.user = s;
        break;
      }
      if (!isRuntimeFunc(fn)) r.lib ??= { ...s, outside: 'stdlib' };
    }
    resolved.set(locId, r);
    return r;
  };

  // Summed per function (a hot loop spans several lines); each reports its hottest line.
  const sums = new Map<string, { site: Site; value: Int64; lines: Map<number, Int64> }>();
  const absValues: Int64[] = [];
  for (const s of p.samples) {
    const v = s.values[sampleIndex] ?? 0;
    if (v === 0) continue;
    absValues.push(compareInt64(v, 0) < 0 ? negInt64(v) : v);
    let site: Site | null = null;
    let lib: Site | null = null;
    let leaf: Site | null = null;
    for (const id of s.locationIds) {
      const r = resolve(id);
      leaf ??= r.leaf;
      lib ??= r.lib;
      site = r.user;
      if (site) break;
    }
    const chosen = site ?? lib ?? leaf ?? { fn: '(unknown)', file: '', line: 0, outside: 'runtime' };
    const key = `${chosen.fn}\u0000${chosen.file}`;
    let cur = sums.get(key);
    if (!cur) sums.set(key, (cur = { site: chosen, value: 0, lines: new Map() }));
    cur.value = addInt64(cur.value, v);
    cur.lines.set(chosen.line, addInt64(cur.lines.get(chosen.line) ?? 0, v));
  }
  for (const cur of sums.values()) {
    let best = -1;
    let bestValue: Int64 = 0;
    for (const [line, value] of cur.lines) {
      if (best < 0 || compareInt64(value, bestValue) > 0 || (equalInt64(value, bestValue) && line < best)) {
        best = line;
        bestValue = value;
      }
    }
    cur.site = { ...cur.site, line: best };
  }
  const total = sumInt64(absValues);
  const totalN = int64ToNumber(total);
  const list = [...sums.values()]
    .sort((a, b) => compareInt64(b.value, a.value) || (a.site.fn < b.site.fn ? -1 : a.site.fn > b.site.fn ? 1 : a.site.line - b.site.line))
    .slice(0, limit);
  return {
    sampleType: st.type,
    unit: st.unit,
    total,
    hotspots: list.map(({ site, value }) => ({
      function: site.fn,
      file: site.file,
      line: site.line,
      value,
      percent: totalN === 0 ? 0 : (int64ToNumber(value) / totalN) * 100,
      outside: site.outside,
    })),
  };
}
