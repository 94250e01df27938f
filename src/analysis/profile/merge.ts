// Merging pprof profiles with google/pprof's profile.Merge semantics (profile/merge.go):
//
// - all inputs must have the same period type and sample types;
// - samples with identical stacks and labels are merged by summing their values (exactly:
//   Int64 arithmetic, never wrapped or rounded); all-zero input samples are skipped, and
//   when merged samples cancel out to all zeros the result is merged once more on its own
//   (as pprof does) so they and everything only they referenced disappear;
// - mappings, locations and functions are deduplicated by pprof's keys (a mapping by
//   rounded size, file offset and build id or file name; a location by its address
//   relative to its mapping, mapping, lines and folding; a function by name, system name,
//   file and start line), so a location of a profile taken at another load address lands
//   on the same merged location, its address moved into the first profile's mapping;
// - ids are fresh from 1 in the order pprof creates them (first mapping of the first
//   profile with mappings, then everything in the order the samples reach it);
// - headers: drop/keep frames and period type of the first profile, period the largest,
//   durations summed, time the earliest non-zero (with pprof's quirk: a zero time met after a
//   non-zero one wins), comments deduplicated in order, default sample type and doc URL the
//   first non-empty;
// - labels follow pprof's model: a label with a string value is a string label (its number
//   is dropped), one with a number or unit is numeric, one with neither is dropped; a
//   sample's labels come out in pprof's encoding order (string labels by key, then numeric
//   labels by key, values of one key in their order).
//
// mergeInputs can also scale an input (pprof's ScaleN) and set a label on its samples
// (pprof's SetLabel) while merging, which is how -base, -diff_base and deltas are computed
// without copying the inputs first.
//
// The result shares nothing with the inputs (its samples share Label objects among
// themselves) and has a rebuilt string table, so encodeProfile writes it as is.

import { FormatError, UserError } from '../../errors.js';
import {
  addInt64,
  normalizeInt64,
  toBigInt,
  type Int64,
  type Label,
  type Line,
  type Location,
  type Mapping,
  type Profile,
  type ProfileFunction,
  type Sample,
  type ValueType,
} from '../../formats/pprof/index.js';

/**
 * Merges profiles like pprof's profile.Merge (and `go tool pprof A B ...`). `inputNames`
 * name the inputs in error messages (default "profile 1", "profile 2", …). Throws a
 * UserError when the profiles have different sample or period types.
 */
export function mergeProfiles(profiles: readonly Profile[], inputNames?: readonly string[]): Profile {
  return mergeInputs(profiles.map((profile, i) => ({ profile, name: inputNames?.[i] ?? `profile ${i + 1}` })));
}

/** One input of mergeInputs. */
export interface MergeInput {
  profile: Profile;
  /** Names the input in error messages. */
  name: string;
  /** Scale the input's values first, as pprof's ScaleN does (see scaleValue). */
  ratios?: readonly number[];
  /** Set this string label on every sample of the input first, as pprof's SetLabel does. */
  label?: { key: string; value: string };
}

/** mergeProfiles, with each input optionally scaled and labelled on the way in. */
export function mergeInputs(inputs: readonly MergeInput[]): Profile {
  if (inputs.length === 0) throw new UserError('no profiles to merge');
  const first = inputs[0]!;
  for (let i = 1; i < inputs.length; i++) checkCompatible(first.profile, inputs[i]!.profile, first.name, inputs[i]!.name);
  const merger = new Merger(inputs.map((x) => x.profile));
  for (const input of inputs) merger.add(input);
  const merged = merger.result();
  // Samples that cancelled out (a diff, a delta): merge the result alone, which drops them
  // and compacts away what only they used, exactly as pprof's Merge does.
  if (merger.hasZeroSample()) return mergeInputs([{ profile: merged, name: inputs.length === 1 ? first.name : 'merged profile' }]);
  return merged;
}

