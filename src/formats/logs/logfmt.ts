// logfmt as Go writes it: slog's TextHandler, logrus' TextFormatter, go-kit's logfmt
// logger. key=value pairs separated by spaces; values bare or quoted with Go's escapes
// (strconv.Quote); group and dotted keys stay dotted ("trace.id").

const KEY_START = /[A-Za-z_@]/;

/** The pairs of a logfmt line, or null when the line is not logfmt (it must open with key=). */
export function parseLogfmt(s: string): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const ks = i;
    if (!KEY_START.test(s[i]!)) return out.size >= 2 ? out : null;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 61 /* = */ || c === 32 || c === 34) break;
      i++;
    }
    if (s.charCodeAt(i) !== 61) {
      // A bare word: not logfmt unless enough pairs came first (then the rest is kept as is).
      if (out.size >= 2) {
        out.set('_', s.slice(ks));
        return out;
      }
      return null;
    }
    const key = s.slice(ks, i);
    i++;
    if (s.charCodeAt(i) === 34) {
      const r = unquoteGo(s, i);
      if (!r) return null;
      out.set(key, r.value);
      i = r.end;
    } else {
      const vs = i;
      while (i < n && s.charCodeAt(i) !== 32) i++;
      out.set(key, s.slice(vs, i));
    }
  }
  return out.size ? out : null;
}

const SIMPLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', a: '\x07', b: '\b', f: '\f', v: '\v', "'": "'" };

/** A Go double-quoted string starting at s[i] ('"'): its value and the index after it. */
export function unquoteGo(s: string, i: number): { value: string; end: number } | null {
  let j = i + 1;
  let out = '';
  let from = j;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 34) return { value: out + s.slice(from, j), end: j + 1 };
    if (c !== 92) {
      j++;
      continue;
    }
    out += s.slice(from, j);
    const e = s[j + 1];
    if (e === undefined) return null;
    if (SIMPLE[e] !== undefined) {
      out += SIMPLE[e];
      j += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = s.slice(j + 2, j + 2 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return null;
      const cp = parseInt(hex, 16);
      out += e === 'x' ? String.fromCharCode(cp) : cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      j += 2 + len;
    } else if (e >= '0' && e <= '7') {
      out += String.fromCharCode(parseInt(s.slice(j + 1, j + 4), 8) & 0xff);
      j += 4;
    } else return null;
    from = j;
  }
  return null;
}
