// Where in the service's own code a profile's cost lands: every sample is charged to its
// leaf-most frame outside the Go runtime and standard library (the line a fix would
// touch), so a mutex profile names the caller of Unlock rather than sync.(*Mutex).Unlock
// and a heap profile names the allocating line rather than runtime.mallocgc. Samples with
// no such frame (GC workers, the scheduler) are charged to their leaf function and marked.
import {
  addInt64,
  compareInt64,
  indexProfile,
  int64ToNumber,
  negInt64,
  sumInt64,
  type Int64,
  type Profile,
} from '../formats/pprof/index.js';
import { isStdlibFunc } from './stack.js';

export interface Hotspot {
  function: string;
  file: string;
  line: number;
  /** Sum of the sample type's values charged here (exact). */
  value: Int64;
  /** Share of the profile's total of absolute values, 0..100. */
  percent: number;
  /** True when no sample charged here had a frame in user code. */
  runtimeOnly: boolean;
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
  runtimeOnly: boolean;
}

/**
 * The `limit` biggest sites of sample type `sampleIndex`, largest first (ties by name).
 * Zero-valued samples are ignored; negative values (deltas) count with their sign.
 */
export function hotspots(p: Profile, sampleIndex: number, limit = 10): HotspotReport {
  const st = p.sampleTypes[sampleIndex];
  if (!st) throw new RangeError(`sample index ${sampleIndex} out of range`);
  const idx = indexProfile(p);
  // One site per location: locations repeat across samples, so resolve each once.
  const siteOf = new Map<Int64, Site | null>();
  const leafOf = new Map<Int64, Site | null>();
  const resolve = (locId: Int64): void => {
    if (siteOf.has(locId)) return;
    const loc = idx.locations.get(locId);
    let site: Site | null = null;
    let leaf: Site | null = null;
    // Line[0] is the innermost inlined frame: leaf first, like the sample's locations.
    for (const ln of loc?.lines ?? []) {
      const f = idx.functions.get(ln.functionId);
      if (!f) continue;
      const s = { fn: f.name, file: f.filename, line: int64ToNumber(ln.line), runtimeOnly: false };
      leaf ??= s;
      if (!isStdlibFunc(f.name)) {
        site = s;
        break;
      }
    }
    siteOf.set(locId, site);
    leafOf.set(locId, leaf);
  };

  const sums = new Map<string, { site: Site; value: Int64 }>();
  const absValues: Int64[] = [];
  for (const s of p.samples) {
    const v = s.values[sampleIndex] ?? 0;
    if (v === 0) continue;
    absValues.push(compareInt64(v, 0) < 0 ? negInt64(v) : v);
    let site: Site | null = null;
    let leaf: Site | null = null;
    for (const id of s.locationIds) {
      resolve(id);
      leaf ??= leafOf.get(id) ?? null;
      site = siteOf.get(id) ?? null;
      if (site) break;
    }
    const chosen = site ?? (leaf ? { ...leaf, runtimeOnly: true } : { fn: '(unknown)', file: '', line: 0, runtimeOnly: true });
    const key = `${chosen.fn}\u0000${chosen.file}\u0000${chosen.line}`;
    const cur = sums.get(key);
    if (cur) cur.value = addInt64(cur.value, v);
    else sums.set(key, { site: chosen, value: v });
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
      runtimeOnly: site.runtimeOnly,
    })),
  };
}