/**
 * Throws a UserError unless `a` and `b` can be merged or compared (pprof's
 * Profile.compatible: same period type, same sample types in the same order).
 */
export function checkCompatible(a: Profile, b: Profile, nameA: string, nameB: string): void {
  const hint = 'merging and comparing need profiles of the same kind, e.g. two CPU profiles';
  if (!sameValueTypes(a.sampleTypes, b.sampleTypes)) {
    throw new UserError(
      `cannot combine ${nameA} and ${nameB}: incompatible sample types ${valueTypesText(a.sampleTypes)} and ${valueTypesText(b.sampleTypes)} (${hint})`,
    );
  }
  if (!sameValueType(a.periodType, b.periodType)) {
    throw new UserError(
      `cannot combine ${nameA} and ${nameB}: incompatible period types ${valueTypeText(a.periodType)} and ${valueTypeText(b.periodType)} (${hint})`,
    );
  }
}

function sameValueType(a: ValueType | null, b: ValueType | null): boolean {
  // pprof's decoder turns a missing period type into an empty one.
  return (a?.type ?? '') === (b?.type ?? '') && (a?.unit ?? '') === (b?.unit ?? '');
}

function sameValueTypes(a: readonly ValueType[], b: readonly ValueType[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValueType(a[i]!, b[i]!)) return false;
  return true;
}

function valueTypeText(v: ValueType | null): string {
  return v === null || (v.type === '' && v.unit === '') ? '(none)' : `${v.type}/${v.unit}`;
}

function valueTypesText(vs: readonly ValueType[]): string {
  return `[${vs.map(valueTypeText).join(' ')}]`;
}

const isZero = (v: Int64): boolean => v === 0 || v === 0n;

/** True when every value is zero (also for no values), like pprof's isZeroSample. */
export function isZeroSample(s: Sample): boolean {
  const v = s.values;
  for (let i = 0; i < v.length; i++) if (!isZero(v[i]!)) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Scaling values

const INT64_MIN = -(2n ** 63n);
const TWO_63 = 2 ** 63;

/** Go's int64(math.Round(x)): half away from zero; out of range (and NaN) gives MinInt64, as on amd64. */
function roundToInt64(x: number): Int64 {
  const r = x < 0 ? -Math.round(-x) : Math.round(x);
  if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  if (!(r > -TWO_63 && r < TWO_63)) return normalizeInt64(INT64_MIN);
  return normalizeInt64(BigInt(r));
}

/**
 * v * ratio as pprof's ScaleN computes it, int64(math.Round(float64(v) * ratio)), except
 * that integer ratios (-1 above all) are applied exactly: pprof's float64 loses the low
 * bits of values beyond 2^53.
 */
export function scaleValue(v: Int64, ratio: number): Int64 {
  if (Number.isInteger(ratio)) {
    if (typeof v === 'number') {
      const x = v * ratio;
      if (Number.isSafeInteger(x)) return x === 0 ? 0 : x;
    }
    return normalizeInt64(toBigInt(v) * BigInt(ratio));
  }
  return roundToInt64((typeof v === 'number' ? v : Number(v)) * ratio);
}

/** Throws unless `ratios` fit `p`; null when they change nothing (all 1, as ScaleN checks). */
export function checkRatios(p: Profile, ratios: readonly number[] | undefined): readonly number[] | null {
  if (ratios === undefined) return null;
  if (ratios.length !== p.sampleTypes.length) {
    throw new RangeError(`scale: got ${ratios.length} ratios for ${p.sampleTypes.length} sample types`);
  }
  for (const r of ratios) if (!Number.isFinite(r)) throw new RangeError(`scale: ratio ${r} is not finite`);
  return ratios.every((r) => r === 1) ? null : ratios;
}

/**
 * Scales `values` into `out` like pprof's ScaleN; returns whether pprof keeps the sample:
 * only the values whose ratio is not 1 count for that, so a sample whose other values
 * all round to zero is dropped even when a value with ratio 1 is not zero.
 */
export function scaleValuesInto(values: readonly Int64[], ratios: readonly number[], out: Int64[]): boolean {
  let keep = false;
  for (let i = 0; i < values.length; i++) {
    const r = ratios[i]!;
    if (r === 1) {
      out[i] = values[i]!;
      continue;
    }
    const v = scaleValue(values[i]!, r);
    out[i] = v;
    if (v !== 0) keep = true;
  }
  return keep;
}

// ---------------------------------------------------------------------------
// uint64 arithmetic for addresses (pprof computes them modulo 2^64)

const U64 = (x: bigint): Int64 => normalizeInt64(BigInt.asUintN(64, x));

/** (a + b - c) mod 2^64. */
function addSubU64(a: Int64, b: Int64, c: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number' && typeof c === 'number') {
    const r = a + (b - c); // b - c is exact; the sum is exact whenever it is safe
    if (r >= 0 && Number.isSafeInteger(r)) return r;
  }
  return U64(toBigInt(a) + toBigInt(b) - toBigInt(c));
}

