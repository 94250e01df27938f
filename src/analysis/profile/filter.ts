// The samples a pprof report looks at, after what `go tool pprof` does to a profile before
// drawing it: its function names simplified (names.ts), drop_frames pruning
// (profile.RemoveUninteresting), then -focus/-ignore/-hide/-show
// (profile.FilterSamplesByName), then -tagfocus/-tagignore (profile.FilterSamplesByTag).
// Pure: the result describes the changes (which samples, where each stack now starts,
// which locations lost lines or vanish) and shares the input's objects, which are never
// modified.
//
// The name filters match a location when a regexp matches any of its functions' names or
// file names, or its mapping's file name (pprof's Location.matchesName).
import type { Int64, Line, Location, Profile, ProfileFunction, Sample } from '../../formats/pprof/index.js';
import { withPprofName } from './names.js';
import { compileGoRegexp } from './regexp.js';
import { compileTagFilter, numLabelUnits } from './tag-filter.js';

export interface FilterOptions {
  /** Keep samples with a frame matching this regexp. */
  focus?: string;
  /** Drop samples with a frame matching this regexp. */
  ignore?: string;
  /** Remove frames matching this regexp from the stacks. */
  hide?: string;
  /** Keep only frames matching this regexp in the stacks. */
  show?: string;
  /** Keep samples whose labels match ("key=regexp", "bytes=1kb:4kb", "regexp,regexp"). */
  tagfocus?: string;
  /** Drop samples whose labels match. */
  tagignore?: string;
}

/** Location id -> position in Profile.locations, by table when ids are small. */
export class LocationIndex {
  private readonly table: Int32Array;
  private readonly map: Map<Int64, number> | null;

  constructor(locations: readonly Location[]) {
    let max = 0;
    let dense = true;
    for (const l of locations) {
      if (typeof l.id !== 'number' || l.id > 4 * locations.length + 1024) {
        dense = false;
        break;
      }
      if (l.id > max) max = l.id;
    }
    if (dense) {
      this.table = new Int32Array(max + 1).fill(-1);
      locations.forEach((l, i) => (this.table[l.id as number] = i));
      this.map = null;
    } else {
      this.table = new Int32Array(0);
      this.map = new Map();
      locations.forEach((l, i) => this.map!.set(l.id, i));
    }
  }

  /** Position of location `id`, -1 when there is none. */
  pos(id: Int64): number {
    if (this.map === null) return typeof id === 'number' && id < this.table.length ? this.table[id]! : -1;
    return this.map.get(id) ?? -1;
  }
}

/** A profile's samples as a report sees them. */
export interface SampleView {
  profile: Profile;
  locIndex: LocationIndex;
  /** Lines of each location (by position in profile.locations), after pruning and hide/show. */
  lines: readonly (readonly Line[])[];
  /** 1 for locations that hide/show left without lines: they are skipped in every stack. */
  hidden: Uint8Array;
  /** The kept samples: indexes into profile.samples, in profile order. */
  samples: Int32Array;
  /**
   * Per profile sample, the first index of its locationIds still in the stack (drop_frames
   * pruning removes the leaf side); 0 for most.
   */
  stackStart: Int32Array;
  /** The function of each id (for Line.functionId), with the name pprof shows (names.ts). */
  functions: Map<Int64, ProfileFunction>;
  /** pprof's notices and "… expression matched no samples" warnings, in pprof's order. */
  warnings: string[];
  /** "focus=…" etc. for every filter given, as pprof lists them under "Active filters:". */
  activeFilters: string[];
}

function mappingFiles(p: Profile): Map<Int64, string> {
  const m = new Map<Int64, string>();
  for (const mp of p.mappings) m.set(mp.id, mp.filename);
  return m;
}

