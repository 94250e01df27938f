// pprof's -tagfocus/-tagignore: sample filters on labels (driver_focus.go compileTagFilter).
//
// "key=value" or "value"; the value is a numeric range when it reads like one ("1kb:4kb",
// ":64mb", "4mb:", "32kb"), compared in the label's unit, otherwise comma-separated regexps.
// Without a key, a string regexp is matched against "key:value" of every string label
// (all regexps must match some label); with a key, against that key's values (any
// regexp). Labels are read the way pprof's decoder reads them: a label with a string value
// is a string label, one with a number or a unit a numeric label, others do not exist.
import { UsageError } from '../../errors.js';
import type { Int64, Profile, Sample } from '../../formats/pprof/index.js';
import { compileGoRegexp } from './regexp.js';
import { scale } from '../../shared/units.js';

export type SampleMatcher = (s: Sample) => boolean;

function isString(l: Sample['labels'][number]): boolean {
  return l.str !== '';
}
function isNumeric(l: Sample['labels'][number]): boolean {
  return l.str === '' && (l.num !== 0 || l.numUnit !== '');
}

/**
 * pprof's Profile.NumLabelUnits: for every numeric label key, the first unit any sample
 * gives it, else "bytes" for "alignment" and "request", else the key itself. `ignored`
 * lists, per key, other units also seen (sorted).
 */
export function numLabelUnits(p: Profile): { units: Map<string, string>; ignored: Map<string, string[]> } {
  const units = new Map<string, string>();
  const ignored = new Map<string, Set<string>>();
  const keys = new Set<string>();
  for (const s of p.samples) {
    for (const l of s.labels) {
      if (!isNumeric(l)) continue;
      keys.add(l.key);
      if (l.numUnit === '') continue;
      const want = units.get(l.key);
      if (want === undefined) units.set(l.key, l.numUnit);
      else if (want !== l.numUnit) {
        let set = ignored.get(l.key);
        if (!set) ignored.set(l.key, (set = new Set()));
        set.add(l.numUnit);
      }
    }
  }
  for (const k of keys) {
    if (!units.get(k)) units.set(k, k === 'alignment' || k === 'request' ? 'bytes' : k);
  }
  const out = new Map<string, string[]>();
  for (const [k, set] of ignored) out.set(k, [...set].sort());
  return { units, ignored: out };
}

function parseInt64(digits: string): Int64 {
  const v = BigInt(digits);
  if (v > 2n ** 63n - 1n || v < -(2n ** 63n)) throw new UsageError(`tag filter: ${digits} is out of the int64 range`);
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

type NumFilter = (v: Int64, unit: string) => boolean;

/** driver_focus.go parseTagFilterRange: a range test, or null when `filter` is not one. */
export function parseTagFilterRange(filter: string): NumFilter | null {
  const rx = /([+-]?[0-9]+)([A-Za-z]+)?/g;
  const ranges: RegExpExecArray[] = [];
  for (let m: RegExpExecArray | null; ranges.length < 2 && (m = rx.exec(filter));) ranges.push(m);
  if (ranges.length === 0) return null;
  const r0 = ranges[0]!;
  const [scaledValue, unit] = scale(parseInt64(r0[1]!), r0[2] ?? '', r0[2] ?? '');
  const inUnit = (v: Int64, u: string): number | null => {
    const [sv, su] = scale(v, u, unit);
    return su === unit ? sv : null;
  };
  if (ranges.length === 1) {
    const match = r0[0];
    if (filter === match) return (v, u) => inUnit(v, u) === scaledValue;
    if (filter === match + ':')
      return (v, u) => {
        const sv = inUnit(v, u);
        return sv !== null && sv >= scaledValue;
      };
    if (filter === ':' + match)
      return (v, u) => {
        const sv = inUnit(v, u);
        return sv !== null && sv <= scaledValue;
      };
    return null;
  }
  const r1 = ranges[1]!;
  if (filter !== r0[0] + ':' + r1[0]) return null;
  const [scaledValue2, unit2] = scale(parseInt64(r1[1]!), r1[2] ?? '', unit);
  if (unit !== unit2) return null;
  return (v, u) => {
    const sv = inUnit(v, u);
    return sv !== null && sv >= scaledValue && sv <= scaledValue2;
  };
}

/**
 * driver_focus.go compileTagFilter. `name` is the option ("tagfocus"); pprof's notice
 * that a value was read as a range goes to `notices`.
 */
export function compileTagFilter(name: string, value: string, units: Map<string, string>, notices: string[]): SampleMatcher {
  let wantKey = '';
  const eq = value.indexOf('=');
  if (eq >= 0) {
    wantKey = value.slice(0, eq);
    value = value.slice(eq + 1);
  }
  const numFilter = parseTagFilterRange(value);
  if (numFilter) {
    notices.push(`${name}:Interpreted '${value}' as range, not regexp`);
    if (wantKey === '') {
      return (s) => {
        for (const l of s.labels) if (isNumeric(l) && numFilter(l.num, units.get(l.key) ?? '')) return true;
        return false;
      };
    }
    const unit = units.get(wantKey) ?? '';
    return (s) => {
      for (const l of s.labels) if (l.key === wantKey && isNumeric(l) && numFilter(l.num, unit)) return true;
      return false;
    };
  }
  const rfx = value.split(',').map((part) => compileGoRegexp(part, name));
  if (wantKey === '') {
    return (s) => {
      for (const rx of rfx) {
        let matched = false;
        for (const l of s.labels) {
          if (isString(l) && rx.test(l.key + ':' + l.str)) {
            matched = true;
            break;
          }
        }
        if (!matched) return false;
      }
      return true;
    };
  }
  return (s) => {
    for (const rx of rfx) {
      for (const l of s.labels) if (l.key === wantKey && isString(l) && rx.test(l.str)) return true;
    }
    return false;
  };
}
