// The delta of two captures of a cumulative profile (allocs, heap alloc_*, mutex, block):
// what happened between them. Same computation as net/http/pprof's `?seconds=N` delta
// profiles: the older capture scaled by -1 (exactly) merged with the newer one, so each
// stack (with its labels) gets newer minus older; stacks that net to zero in every sample
// type are dropped.
//
// Negative remainders are kept, not clamped: they mean the older capture counted more for
// that stack, which a cumulative counter cannot do unless the process restarted between the
// captures (its counters started again from zero), the sample type is not cumulative (a
// heap profile's inuse_* values go down when memory is freed), or the runtime's estimate
// moved (heap samples are scaled up from the sampling rate per stack). The result says so
// in a profile comment when it happens.
//
// Unlike net/http/pprof, which stamps the delta with the newer capture's time, the result
// has the older capture's time and the span between the captures as its duration, so
// [time, time + duration] is the window the values cover.

import { subInt64, type Int64, type Profile } from '../../formats/pprof/index.js';
import { buildStringTable, checkCompatible, mergeInputs } from './merge.js';

export interface DeltaOptions {
  /** Names for error messages (default "older profile" and "newer profile"). */
  olderName?: string;
  newerName?: string;
}

/** `newer` minus `older`, per identical stack and labels; see the file comment. */
export function deltaProfile(older: Profile, newer: Profile, opts: DeltaOptions = {}): Profile {
  const olderName = opts.olderName ?? 'older profile';
  const newerName = opts.newerName ?? 'newer profile';
  checkCompatible(older, newer, olderName, newerName);
  const merged = mergeInputs([
    { profile: older, name: olderName, ratios: older.sampleTypes.map(() => -1) },
    { profile: newer, name: newerName },
  ]);

  const bothTimed = older.timeNanos !== 0 && newer.timeNanos !== 0;
  const timeNanos: Int64 = older.timeNanos !== 0 ? older.timeNanos : newer.timeNanos;
  const durationNanos: Int64 = bothTimed ? subInt64(newer.timeNanos, older.timeNanos) : 0;

  let negative = 0;
  for (const s of merged.samples) {
    if (s.values.some((v) => v < 0)) negative++;
  }
  const comments = merged.comments.slice();
  if (negative > 0) {
    comments.push(
      `goscope delta: ${negative} of ${merged.samples.length} stacks have negative values (the older capture counted more: ` +
        'the process restarted between captures, or the sample type is not cumulative)',
    );
  }
  const out: Profile = { ...merged, timeNanos, durationNanos, comments };
  out.stringTable = buildStringTable(out);
  return out;
}
