// Go's fmt verbs %.Nf and %.Ng for float64, digit for digit, so values and percentages
// print exactly as `go tool pprof` prints them.
//
// Go rounds the exact binary value half to even ("%.2f" of 0.125 is "0.12"); JavaScript's
// toFixed/toExponential round exact halves up. Halfway cases are detected exactly and
// redone on the value's exact decimal expansion; every other value takes the fast path.

/** The exact decimal digits of a positive finite double: value = 0.digits × 10^dp. */
interface Decimal {
  d: string; // no leading or trailing zeros; "" for zero
  dp: number;
}

const pow5Cache: bigint[] = [1n];
function pow5(k: number): bigint {
  for (let i = pow5Cache.length; i <= k; i++) pow5Cache.push(pow5Cache[i - 1]! * 5n);
  return pow5Cache[k]!;
}

const view = new DataView(new ArrayBuffer(8));

function exactDecimal(x: number): Decimal {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  let exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) exp = 1;
  else mant |= 1n << 52n;
  const e2 = exp - 1075; // x = mant × 2^e2
  let digits: string;
  let dp: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    dp = digits.length;
  } else {
    // mant / 2^k = mant × 5^k / 10^k
    digits = (mant * pow5(-e2)).toString();
    dp = digits.length + e2;
  }
  return trim({ d: digits, dp });
}

function trim(a: Decimal): Decimal {
  let n = a.d.length;
  while (n > 0 && a.d.charCodeAt(n - 1) === 48) n--;
  return n === a.d.length ? a : { d: a.d.slice(0, n), dp: n === 0 ? 0 : a.dp };
}

/** Go's decimal.Round: keep nd digits, rounding the exact value half to even. */
function round(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  const c = a.d.charCodeAt(nd);
  let up: boolean;
  if (c === 53 && nd + 1 === a.d.length) up = nd > 0 && (a.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  else up = c >= 53;
  if (!up) return trim({ d: a.d.slice(0, nd), dp: a.d.length === 0 || nd === 0 ? 0 : a.dp });
  let i = nd - 1;
  while (i >= 0 && a.d.charCodeAt(i) === 57) i--;
  if (i < 0) return { d: '1', dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String.fromCharCode(a.d.charCodeAt(i) + 1), dp: a.dp };
}

function fmtF(a: Decimal, prec: number): string {
  let s = '';
  if (a.dp > 0) {
    const m = Math.min(a.d.length, a.dp);
    s = a.d.slice(0, m) + '0'.repeat(a.dp - m);
  } else {
    s = '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = a.dp + i - 1;
      s += j >= 0 && j < a.d.length ? a.d[j] : '0';
    }
  }
  return s;
}

function fmtE(a: Decimal, prec: number): string {
  let s = a.d.length === 0 ? '0' : a.d[0]!;
  if (prec > 0) {
    s += '.';
    let i = 1;
    const m = Math.min(a.d.length, prec + 1);
    if (i < m) {
      s += a.d.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) s += '0';
  }
  const exp = a.d.length === 0 ? 0 : a.dp - 1;
  const abs = Math.abs(exp);
  return s + (exp < 0 ? 'e-' : 'e+') + (abs < 10 ? '0' : '') + abs;
}

/** Go's formatDigits for %g with an explicit precision. */
function fmtG(a: Decimal, prec: number): string {
  let eprec = prec;
  if (eprec > a.d.length && a.d.length >= a.dp) eprec = a.d.length;
  const exp = a.dp - 1;
  if (exp < -4 || exp >= eprec) {
    return fmtE(a, (prec > a.d.length ? a.d.length : prec) - 1);
  }
  if (prec > a.dp) prec = a.d.length;
  return fmtF(a, Math.max(prec - a.dp, 0));
}

/** Whether rounding x > 0 to f fractional digits (f may be negative) hits an exact half. */
function isHalfway(x: number, f: number): boolean {
  if (f >= 0) {
    // x × 10^f = n + 1/2 exactly  <=>  x × 2^(f+1) is an odd integer.
    const y = x * 2 ** (f + 1);
    return Number.isInteger(y) && y % 2 === 1;
  }
  if (-f > 22 || !Number.isInteger(x)) return false;
  const u = 10 ** -f;
  return x % u === u / 2;
}

function isFinitePositive(x: number): boolean {
  return x > 0 && Number.isFinite(x);
}

/** Go's fmt.Sprintf("%.{prec}f", x). */
export function formatFixed(x: number, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let body: string;
  if (ax === 0) body = fmtF({ d: '', dp: 0 }, prec);
  else if (ax < 1e21 && !isHalfway(ax, prec)) body = ax.toFixed(prec);
  else {
    const d = exactDecimal(ax);
    body = fmtF(round(d, d.dp + prec), prec);
  }
  return neg ? '-' + body : body;
}

/** Go's fmt.Sprintf("%.{prec}g", x). */
export function formatGeneral(x: number, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (prec === 0) prec = 1;
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let d: Decimal;
  if (ax === 0) {
    d = { d: '', dp: 0 };
  } else {
    const e = ax.toExponential(prec - 1); // "d.ddde±x", rounded at the right digit
    const ei = e.indexOf('e');
    const e10 = Number(e.slice(ei + 1));
    // The rounding position is prec-1-exponent of x; the exponent of the rounded text
    // can be one more than x's own, so check both positions for an exact half.
    if (isFinitePositive(ax) && (isHalfway(ax, prec - 1 - e10) || isHalfway(ax, prec - e10))) {
      d = round(exactDecimal(ax), prec);
    } else {
      d = trim({ d: e.slice(0, ei).replace('.', ''), dp: e10 + 1 });
    }
  }
  const body = fmtG(d, prec);
  return neg ? '-' + body : body;
}

/** Right-aligns s in a field of `width` characters, like Go's %{width}s. */
export function padLeft(s: string, width: number): string {
  // Go counts runes: code points, fewer than UTF-16 units only with surrogate pairs.
  const n = /[\ud800-\udfff]/.test(s) ? [...s].length : s.length;
  return n >= width ? s : ' '.repeat(width - n) + s;
}