/** (a - b) mod 2^64. */
function subU64(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number' && a >= b) return a - b;
  return U64(toBigInt(a) - toBigInt(b));
}

const MAPSIZE_ROUNDING = 0x1000;

/** pprof's mappingKey: size rounded up to 4 KiB, file offset, build id (else file name). */
function mappingKey(m: Mapping): string {
  let size: Int64;
  const { memoryStart: start, memoryLimit: limit } = m;
  if (typeof start === 'number' && typeof limit === 'number' && limit >= start && limit - start < 2 ** 52) {
    const s = limit - start + MAPSIZE_ROUNDING - 1;
    size = s - (s % MAPSIZE_ROUNDING);
  } else {
    const s = BigInt.asUintN(64, toBigInt(limit) - toBigInt(start) + BigInt(MAPSIZE_ROUNDING - 1));
    size = normalizeInt64(s - (s % BigInt(MAPSIZE_ROUNDING)));
  }
  // A mapping with neither build id nor file is a fake one: all of them share one key.
  const who = m.buildId !== '' ? m.buildId : m.filename;
  return `${size}/${m.fileOffset}/${who}`;
}

/** pprof's functionKey. */
function functionKey(f: ProfileFunction): string {
  return `${f.startLine}/${f.name.length}:${f.name}${f.systemName.length}:${f.systemName}${f.filename}`;
}

/**
 * pprof's Location.key() lines part, byte for byte. pprof sizes its slice for 3 entries
 * per line but indexes it 2 per line, so a line's column is overwritten by the next line's
 * function id (kept when that line has none) and the last n-1 entries stay empty;
 * reproduced so that exactly the locations pprof merges are merged. `lines` carry merged
 * function ids.
 */
function linesKey(lines: readonly Line[]): string {
  const n = lines.length;
  if (n === 0) return '';
  let key = '';
  for (let i = 0; i < n; i++) {
    const ln = lines[i]!;
    const fid = ln.functionId;
    if (i > 0) key += '|';
    if (fid !== 0) key += fid.toString(16);
    else if (i > 0) key += lines[i - 1]!.column.toString(16);
    key += '|' + ln.line.toString(16);
  }
  key += '|' + lines[n - 1]!.column.toString(16);
  return n > 1 ? key + '|'.repeat(n - 1) : key;
}

// ---------------------------------------------------------------------------
// Id lookup

/** id -> position in a list, dense for the usual small ids, a Map for the rest. */
class IdIndex {
  private readonly dense: Int32Array;
  private readonly sparse = new Map<Int64, number>();