// pprof's simplifyFunc: drop a leading "." and an argument list, keeping C++'s reserved
// names that contain parentheses.
function simplifyFunc(f: string): string {
  const name = f.startsWith('.') ? f.slice(1) : f;
  const rx = /\(anonymous namespace\)|operator\(\)|\(/g;
  for (let m: RegExpExecArray | null; (m = rx.exec(name));) {
    if (m[0] === '(') return name.slice(0, m.index);
  }
  return name;
}

/** A regexp's verdict per function, computed once per function. */
class FunctionMatcher {
  private readonly cache = new Map<ProfileFunction, boolean>();
  constructor(private readonly re: RegExp) {}
  matches(f: ProfileFunction): boolean {
    let v = this.cache.get(f);
    if (v === undefined) {
      v = this.re.test(f.name) || this.re.test(f.filename);
      this.cache.set(f, v);
    }
    return v;
  }
}

/**
 * Applies a profile's drop_frames/keep_frames like pprof's Profile.Prune: every frame at
 * or beneath (towards the leaf) the first matching frame counting from the root is
 * removed, except frames before the first non-matching one. Writes the changed lines
 * into `lines` and the new stack starts into `stackStart`.
 */
function prune(p: Profile, locIndex: LocationIndex, functions: Map<Int64, ProfileFunction>, lines: (readonly Line[])[], stackStart: Int32Array): void {
  if (p.dropFrames === '') return;
  let drop: RegExp;
  let keep: RegExp | null = null;
  try {
    drop = compileGoRegexp('^(' + p.dropFrames + ')$', 'drop_frames');
    if (p.keepFrames !== '') keep = compileGoRegexp('^(' + p.keepFrames + ')$', 'keep_frames');
  } catch {
    // pprof ignores a profile's unparsable drop_frames/keep_frames.
    return;
  }
  const cache = new Map<string, boolean>();
  const pruneFromHere = (name: string): boolean => {
    let r = cache.get(name);
    if (r === undefined) {
      const fn = simplifyFunc(name);
      r = drop.test(fn) && (keep === null || !keep.test(fn));
      cache.set(name, r);
    }
    return r;
  };
  const n = p.locations.length;
  const pruneLoc = new Uint8Array(n);
  const pruneBeneath = new Uint8Array(n);
  let any = false;
  for (let pos = 0; pos < n; pos++) {
    const ls = lines[pos]!;
    let i = ls.length - 1;
    for (; i >= 0; i--) {
      const f = ls[i]!.functionId === 0 ? undefined : functions.get(ls[i]!.functionId);
      if (f && f.name !== '' && pruneFromHere(f.name)) break;
    }
    if (i >= 0) {
      any = true;
      pruneBeneath[pos] = 1;
      if (i === ls.length - 1) pruneLoc[pos] = 1;
      else lines[pos] = ls.slice(i + 1);
    }
  }
  if (!any) return;
  p.samples.forEach((s, si) => {
    let foundUser = false;
    for (let i = s.locationIds.length - 1; i >= 0; i--) {
      const pos = locIndex.pos(s.locationIds[i]!);
      if (!pruneLoc[pos] && !pruneBeneath[pos]) {
        foundUser = true;
        continue;
      }
      if (!foundUser) continue;
      stackStart[si] = pruneLoc[pos] ? i + 1 : i;
      break;
    }
  });
}

const FOCUSED = 1;
const IGNORED = 2;

/** The samples `go tool pprof` reports on with these options (see the module comment). */
export function filterSamples(p: Profile, opts: FilterOptions = {}): SampleView {
  // Compile everything first, in pprof's order, so the first bad option is the one named.
  const focus = opts.focus ? compileGoRegexp(opts.focus, 'focus') : null;
  const ignore = opts.ignore ? compileGoRegexp(opts.ignore, 'ignore') : null;
  const hide = opts.hide ? compileGoRegexp(opts.hide, 'hide') : null;
  const show = opts.show ? compileGoRegexp(opts.show, 'show') : null;
  const warnings: string[] = [];
  // pprof reports numeric label keys seen with several units whatever the options.
  const { units, ignored } = numLabelUnits(p);
  for (const k of [...ignored.keys()].sort()) {
    warnings.push(`For tag ${k} used unit ${units.get(k)}, also encountered unit(s) ${ignored.get(k)!.join(', ')}`);
  }
  const tagfocus = opts.tagfocus ? compileTagFilter('tagfocus', opts.tagfocus, units, warnings) : null;
  const tagignore = opts.tagignore ? compileTagFilter('tagignore', opts.tagignore, units, warnings) : null;
  const activeFilters: string[] = [];
  for (const k of ['focus', 'ignore', 'hide', 'show', 'tagfocus', 'tagignore'] as const) {
    if (opts[k]) activeFilters.push(`${k}=${opts[k]}`);
  }

  // Every name as pprof shows it (its demangling step runs before pruning and filters).
  const functions = new Map<Int64, ProfileFunction>();
  for (const f of p.functions) functions.set(f.id, withPprofName(f));
  const locIndex = new LocationIndex(p.locations);
  const nLoc = p.locations.length;
  const lines: (readonly Line[])[] = p.locations.map((l) => l.lines);
  const stackStart = new Int32Array(p.samples.length);
  prune(p, locIndex, functions, lines, stackStart);

  const hidden = new Uint8Array(nLoc);
  let kept: Int32Array;
  if (focus || ignore || hide || show) {
    const files = mappingFiles(p);
    const fo = new Uint8Array(nLoc);
    let fm = false;
    let im = false;
    let hm = false;
    let hnm = false;
    const focusM = focus && new FunctionMatcher(focus);
    const ignoreM = ignore && new FunctionMatcher(ignore);
    const hideM = hide && new FunctionMatcher(hide);
    const showM = show && new FunctionMatcher(show);
    const fnOf = (l: Line): ProfileFunction | undefined => (l.functionId === 0 ? undefined : functions.get(l.functionId));
    const mappingMatches = (loc: Location, re: RegExp): boolean => {
      const file = loc.mappingId === 0 ? undefined : files.get(loc.mappingId);
      return file !== undefined && re.test(file);
    };
    const matchesName = (pos: number, re: RegExp, m: FunctionMatcher): boolean => {
      for (const l of lines[pos]!) {
        const f = fnOf(l);
        if (f && m.matches(f)) return true;
      }
      return mappingMatches(p.locations[pos]!, re);
    };
    for (let pos = 0; pos < nLoc; pos++) {
      const loc = p.locations[pos]!;
      if (ignore && matchesName(pos, ignore, ignoreM!)) {
        im = true;
        fo[pos] = IGNORED;
      } else if (!focus || matchesName(pos, focus, focusM!)) {
        fm = true;
        fo[pos] = FOCUSED;
      }
      if (hide && matchesName(pos, hide, hideM!)) {
        hm = true;
        // Location.unmatchedLines: lines without a function stay.
        lines[pos] = mappingMatches(loc, hide)
          ? []
          : lines[pos]!.filter((l) => {
              const f = fnOf(l);
              return !(f && hideM!.matches(f));
            });
        if (lines[pos]!.length === 0) hidden[pos] = 1;
      }
      if (show) {
        // Location.matchedLines: lines without a function stay.
        if (!mappingMatches(loc, show)) {
          lines[pos] = lines[pos]!.filter((l) => {
            const f = fnOf(l);
            return !f || showM!.matches(f);
          });
        }
        if (lines[pos]!.length === 0) hidden[pos] = 1;
        else hnm = true;
      }
    }
    const out: number[] = [];
    p.samples.forEach((s, si) => {
      // A sample stays when one of its frames is focused and none is ignored.
      let f = false;
      const ids = s.locationIds;
      for (let i = stackStart[si]!; i < ids.length; i++) {
        const v = fo[locIndex.pos(ids[i]!)];
        if (v === IGNORED) return;
        if (v === FOCUSED) f = true;
      }
      if (!f) return;
      // Samples whose every frame is hidden go too.
      for (let i = stackStart[si]!; i < ids.length; i++) {
        if (!hidden[locIndex.pos(ids[i]!)]) {
          out.push(si);
          return;
        }
      }
    });
    kept = Int32Array.from(out);
    if (!fm && focus) warnings.push('Focus expression matched no samples');
    if (!im && ignore) warnings.push('Ignore expression matched no samples');
    if (!hm && hide) warnings.push('Hide expression matched no samples');
    if (!hnm && show) warnings.push('Show expression matched no samples');
  } else {
    kept = new Int32Array(p.samples.length);
    for (let i = 0; i < kept.length; i++) kept[i] = i;
  }

  if (tagfocus || tagignore) {
    let tfm = false;
    let tim = false;
    const out: number[] = [];
    for (const si of kept) {
      const s: Sample = p.samples[si]!;
      const focused = tagfocus ? tagfocus(s) : true;
      const ignored = tagignore ? tagignore(s) : false;
      tfm ||= focused;
      tim ||= ignored;
      if (focused && !ignored) out.push(si);
    }
    kept = Int32Array.from(out);
    if (!tfm && tagfocus) warnings.push('TagFocus expression matched no samples');
    if (!tim && tagignore) warnings.push('TagIgnore expression matched no samples');
  }

  return { profile: p, locIndex, lines, hidden, samples: kept, stackStart, functions, warnings, activeFilters };
}
