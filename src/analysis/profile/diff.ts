// Scaling and comparing profiles the way `go tool pprof` does (internal/driver/fetch.go):
//
//   -base=B A       A merged with B scaled by -1
//   -diff_base=B A  the same, with every sample of B labelled pprof::base=true first, so
//                   base and current samples never cancel and reports can tell them apart
//   -normalize      before that, A is scaled so that its total of each sample type equals
//                   B's (pprof calls A.Normalize(B): it is the current profile that is scaled)
//
// Scaling follows pprof's Profile.ScaleN: value = round(value * ratio), half away from
// zero, and samples whose scaled values are all zero are dropped. Integer ratios (-1 above
// all) are applied exactly in Int64 arithmetic, where pprof goes through float64 and loses
// the low bits of values beyond 2^53.

import { toBigInt, type Label, type Profile, type Sample } from '../../formats/pprof/index.js';
import { checkCompatible, checkRatios, mergeInputs, scaleValuesInto, type MergeInput } from './merge.js';

/** The label pprof puts on the samples of a -diff_base profile. */
export const BASE_LABEL = 'pprof::base';

/** True for a sample that came from the base of a diffProfiles result (pprof's DiffBaseSample). */
export function isBaseSample(s: Sample): boolean {
  for (const l of s.labels) if (l.key === BASE_LABEL && l.str === 'true') return true;
  return false;
}

/**
 * pprof's Profile.ScaleN: multiplies the values of sample type i by ratios[i] (see
 * scaleValue in merge.ts). Samples whose scaled values are all zero are dropped; as in
 * pprof only the types whose ratio is not 1 decide that, and ratios that are all 1 change
 * nothing (`p` itself is returned). Otherwise the result is a new profile sharing
 * everything but the samples with `p`.
 */
export function scaleProfileN(p: Profile, ratios: readonly number[]): Profile {
  const r = checkRatios(p, ratios);
  if (r === null) return p;
  const samples: Sample[] = [];
  for (const s of p.samples) {
    const values = new Array<Sample['values'][number]>(s.values.length);
    if (scaleValuesInto(s.values, r, values)) samples.push({ locationIds: s.locationIds, values, labels: s.labels });
  }
  return { ...p, samples };
}

/** pprof's Profile.Scale: every value times `factor` (exact for integer factors). */
export function scaleProfile(p: Profile, factor: number): Profile {
  return scaleProfileN(
    p,
    p.sampleTypes.map(() => factor),
  );
}

/**
 * The ratios of pprof's p.Normalize(base): per sample type, base's total over p's (0 when
 * p's total is 0).
 */
export function normalizeRatios(p: Profile, base: Profile): number[] {
  const baseSums = totals(base);
  return totals(p).map((s, i) => (s === 0n ? 0 : Number(baseSums[i]!) / Number(s)));
}

/**
 * pprof's p.Normalize(base): scales `p` so that its total of each sample type equals
 * `base`'s (a type that sums to zero in `p` is scaled by 0).
 */
export function normalizeProfile(p: Profile, base: Profile, names?: { profile?: string; base?: string }): Profile {
  checkCompatible(p, base, names?.profile ?? 'profile', names?.base ?? 'base profile');
  return scaleProfileN(p, normalizeRatios(p, base));
}

/** Exact totals per sample type. */
function totals(p: Profile): bigint[] {
  const n = p.sampleTypes.length;
  const safe = new Array<number>(n).fill(0);
  const big = new Array<bigint>(n).fill(0n);
  for (const s of p.samples) {
    for (let i = 0; i < n; i++) {
      const v = s.values[i]!;
      const x = typeof v === 'number' ? safe[i]! + v : NaN;
      if (Number.isSafeInteger(x)) safe[i] = x;
      else big[i] = big[i]! + toBigInt(v);
    }
  }
  return big.map((b, i) => b + BigInt(safe[i]!));
}

/** `p` with the string label `key` set to `value` on every sample (pprof's SetLabel). */
export function setSampleLabel(p: Profile, key: string, value: string): Profile {
  const samples = p.samples.map((s): Sample => {
    const labels: Label[] = s.labels.filter((l) => !(l.key === key && l.str !== ''));
    labels.push({ key, str: value, num: 0, numUnit: '' });
    return { locationIds: s.locationIds, values: s.values, labels };
  });
  return { ...p, samples };
}

export interface DiffOptions {
  /** Scale the current profile to the base's totals first (pprof -normalize). */
  normalize?: boolean;
  /** Names for error messages (default "base profile" and "profile"). */
  baseName?: string;
  currentName?: string;
}

function combine(base: Profile, current: Profile, opts: DiffOptions, label: boolean): Profile {
  const baseName = opts.baseName ?? 'base profile';
  const currentName = opts.currentName ?? 'profile';
  checkCompatible(current, base, currentName, baseName);
  // Both inputs are scaled and labelled inside the merge, without intermediate copies.
  const cur: MergeInput = { profile: current, name: currentName };
  if (opts.normalize) cur.ratios = normalizeRatios(current, base);
  const neg: MergeInput = { profile: base, name: baseName, ratios: base.sampleTypes.map(() => -1) };
  if (label) neg.label = { key: BASE_LABEL, value: 'true' };
  return mergeInputs([cur, neg]);
}

/**
 * What `go tool pprof -diff_base=BASE CURRENT` analyses: CURRENT merged with BASE negated,
 * BASE's samples labelled pprof::base=true (see isBaseSample). With `normalize`, CURRENT
 * is first scaled to BASE's totals (-normalize).
 */
export function diffProfiles(base: Profile, current: Profile, opts: DiffOptions = {}): Profile {
  return combine(base, current, opts, true);
}

/**
 * What `go tool pprof -base=BASE CURRENT` analyses: CURRENT minus BASE, identical samples
 * netted (those that cancel out are dropped).
 */
export function subtractBase(base: Profile, current: Profile, opts: DiffOptions = {}): Profile {
  return combine(base, current, opts, false);
}
