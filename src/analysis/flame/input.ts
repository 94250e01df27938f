// What a flame graph shows of a profile: the stacks of one sample type after pprof's
// filters, and for a diff the base's stacks of the same type.
import { UserError } from '../../errors.js';
import type { Profile } from '../../formats/pprof/index.js';
import { normalizeRatios } from '../profile/diff.js';
import { checkCompatible } from '../profile/merge.js';
import { sampleStacks } from '../profile/stacks.js';
import type { TopOptions } from '../profile/top.js';
import type { FlameStack } from '../../shared/flame-tree.js';

export interface FlameInput {
  stacks: FlameStack[];
  base?: FlameStack[];
  sampleType: string;
  unit: string;
  /** pprof's notes about the filters ("Focus expression matched no samples"). */
  warnings: string[];
}

/**
 * Stacks of the shown sample type, with the base's for a diff. With `normalize`, the new
 * profile is scaled to the base's total first, as pprof's -normalize scales it: by the
 * whole profiles' totals of that type, before any filter.
 */
export function flameInput(profile: Profile, view: TopOptions, base?: Profile, normalize = false): FlameInput {
  const cur = sampleStacks(profile, view);
  const st = cur.sampleType;
  if (!base) return { stacks: cur.stacks, sampleType: st.type, unit: st.unit, warnings: cur.warnings };
  const b = sampleStacks(base, { ...view, sampleIndex: st.type });
  if (b.sampleType.unit !== st.unit) throw new UserError(`base profile's ${st.type} is in ${b.sampleType.unit}, the new one's in ${st.unit}: not comparable`);
  let stacks = cur.stacks;
  if (normalize) {
    checkCompatible(profile, base, 'profile', 'base profile');
    const f = normalizeRatios(profile, base)[cur.sampleIndex]!;
    stacks = stacks.map((s) => ({ frames: s.frames, value: s.value * f }));
  }
  // pprof filters the base and the new profile together: a filter matched nothing only if it matched nothing in either.
  const warnings = cur.warnings.filter((w) => b.warnings.includes(w));
  return { stacks, base: b.stacks, sampleType: st.type, unit: st.unit, warnings };
}
