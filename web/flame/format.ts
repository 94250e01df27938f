// Value formatting as pprof prints it (internal/measurement: ScaledLabel with the "auto"
// unit, Percentage), so the flame graph shows the same strings as `go tool pprof -top`
// and goscope's terminal output.
namespace GoscopeFlame {
  interface Unit {
    name: string;
    aliases: string[];
    factor: number;
  }
  interface UnitType {
    units: Unit[];
    def: Unit;
  }

  const UNIT_TYPES: UnitType[] = [
    {
      units: [
        { name: 'B', aliases: ['b', 'byte'], factor: 1 },
        { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
        { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
        { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
        { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
        { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
      ],
      def: { name: 'B', aliases: [], factor: 1 },
    },
    {
      units: [
        { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
        { name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
        { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
        { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
        { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
      ],
      def: { name: 's', aliases: [], factor: 1e9 },
    },
    {
      units: [
        { name: 'n*GCU', aliases: ['nanogcu'], factor: 1e-9 },
        { name: 'u*GCU', aliases: ['microgcu'], factor: 1e-6 },
        { name: 'm*GCU', aliases: ['milligcu'], factor: 1e-3 },
        { name: 'GCU', aliases: ['gcu'], factor: 1 },
        { name: 'k*GCU', aliases: ['kilogcu'], factor: 1e3 },
        { name: 'M*GCU', aliases: ['megagcu'], factor: 1e6 },
        { name: 'G*GCU', aliases: ['gigagcu'], factor: 1e9 },
        { name: 'T*GCU', aliases: ['teragcu'], factor: 1e12 },
        { name: 'P*GCU', aliases: ['petagcu'], factor: 1e15 },
      ],
      def: { name: 'GCU', aliases: [], factor: 1 },
    },
  ];

  function sniffUnit(ut: UnitType, unit: string): Unit | null {
    let u = unit.toLowerCase();
    if (u.length > 2 && u.endsWith('s')) u = u.slice(0, -1);
    for (const x of ut.units) if (x.aliases.indexOf(u) >= 0) return x;
    return null;
  }

  /** Go's fmt "%.2f": like toFixed(2), but exact ties round to even as Go does. */
  export function fixed2(x: number): string {
    const s = x.toFixed(2);
    // A value whose third decimal is an exact 5 is an odd multiple of 1/8 (x * 8 is exact).
    const e = x * 8;
    if (!Number.isInteger(e) || e % 2 === 0) return s;
    const m = Math.abs(x) * 100;
    const lower = Math.floor(m);
    const even = lower % 2 === 0 ? lower : lower + 1;
    return (x < 0 ? '-' : '') + (even / 100).toFixed(2);
  }

  /** pprof's measurement.ScaledLabel(value, unit, "auto"): "240ms", "1.50MB", "1234". */
  export function formatValue(value: number, unit: string): string {
    if (value < 0) {
      const s = formatValue(-value, unit);
      return s === '0' ? '0' : '-' + s;
    }
    let v = value;
    let u = '';
    let known = false;
    for (const ut of UNIT_TYPES) {
      const from = sniffUnit(ut, unit);
      if (!from) continue;
      known = true;
      const base = value * from.factor;
      let f = 0;
      for (const x of ut.units) {
        if (x.factor >= f && base / x.factor >= 1) {
          f = x.factor;
          u = x.name;
        }
      }
      if (f === 0) {
        v = base / ut.def.factor;
        u = ut.def.name;
      } else {
        v = base / f;
      }
      break;
    }
    // pprof prints values of other units bare (Scale drops the unit when scaling to "auto").
    if (!known) u = '';
    let sv = fixed2(v);
    if (sv.endsWith('.00')) sv = sv.slice(0, -3);
    if (sv === '0' || sv === '-0') return '0';
    return sv + u;
  }

  /** pprof's measurement.Percentage without its column padding: "45.30%", "100%", "0.52%". */
  export function formatPercent(value: number, total: number): string {
    const ratio = total !== 0 ? Math.abs(value / total) * 100 : 0;
    if (ratio >= 99.95 && ratio <= 100.05) return '100%';
    if (ratio >= 1) return fixed2(ratio) + '%';
    if (ratio === 0) return '0%';
    // Go's %.2g: two significant digits, trailing zeros dropped.
    let s = ratio.toPrecision(2);
    if (s.indexOf('e') < 0 && s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
    return s + '%';
  }

  /** A raw value for the tooltip: integers exactly, others with up to 6 decimals. */
  export function formatRaw(value: number): string {
    return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(6)));
  }
}