  constructor(items: readonly { id: Int64 }[]) {
    const limit = 4 * items.length + 64;
    let max = 0;
    const ids = items.map((it) => normalizeInt64(it.id));
    for (const id of ids) if (typeof id === 'number' && id < limit && id > max) max = id;
    this.dense = new Int32Array(max + 1);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (typeof id === 'number' && id >= 0 && id <= max) {
        if (this.dense[id] === 0) this.dense[id] = i + 1; // the first of duplicate ids wins
      } else if (!this.sparse.has(id)) {
        this.sparse.set(id, i);
      }
    }
  }

  /** Ids below this are looked up in an array. */
  get denseLength(): number {
    return this.dense.length;
  }

  /** Position of `id`, or -1. */
  get(id: Int64): number {
    const canon = typeof id === 'number' ? id : normalizeInt64(id);
    if (typeof canon === 'number' && canon >= 0 && canon < this.dense.length) return this.dense[canon]! - 1;
    return this.sparse.get(canon) ?? -1;
  }
}

// ---------------------------------------------------------------------------
// Labels

/** True for a label pprof drops: no string, no number, no unit. */
const droppedLabel = (l: Label): boolean => l.str === '' && isZero(l.num) && l.numUnit === '';

/**
 * True when `labels` are already in pprof's order (string labels by key, then numeric
 * labels by key) and none is dropped, as in every profile pprof or mergeProfiles wrote.
 */
function inPprofOrder(labels: readonly Label[]): boolean {
  let prevNum = false;
  let prevKey = '';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (droppedLabel(l)) return false;
    const num = l.str === '';
    if (i > 0 && ((prevNum && !num) || (prevNum === num && l.key < prevKey))) return false;
    prevNum = num;
    prevKey = l.key;
  }
  return true;
}

/**
 * The labels as pprof sees and writes them: dropped ones removed, string labels by key,
 * then numeric labels by key, the values of a key in their order. Two samples have the
 * same labels for pprof's sample key exactly when these lists are equal (pprof compares
 * a key's units only when one is set, and then all of them: the same as comparing each).
 */
function pprofOrder(labels: readonly Label[]): readonly Label[] {
  if (inPprofOrder(labels)) return labels;
  return labels
    .filter((l) => !droppedLabel(l))
    .sort((a, b) => {
      const an = a.str === '' ? 1 : 0;
      const bn = b.str === '' ? 1 : 0;
      if (an !== bn) return an - bn;
      return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    });
}

/** A node of the label-set trie: one step per label, string and numeric labels apart. */
interface LabelNode {
  /** Label set id of the path ending here, -1 if none yet. */
  id: number;
  str?: Map<string, Map<string, LabelNode>>;
  num?: Map<string, Map<Int64, Map<string, LabelNode>>>;
}

/** The trie node after a string label. */
function strStep(node: LabelNode, key: string, str: string): LabelNode {
  const byKey = (node.str ??= new Map());
  let byStr = byKey.get(key);
  if (byStr === undefined) byKey.set(key, (byStr = new Map()));
  let next = byStr.get(str);
  if (next === undefined) byStr.set(str, (next = { id: -1 }));
  return next;
}

/** The trie node after a numeric label. */
function numStep(node: LabelNode, key: string, num: Int64, unit: string): LabelNode {
  const byKey = (node.num ??= new Map());
  let byNum = byKey.get(key);
  if (byNum === undefined) byKey.set(key, (byNum = new Map()));
  let byUnit = byNum.get(num);
  if (byUnit === undefined) byNum.set(num, (byUnit = new Map()));
  let next = byUnit.get(unit);
  if (next === undefined) byUnit.set(unit, (next = { id: -1 }));
  return next;
}

// ---------------------------------------------------------------------------
// The merger

/** Per-input state: its id lookups and what each of its objects became. */
interface Source {
  p: Profile;
  name: string;
  locPos: IdIndex;
  funcPos: IdIndex;
  mapPos: IdIndex;
  /** Source location position -> merged location index, -1 until mapped. */
  locMap: Int32Array;
  funcMap: Int32Array;
  mapMap: Int32Array;
  /** Source mapping position -> merged mapping start, for moving addresses. */
  mapStart: Int64[];
}

