// Which of a profile's sample types a report shows (pprof's -sample_index).
import { UsageError, UserError } from '../../errors.js';
import type { Profile } from '../../formats/pprof/index.js';

/**
 * pprof's Profile.SampleIndexByName: without `sampleIndex`, the profile's
 * default_sample_type if it names one of its types, else the last type; otherwise a
 * numeric index or a type name ("inuse_space" also finds "space").
 */
export function selectSampleIndex(p: Profile, sampleIndex?: string): number {
  if (p.sampleTypes.length === 0) throw new UserError('profile has no samples: it declares no sample types');
  const n = p.sampleTypes.length;
  if (sampleIndex === undefined || sampleIndex === '') {
    if (p.defaultSampleType !== '') {
      const i = p.sampleTypes.findIndex((t) => t.type === p.defaultSampleType);
      if (i >= 0) return i;
    }
    return n - 1;
  }
  // strconv.Atoi: an optional sign and decimal digits, within int64 (else not a number).
  if (/^[+-]?\d+$/.test(sampleIndex)) {
    const i = BigInt(sampleIndex);
    if (i >= -(2n ** 63n) && i < 2n ** 63n) {
      if (i < 0n || i >= BigInt(n)) throw new UsageError(`sample_index ${sampleIndex} is outside the range [0..${n - 1}]`);
      return Number(i);
    }
  }
  const noInuse = sampleIndex.startsWith('inuse_') ? sampleIndex.slice('inuse_'.length) : sampleIndex;
  const i = p.sampleTypes.findIndex((t) => t.type === sampleIndex || t.type === noInuse);
  if (i >= 0) return i;
  throw new UsageError(`sample_index ${JSON.stringify(sampleIndex)} must be one of: [${p.sampleTypes.map((t) => t.type).join(' ')}]`);
}
