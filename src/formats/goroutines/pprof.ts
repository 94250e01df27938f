// Goroutine records from a debug=0 goroutine (or goroutineleak) profile: one record per
// sample, count = the sample's goroutine/count value, labels from string labels. Unlike
// debug=1, these stacks keep the runtime frames (runtime.gopark, runtime.chanrecv…), so the
// wait reason can be read off them.
import { FormatError } from '../../errors.js';
import { indexProfile, int64ToNumber, type Profile } from '../pprof/profile.js';
import { newGoroutine, type Frame, type Goroutine } from './model.js';
import { intern } from '../strings.js';

export function isGoroutineProfile(p: Profile): boolean {
  return p.sampleTypes.length > 0 && p.sampleTypes.some((t) => t.type === 'goroutine' || t.type === 'goroutineleak');
}

export function goroutinesFromProfile(p: Profile, input: string, emit: (g: Goroutine) => void): { records: number; total: number; leakProfile: boolean } {
  if (!isGoroutineProfile(p)) {
    const types = p.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(', ') || 'none';
    throw new FormatError(input, '', `a pprof profile of ${types}, not a goroutine profile`, 'goroutine commands need /debug/pprof/goroutine');
  }
  const vi = Math.max(
    0,
    p.sampleTypes.findIndex((t) => t.type === 'goroutine' || t.type === 'goroutineleak'),
  );
  const idx = indexProfile(p);
  // Frames per location, built once: a location with inlined calls yields several frames,
  // innermost first (profile.proto: the last Line is the caller).
  const locFrames = new Map<unknown, Frame[]>();
  for (const loc of p.locations) {
    const fr: Frame[] = [];
    for (const ln of loc.lines) {
      const fn = idx.functions.get(ln.functionId);
      fr.push({ func: intern(fn ? fn.name : '?'), file: intern(fn ? fn.filename : ''), line: int64ToNumber(ln.line) });
    }
    if (fr.length === 0) fr.push({ func: `0x${loc.address.toString(16)}`, file: '', line: 0 });
    locFrames.set(loc.id, fr);
  }
  let records = 0;
  let total = 0;
  for (const s of p.samples) {
    const g = newGoroutine();
    g.count = int64ToNumber(s.values[vi] ?? 0);
    for (const id of s.locationIds) {
      const fr = locFrames.get(id);
      if (fr) for (const f of fr) g.frames.push(f);
    }
    for (const l of s.labels) {
      // Goroutine profiles carry string labels only; one with no number is a string label,
      // possibly empty (pprof.Labels("k", "")), as the text forms show it.
      if (l.str !== '' || (l.num === 0 && l.numUnit === '')) (g.labels ??= {})[l.key] = l.str;
    }
    emit(g);
    records++;
    total += g.count;
  }
  const leakProfile = p.sampleTypes.some((t) => t.type === 'goroutineleak');
  return { records, total, leakProfile };
}