class Merger {
  private readonly nTypes: number;
  private readonly header: Omit<Profile, 'samples' | 'mappings' | 'locations' | 'functions' | 'stringTable'>;

  private readonly mappings: Mapping[] = [];
  private readonly mappingKeys = new Map<string, number>();
  private readonly locations: Location[] = [];
  private readonly locationKeys = new Map<string, number>();
  private readonly functions: ProfileFunction[] = [];
  private readonly functionKeys = new Map<string, number>();

  /** Labels of each label set, in pprof's order; set 0 is "no labels". */
  private readonly labelSets: Label[][] = [[]];
  private readonly labelRoot: LabelNode = { id: 0 };

  private readonly samples = new SampleTable();
  private scratch = new Int32Array(64);

  constructor(profiles: readonly Profile[]) {
    const first = profiles[0]!;
    this.nTypes = first.sampleTypes.length;
    let timeNanos: Int64 = 0;
    let durationNanos: Int64 = 0;
    let period: Int64 = 0;
    const comments: string[] = [];
    const seen = new Set<string>();
    let defaultSampleType = '';
    let docUrl = '';
    for (const s of profiles) {
      if (timeNanos === 0 || s.timeNanos < timeNanos) timeNanos = normalizeInt64(s.timeNanos);
      durationNanos = addInt64(durationNanos, s.durationNanos);
      if (period === 0 || period < s.period) period = normalizeInt64(s.period);
      for (const c of s.comments) {
        if (!seen.has(c)) {
          seen.add(c);
          comments.push(c);
        }
      }
      if (defaultSampleType === '') defaultSampleType = s.defaultSampleType;
      if (docUrl === '') docUrl = s.docUrl;
    }
    this.header = {
      sampleTypes: first.sampleTypes.map((t) => ({ type: t.type, unit: t.unit })),
      dropFrames: first.dropFrames,
      keepFrames: first.keepFrames,
      timeNanos,
      durationNanos,
      periodType: first.periodType ? { type: first.periodType.type, unit: first.periodType.unit } : null,
      period,
      comments,
      defaultSampleType,
      docUrl,
    };
  }

