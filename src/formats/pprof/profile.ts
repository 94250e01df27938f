// The typed model of a pprof profile (google/pprof proto/profile.proto).
//
// String-table indexes are resolved: every field the proto stores as a string index is a
// `string` here. `stringTable` keeps the original table (order and unused entries) so
// that encodeProfile(decodeProfile(x)) writes the same table; strings the encoder does
// not find in it are appended.
//
// 64-bit integers are `Int64`: a `number` when Number.isSafeInteger, otherwise a `bigint`
// (never a bigint holding a safe value), so values round-trip exactly. uint64 fields
// (ids, addresses, memory ranges) are never negative; int64 fields may be.

/** A 64-bit integer: `number` when it is a safe integer, `bigint` otherwise. */
export type Int64 = number | bigint;

export interface ValueType {
  /** e.g. "samples", "cpu", "alloc_space", "contentions", "goroutine". */
  type: string;
  /** e.g. "count", "nanoseconds", "bytes". */
  unit: string;
}

export interface Label {
  key: string;
  /** String value; "" for numeric labels. */
  str: string;
  /** Numeric value; 0 for string labels. */
  num: Int64;
  /** Unit of `num` ("bytes", "seconds", …); "" when unspecified. */
  numUnit: string;
}

export interface Sample {
  /** Location ids (uint64), leaf first. */
  locationIds: Int64[];
  /** One value per Profile.sampleTypes entry (int64, may be negative). */
  values: Int64[];
  labels: Label[];
}

export interface Mapping {
  /** Unique non-zero id (uint64). */
  id: Int64;
  memoryStart: Int64;
  memoryLimit: Int64;
  fileOffset: Int64;
  filename: string;
  buildId: string;
  hasFunctions: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
  hasInlineFrames: boolean;
}

export interface Line {
  /** Function id (uint64); 0 when unknown. */
  functionId: Int64;
  line: Int64;
  column: Int64;
}

export interface Location {
  /** Unique non-zero id (uint64). */
  id: Int64;
  /** Mapping id (uint64); 0 when none. */
  mappingId: Int64;
  address: Int64;
  /** Several lines mean inlining: the last one is the outermost caller. */
  lines: Line[];
  isFolded: boolean;
}

export interface ProfileFunction {
  /** Unique non-zero id (uint64). */
  id: Int64;
  name: string;
  systemName: string;
  filename: string;
  startLine: Int64;
}

export interface Profile {
  sampleTypes: ValueType[];
  samples: Sample[];
  mappings: Mapping[];
  locations: Location[];
  functions: ProfileFunction[];
  /** The original string table; entry 0 is "". */
  stringTable: string[];
  dropFrames: string;
  keepFrames: string;
  timeNanos: Int64;
  durationNanos: Int64;
  /** null when the profile has no period_type. */
  periodType: ValueType | null;
  period: Int64;
  comments: string[];
  defaultSampleType: string;
  docUrl: string;
}

/** An empty profile (string table [""]), for building profiles by hand. */
export function emptyProfile(): Profile {
  return {
    sampleTypes: [],
    samples: [],
    mappings: [],
    locations: [],
    functions: [],
    stringTable: [''],
    dropFrames: '',
    keepFrames: '',
    timeNanos: 0,
    durationNanos: 0,
    periodType: null,
    period: 0,
    comments: [],
    defaultSampleType: '',
    docUrl: '',
  };
}

/** Lookup tables by id. */
export interface ProfileIndex {
  mappings: Map<Int64, Mapping>;
  locations: Map<Int64, Location>;
  functions: Map<Int64, ProfileFunction>;
}

/** Builds id -> object maps (ids are canonical Int64s, so `map.get(5)` finds id 5). */
export function indexProfile(p: Profile): ProfileIndex {
  const mappings = new Map<Int64, Mapping>();
  for (const m of p.mappings) mappings.set(m.id, m);
  const locations = new Map<Int64, Location>();
  for (const l of p.locations) locations.set(l.id, l);
  const functions = new Map<Int64, ProfileFunction>();
  for (const f of p.functions) functions.set(f.id, f);
  return { mappings, locations, functions };
}

// ---- exact Int64 arithmetic ----

/** Canonical form: a number when safe, otherwise a bigint. */
export function normalizeInt64(v: number | bigint): Int64 {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`${v} is not a safe integer`);
    return v;
  }
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** The value as a bigint. */
export function toBigInt(v: Int64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** The value as a (possibly rounded) number, for display and ratios. */
export function int64ToNumber(v: Int64): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Exact decimal text. */
export function int64ToString(v: Int64): string {
  return typeof v === 'number' ? String(v) : v.toString();
}

/** Exact sum (not wrapped to 64 bits). */
export function addInt64(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a + b;
    if (Number.isSafeInteger(s)) return s;
  }
  return normalizeInt64(toBigInt(a) + toBigInt(b));
}

/** Exact difference a - b (not wrapped to 64 bits). */
export function subInt64(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a - b;
    if (Number.isSafeInteger(s)) return s;
  }
  return normalizeInt64(toBigInt(a) - toBigInt(b));
}

/** Exact negation. */
export function negInt64(a: Int64): Int64 {
  return typeof a === 'number' ? (a === 0 ? 0 : -a) : normalizeInt64(-a);
}

/** Exact comparison: negative, 0 or positive. */
export function compareInt64(a: Int64, b: Int64): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  // Mixed comparisons between number and bigint are exact in JavaScript.
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exact equality. */
export function equalInt64(a: Int64, b: Int64): boolean {
  // Canonical Int64s of equal value have the same type; `==` also covers non-canonical ones.
  // eslint-disable-next-line eqeqeq
  return a == b;
}

/** Exact sum of a list. */
export function sumInt64(values: Iterable<Int64>): Int64 {
  let n = 0;
  let big: bigint | null = null;
  for (const v of values) {
    if (big === null && typeof v === 'number') {
      const s = n + v;
      if (Number.isSafeInteger(s)) {
        n = s;
        continue;
      }
    }
    big = (big ?? BigInt(n)) + toBigInt(v);
  }
  return big === null ? n : normalizeInt64(big);
}
