// Times as logs write them, to Unix nanoseconds (bigint: ns since 1970 need 61 bits):
// RFC 3339 / ISO 8601 with any fraction and zone (a time without a zone is local, as the
// log package writes it), the log package's "2006/01/02 15:04:05.000000", and epoch
// numbers in seconds (zap's float), milliseconds, microseconds or nanoseconds, read from
// their digits so nothing is lost to floating point.

const ISO = /^(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9})\d*)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export function parseTimeText(s: string): bigint | null {
  const t = s.trim();
  const c = t.charCodeAt(0);
  if (c < 48 || c > 57) return null;
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(t)) return epochOf(t);
  const m = ISO.exec(t);
  if (!m) return null;
  const [y, mo, d, h, mi, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return null;
  const frac = m[7] ? BigInt(m[7].padEnd(9, '0')) : 0n;
  let ms: number;
  const zone = m[8];
  if (zone === undefined) ms = new Date(y, mo - 1, d, h, mi, sec).getTime();
  else {
    ms = Date.UTC(y, mo - 1, d, h, mi, sec);
    if (zone !== 'Z' && zone !== 'z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const off = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
      ms -= sign * off * 60_000;
    }
  }
  if (!Number.isFinite(ms)) return null;
  return BigInt(ms) * 1_000_000n + frac;
}

/**
 * An epoch number as text. The unit follows from the size of the integer part, as every
 * reader of such logs must guess: up to 11 digits seconds, 14 milliseconds, 17
 * microseconds, else nanoseconds (good from 1973 to 5138).
 */
export function epochOf(t: string): bigint | null {
  if (/e/i.test(t)) {
    const n = Number(t);
    if (!Number.isFinite(n)) return null;
    t = n.toFixed(9).replace(/\.?0+$/, '');
  }
  const neg = t.startsWith('-');
  if (neg) return null;
  const [int = '', fracRaw = ''] = t.split('.');
  const digits = int.replace(/^0+/, '').length;
  const scale = digits <= 11 ? 9 : digits <= 14 ? 6 : digits <= 17 ? 3 : 0;
  const frac = fracRaw.slice(0, scale).padEnd(scale, '0');
  return BigInt(int || '0') * 10n ** BigInt(scale) + (scale ? BigInt(frac || '0') : 0n);
}

/** RFC 3339 with nanoseconds, UTC, for output. */
export function formatNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return new Date(ms).toISOString().slice(0, 19) + '.' + frac + 'Z';
}
