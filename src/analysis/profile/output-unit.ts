// report.selectOutputUnit: the one unit a text report prints every value in, chosen from
// the smallest non-zero node value and the total (pprof's default -unit=minimum).
import type { Int64 } from '../../formats/pprof/index.js';
import { scale } from '../../shared/units.js';

function abs(v: Int64): Int64 {
  return v < 0 ? (typeof v === 'bigint' ? -v : -v) : v;
}

/** `nodes` gives each shown node's flat and cum; `total` is the report total. */
export function selectOutputUnit(sampleUnit: string, nodes: Iterable<[Int64, Int64]>, total: Int64): string {
  let minValue: Int64 = 0;
  let any = false;
  for (const [flat, cum] of nodes) {
    any = true;
    let nodeMin = abs(flat);
    if (nodeMin === 0) nodeMin = abs(cum);
    if (nodeMin > 0 && (minValue === 0 || nodeMin < minValue)) minValue = nodeMin;
  }
  // With no nodes pprof keeps "minimum": every value then picks its own unit.
  if (!any) return 'minimum';
  const maxValue = total;
  if (minValue === 0) minValue = maxValue;
  const [, minUnit] = scale(minValue, sampleUnit, 'minimum');
  const [, maxUnit] = scale(maxValue, sampleUnit, 'minimum');
  let unit = minUnit;
  const min100 = BigInt.asIntN(64, BigInt(minValue) * 100n);
  if (minUnit !== maxUnit && min100 < BigInt(maxValue)) {
    // Scale the minimum by 100 so it can print as 0.01 of a larger unit.
    const m = min100 >= -9007199254740991n && min100 <= 9007199254740991n ? Number(min100) : min100;
    [, unit] = scale(m, sampleUnit, 'minimum');
  }
  return unit !== '' ? unit : sampleUnit;
}
