// pprof's measurement package: unit scaling and the labels `go tool pprof` prints
// ("240ms", "1.50s", "9282.49kB", "82.76%"), replicated operation for operation
// (same float64 arithmetic, same Go formatting). The terminal reports and the flame
// graph page both format with this module, so they print the same strings as pprof.
import { formatFixed, formatGeneral, padLeft } from './go-float.js';

/** A pprof int64 (formats/pprof's Int64): a number, or a bigint beyond 2^53. */
export type Int64 = number | bigint;

interface Unit {
  canonical: string;
  aliases: readonly string[];
  factor: number;
}

interface UnitType {
  defaultUnit: Unit;
  units: readonly Unit[];
}

const UNIT_TYPES: readonly UnitType[] = [
  {
    units: [
      { canonical: 'B', aliases: ['b', 'byte'], factor: 1 },
      { canonical: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
      { canonical: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
      { canonical: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
      { canonical: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
      { canonical: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
    ],
    defaultUnit: { canonical: 'B', aliases: ['b', 'byte'], factor: 1 },
  },
  {
    units: [
      { canonical: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
      { canonical: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
      { canonical: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
      { canonical: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
      { canonical: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
    ],
    defaultUnit: { canonical: 's', aliases: [], factor: 1e9 },
  },
  {
    units: [
      { canonical: 'n*GCU', aliases: ['nanogcu'], factor: 1e-9 },
      { canonical: 'u*GCU', aliases: ['microgcu'], factor: 1e-6 },
      { canonical: 'm*GCU', aliases: ['milligcu'], factor: 1e-3 },
      { canonical: 'GCU', aliases: ['gcu'], factor: 1 },
      { canonical: 'k*GCU', aliases: ['kilogcu'], factor: 1e3 },
      { canonical: 'M*GCU', aliases: ['megagcu'], factor: 1e6 },
      { canonical: 'G*GCU', aliases: ['gigagcu'], factor: 1e9 },
      { canonical: 'T*GCU', aliases: ['teragcu'], factor: 1e12 },
      { canonical: 'P*GCU', aliases: ['petagcu'], factor: 1e15 },
    ],
    defaultUnit: { canonical: 'GCU', aliases: [], factor: 1 },
  },
];

/** Bytes of s in UTF-8 (Go's len of a string). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const sniffed = new Map<string, (Unit | null)[]>();

/** The unit named by an alias, after pprof's simplification (lower case, plural "s" off). */
function sniffUnit(ut: UnitType, unit: string): Unit | null {
  let found = sniffed.get(unit);
  if (found === undefined) {
    let u = unit.toLowerCase();
    // Go's len() counts bytes: "μs" is 3 bytes long, so its "s" goes too (and "μ" is
    // no unit: pprof prints such values bare).
    if (utf8Length(u) > 2 && u.endsWith('s')) u = u.slice(0, -1);
    found = UNIT_TYPES.map((t) => t.units.find((x) => x.aliases.includes(u)) ?? null);
    if (sniffed.size < 1000) sniffed.set(unit, found);
  }
  return found[UNIT_TYPES.indexOf(ut)]!;
}

function autoScale(ut: UnitType, value: number): [number, string] | null {
  let f = 0;
  let unit = '';
  for (const u of ut.units) {
    if (u.factor >= f && value / u.factor >= 1.0) {
      f = u.factor;
      unit = u.canonical;
    }
  }
  return f === 0 ? null : [value / f, unit];
}

function convertUnit(ut: UnitType, value: number, fromUnitStr: string, toUnitStr: string): [number, string] | null {
  const fromUnit = sniffUnit(ut, fromUnitStr);
  if (!fromUnit) return null;
  const v = value * fromUnit.factor;
  if (toUnitStr === 'minimum' || toUnitStr === 'auto') {
    return autoScale(ut, v) ?? [v / ut.defaultUnit.factor, ut.defaultUnit.canonical];
  }
  const toUnit = sniffUnit(ut, toUnitStr);
  if (!toUnit) return [v / ut.defaultUnit.factor, ut.defaultUnit.canonical];
  return [v / toUnit.factor, toUnit.canonical];
}

const MIN_INT64 = -(2n ** 63n);

/**
 * measurement.Scale: `value` (an int64) converted from `fromUnit` to `toUnit` ("minimum"
 * and "auto" pick the largest unit keeping the value >= 1). The unit is "" when it is not
 * worth printing (counts).
 */
export function scale(value: Int64, fromUnit: string, toUnit: string): [number, string] {
  if (value < 0 && value !== MIN_INT64) {
    const [v, u] = scale(typeof value === 'bigint' ? -value : -value, fromUnit, toUnit);
    return [-v, u];
  }
  const fv = Number(value);
  for (const ut of UNIT_TYPES) {
    const r = convertUnit(ut, fv, fromUnit, toUnit);
    if (r) return r;
  }
  switch (toUnit) {
    case 'count':
    case 'sample':
    case 'unit':
    case 'minimum':
    case 'auto':
      return [fv, ''];
    default:
      return [fv, toUnit];
  }
}

/** measurement.ScaledLabel: "240ms", "1.50s", "9282.49kB", "0". */
export function scaledLabel(value: Int64, fromUnit: string, toUnit: string): string {
  const [v, u] = scale(value, fromUnit, toUnit);
  let sv = formatFixed(v, 2);
  if (sv.endsWith('.00')) sv = sv.slice(0, -3);
  if (sv === '0' || sv === '-0') return '0';
  return sv + u;
}

/** measurement.Label: the value in the unit that suits it best. */
export function label(value: Int64, unit: string): string {
  return scaledLabel(value, unit, 'auto');
}

/** |value / total| × 100 as float64, the ratio pprof prints (0 when total is 0). */
export function percentRatio(value: Int64, total: Int64): number {
  const t = Number(total);
  return t !== 0 ? Math.abs(Number(value) / t) * 100 : 0;
}

/** measurement.Percentage for a ratio from percentRatio: "82.76%", "  100%", "0.017%", "    0%". */
export function formatPercent(ratio: number): string {
  const a = Math.abs(ratio);
  if (a >= 99.95 && a <= 100.05) return '  100%';
  if (a >= 1.0) return padLeft(formatFixed(ratio, 2), 5) + '%';
  return padLeft(formatGeneral(ratio, 2), 5) + '%';
}

/** measurement.Percentage(value, total). */
export function percentage(value: Int64, total: Int64): string {
  return formatPercent(percentRatio(value, total));
}

/** measurement.Percentage without its column padding, as the flame graph shows it: "82.76%", "100%", "0.017%". */
export function percentageLabel(value: Int64, total: Int64): string {
  return percentage(value, total).trimStart();
}