  add(input: MergeInput): void {
    const { profile: p, name } = input;
    const ratios = checkRatios(p, input.ratios);
    const setLabel = input.label;
    const src: Source = {
      p,
      name,
      locPos: new IdIndex(p.locations),
      funcPos: new IdIndex(p.functions),
      mapPos: new IdIndex(p.mappings),
      locMap: new Int32Array(p.locations.length).fill(-1),
      funcMap: new Int32Array(p.functions.length).fill(-1),
      mapMap: new Int32Array(p.mappings.length).fill(-1),
      mapStart: new Array<Int64>(p.mappings.length),
    };
    // The first mapping is the main binary: keep it first in the merged profile.
    if (this.mappings.length === 0 && p.mappings.length > 0) this.mapMapping(src, 0);

    const nTypes = this.nTypes;
    const samples = p.samples;
    const scaled = new Array<Int64>(nTypes).fill(0);
    // Merged location by (small) source location id: one load per frame on the hot path.
    const byId = new Int32Array(src.locPos.denseLength).fill(-1);
    for (let si = 0; si < samples.length; si++) {
      const s = samples[si]!;
      if (s.values.length !== nTypes) {
        throw new FormatError(name, `sample ${si}`, `has ${s.values.length} values for ${nTypes} sample types`);
      }
      let values = s.values;
      if (ratios !== null) {
        if (!scaleValuesInto(values, ratios, scaled)) continue;
        values = scaled;
      }
      let zero = true;
      for (let i = 0; i < nTypes; i++) {
        if (!isZero(values[i]!)) {
          zero = false;
          break;
        }
      }
      if (zero) continue;

      const ids = s.locationIds;
      const n = ids.length;
      if (this.scratch.length < n) this.scratch = new Int32Array(Math.max(n, this.scratch.length * 2));
      const stack = this.scratch;
      let h = 0;
      for (let j = 0; j < n; j++) {
        const id = ids[j]!;
        let loc: number;
        if (typeof id === 'number' && id < byId.length && byId[id]! >= 0) {
          loc = byId[id]!;
        } else {
          const pos = src.locPos.get(id);
          if (pos < 0) throw new FormatError(name, `sample ${si}`, `references location id ${id}, which the profile does not define`);
          loc = src.locMap[pos]!;
          if (loc < 0) loc = this.mapLocation(src, pos);
          if (typeof id === 'number' && id >= 0 && id < byId.length) byId[id] = loc;
        }
        stack[j] = loc;
        h = Math.imul(h ^ loc, 0x01000193) + j;
      }
      const ls = setLabel !== undefined || s.labels.length > 0 ? this.labelSetId(s.labels, setLabel) : 0;
      h = Math.imul(h ^ ls, 0x9e3779b1) ^ n;

      const found = this.samples.find(h, ls, stack, n);
      if (found >= 0) {
        const acc = this.samples.values[found]!;
        for (let i = 0; i < nTypes; i++) {
          const a = acc[i]!;
          const b = values[i]!;
          if (typeof a === 'number' && typeof b === 'number') {
            const sum = a + b;
            acc[i] = Number.isSafeInteger(sum) ? sum : addInt64(a, b);
          } else {
            acc[i] = addInt64(a, b);
          }
        }
      } else {
        const own = new Array<Int64>(nTypes);
        for (let i = 0; i < nTypes; i++) own[i] = normalizeInt64(values[i]!);
        this.samples.insert(-found - 1, h, ls, stack, n, own);
      }
    }
  }

  /**
   * The id of a sample's label set (0 for none), found through the trie without building
   * keys or, for labels in pprof's order, copying them. `set` is a string label to set
   * first (pprof's SetLabel: it replaces the key's string values).
   */
  private labelSetId(raw: readonly Label[], set?: { key: string; value: string }): number {
    const labels = inPprofOrder(raw) ? raw : pprofOrder(raw);
    let node = this.labelRoot;
    let pending = set;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      if (set !== undefined && l.str !== '' && l.key === set.key) continue;
      if (pending !== undefined && (l.str === '' || l.key > pending.key)) {
        node = strStep(node, pending.key, pending.value);
        pending = undefined;
      }
      node = l.str !== '' ? strStep(node, l.key, l.str) : numStep(node, l.key, normalizeInt64(l.num), l.numUnit);
    }
    if (pending !== undefined) node = strStep(node, pending.key, pending.value);
    if (node.id < 0) {
      node.id = this.labelSets.length;
      const all = set === undefined ? raw : [...raw.filter((l) => !(l.str !== '' && l.key === set.key)), { key: set.key, str: set.value, num: 0, numUnit: '' }];
      this.labelSets.push(
        pprofOrder(all).map((l) =>
          l.str !== '' ? { key: l.key, str: l.str, num: 0, numUnit: '' } : { key: l.key, str: '', num: normalizeInt64(l.num), numUnit: l.numUnit },
        ),
      );
    }
    return node.id;
  }

  /** Maps source mapping `pos`; returns the merged index. */
  private mapMapping(src: Source, pos: number): number {
    const done = src.mapMap[pos]!;
    if (done >= 0) return done;
    const m = src.p.mappings[pos]!;
    const key = mappingKey(m);
    let idx = this.mappingKeys.get(key);
    if (idx === undefined) {
      idx = this.mappings.length;
      this.mappings.push({
        id: idx + 1,
        memoryStart: normalizeInt64(m.memoryStart),
        memoryLimit: normalizeInt64(m.memoryLimit),
        fileOffset: normalizeInt64(m.fileOffset),
        filename: m.filename,
        buildId: m.buildId,
        hasFunctions: m.hasFunctions,
        hasFilenames: m.hasFilenames,
        hasLineNumbers: m.hasLineNumbers,
        hasInlineFrames: m.hasInlineFrames,
      });
      this.mappingKeys.set(key, idx);
    }
    src.mapMap[pos] = idx;
    src.mapStart[pos] = this.mappings[idx]!.memoryStart;
    return idx;
  }

  private mapFunction(src: Source, id: Int64, from: Location): number {
    const pos = src.funcPos.get(id);
    if (pos < 0) throw new FormatError(src.name, `location id ${from.id}`, `references function id ${id}, which the profile does not define`);
    const done = src.funcMap[pos]!;
    if (done >= 0) return done;
    const f = src.p.functions[pos]!;
    const key = functionKey(f);
    let idx = this.functionKeys.get(key);
    if (idx === undefined) {
      idx = this.functions.length;
      this.functions.push({
        id: idx + 1,
        name: f.name,
        systemName: f.systemName,
        filename: f.filename,
        startLine: normalizeInt64(f.startLine),
      });
      this.functionKeys.set(key, idx);
    }
    src.funcMap[pos] = idx;
    return idx;
  }

  /** Maps source location `pos`; returns the merged index. */
  private mapLocation(src: Source, pos: number): number {
    const l = src.p.locations[pos]!;
    let mapIdx = -1;
    let address = normalizeInt64(l.address);
    if (!isZero(l.mappingId)) {
      const mpos = src.mapPos.get(l.mappingId);
      if (mpos < 0) throw new FormatError(src.name, `location id ${l.id}`, `references mapping id ${l.mappingId}, which the profile does not define`);
      mapIdx = this.mapMapping(src, mpos);
      // Move the address into the merged mapping (profiles loaded at other addresses).
      address = addSubU64(l.address, src.mapStart[mpos]!, src.p.mappings[mpos]!.memoryStart);
    }
    const lines: Line[] = new Array<Line>(l.lines.length);
    for (let i = 0; i < l.lines.length; i++) {
      const ln = l.lines[i]!;
      const fid = isZero(ln.functionId) ? 0 : this.mapFunction(src, ln.functionId, l) + 1;
      lines[i] = { functionId: fid, line: normalizeInt64(ln.line), column: normalizeInt64(ln.column) };
    }
    // Keyed by the address relative to the mapping, to see through address space randomization.
    const rel = mapIdx >= 0 ? subU64(address, this.mappings[mapIdx]!.memoryStart) : address;
    const key = `${rel}/${mapIdx + 1}/${l.isFolded ? 1 : 0}/${linesKey(lines)}`;
    let idx = this.locationKeys.get(key);
    if (idx === undefined) {
      idx = this.locations.length;
      this.locations.push({ id: idx + 1, mappingId: mapIdx + 1, address, lines, isFolded: l.isFolded });
      this.locationKeys.set(key, idx);
    }
    src.locMap[pos] = idx;
    return idx;
  }

  hasZeroSample(): boolean {
    for (const v of this.samples.values) {
      let zero = true;
      for (let i = 0; i < v.length; i++) {
        if (v[i] !== 0) {
          zero = false;
          break;
        }
      }
      if (zero) return true;
    }
    return false;
  }

  result(): Profile {
    const t = this.samples;
    const pool = t.pool;
    const samples: Sample[] = new Array<Sample>(t.values.length);
    for (let i = 0; i < samples.length; i++) {
      const start = t.starts[i]!;
      const n = t.lens[i]!;
      const locationIds = new Array<Int64>(n);
      for (let j = 0; j < n; j++) locationIds[j] = pool[start + j]! + 1;
      // Samples with the same labels share the Label objects (not the arrays): millions of
      // copies would only feed the garbage collector.
      const labels = this.labelSets[t.labelIds[i]!]!;
      samples[i] = { locationIds, values: t.values[i]!, labels: labels.slice() };
    }
    const p: Profile = {
      ...this.header,
      samples,
      mappings: this.mappings,
      locations: this.locations,
      functions: this.functions,
      stringTable: [],
    };
    p.stringTable = buildStringTable(p);
    return p;
  }
}

/**
 * The merged samples, keyed by (label set, stack of merged location indexes): the stacks
 * live end to end in one Int32Array and an open-addressing table finds them, so a sample
 * costs no allocation beyond its values.
 */
class SampleTable {
  pool = new Int32Array(1 << 12);
  private poolLen = 0;
  readonly starts: number[] = [];
  readonly lens: number[] = [];
  readonly labelIds: number[] = [];
  readonly values: Int64[][] = [];
  private readonly hashes: number[] = [];
  /** Sample index + 1 per slot; 0 = empty. */
  private slots = new Int32Array(1 << 10);

  /** The sample with this key, or -(free slot + 1). `h` is the key's hash. */
  find(h: number, labelId: number, stack: Int32Array, n: number): number {
    h = mix(h);
    const mask = this.slots.length - 1;
    const pool = this.pool;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = this.slots[i]!;
      if (e === 0) return -i - 1;
      const idx = e - 1;
      if (this.hashes[idx] !== h || this.labelIds[idx] !== labelId || this.lens[idx] !== n) continue;
      const start = this.starts[idx]!;
      let j = 0;
      while (j < n && pool[start + j] === stack[j]) j++;
      if (j === n) return idx;
    }
  }

  /** Adds a sample at the free `slot` that find() returned for the same key. */
  insert(slot: number, h: number, labelId: number, stack: Int32Array, n: number, values: Int64[]): void {
    h = mix(h);
    const idx = this.values.length;
    if (this.poolLen + n > this.pool.length) {
      const grown = new Int32Array(Math.max(this.pool.length * 2, this.poolLen + n));
      grown.set(this.pool.subarray(0, this.poolLen));
      this.pool = grown;
    }
    const pool = this.pool;
    const at = this.poolLen;
    for (let j = 0; j < n; j++) pool[at + j] = stack[j]!;
    this.starts.push(this.poolLen);
    this.poolLen += n;
    this.lens.push(n);
    this.labelIds.push(labelId);
    this.values.push(values);
    this.hashes.push(h);
    this.slots[slot] = idx + 1;
    if ((idx + 1) * 2 > this.slots.length) this.grow();
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let idx = 0; idx < this.hashes.length; idx++) {
      let i = this.hashes[idx]! & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = idx + 1;
    }
    this.slots = slots;
  }
}

/** Spreads a 32-bit hash over the low bits (murmur3's finalizer). */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A string table in the order pprof's encoder builds it. */
export function buildStringTable(p: Profile): string[] {
  const table: string[] = [''];
  const seen = new Set<string>(table);
  const add = (s: string): void => {
    if (!seen.has(s)) {
      seen.add(s);
      table.push(s);
    }
  };
  for (const t of p.sampleTypes) {
    add(t.type);
    add(t.unit);
  }
  for (const s of p.samples) {
    for (const l of s.labels) {
      add(l.key);
      if (l.str !== '') add(l.str);
      else add(l.numUnit);
    }
  }
  for (const m of p.mappings) {
    add(m.filename);
    add(m.buildId);
  }
  for (const f of p.functions) {
    add(f.name);
    add(f.systemName);
    add(f.filename);
  }
  add(p.dropFrames);
  add(p.keepFrames);
  if (p.periodType) {
    add(p.periodType.type);
    add(p.periodType.unit);
  }
  for (const c of p.comments) add(c);
  add(p.defaultSampleType);
  add(p.docUrl);
  return table;
}
