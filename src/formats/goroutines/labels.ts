// pprof labels as the Go runtime prints them in goroutine dumps:
//   debug=1              # labels: {"k":"v", "k2":"v2"}          (fmt %q: strconv.Quote)
//   Go 1.26 (opt-in)     [state labels:{"k": "v", "k2": "v2"}]:  (runtime printquoted)
//   Go 1.27 (default)    [state] {k: v, "k 2": "v\r"}:           (quoted only when needed)
// Go 1.27 leaves a key or value bare when it has only [A-Za-z0-9./_] (even when empty), and
// quotes it otherwise. Both quoters escape \n \r \t \\ \" and write other characters as
// \xNN (bytes and ASCII controls), \uNNNN or \UNNNNNNNN; strconv.Quote also uses \a \b \f \v
// and keeps printable non-ASCII as is. One reader takes all three forms.

/**
 * The text between a Go-quoted string's quotes, unescaped as strconv.Unquote does; null
 * when an escape is malformed. Raw bytes (\xNN, octal) are decoded as UTF-8, an invalid
 * byte becoming U+FFFD as everywhere else goscope decodes text.
 */
export function unquoteGo(s: string): string | null {
  if (s.indexOf('\\') < 0) return s;
  let out = '';
  let bytes: number[] = [];
  const flush = () => {
    if (bytes.length) {
      out += Buffer.from(bytes).toString('utf8');
      bytes = [];
    }
  };
  const hex = (from: number, n: number): number => {
    const h = s.slice(from, from + n);
    return h.length === n && /^[0-9a-fA-F]+$/.test(h) ? parseInt(h, 16) : -1;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      flush();
      out += c;
      continue;
    }
    const e = s[++i];
    if (e === undefined) return null;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      flush();
      out += simple;
      continue;
    }
    if (e === 'x') {
      const v = hex(i + 1, 2);
      if (v < 0) return null;
      bytes.push(v);
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const v = hex(i + 1, n);
      if (v < 0 || v > 0x10ffff) return null;
      flush();
      out += String.fromCodePoint(v);
      i += n;
    } else if (e >= '0' && e <= '7') {
      const o = s.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) return null;
      bytes.push(parseInt(o, 8));
      i += 2;
    } else {
      return null;
    }
  }
  flush();
  return out;
}

const SIMPLE: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/**
 * `{k: v, …}` in any of the three forms -> labels; null when the text is not such an
 * object (a caller reports it rather than guessing).
 */
export function parseLabelObject(s: string): Record<string, string> | null {
  s = s.trim();
  if (s.length < 2 || s[0] !== '{' || s[s.length - 1] !== '}') return null;
  const out: Record<string, string> = {};
  const last = s.length - 1;
  let i = 1;
  const spaces = () => {
    while (s[i] === ' ') i++;
  };
  /** A quoted or bare token; a bare one ends before any of `stops`. */
  const token = (stops: string): string | null => {
    if (s[i] === '"') {
      let j = i + 1;
      while (j < last && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (s[j] !== '"') return null;
      const v = unquoteGo(s.slice(i + 1, j));
      i = j + 1;
      return v;
    }
    let j = i;
    while (j < last && stops.indexOf(s[j]!) < 0) j++;
    const v = s.slice(i, j).trimEnd();
    i = j;
    return v;
  };
  spaces();
  if (i === last) return null; // the runtime prints nothing for an empty label set
  for (;;) {
    spaces();
    const k = token(':');
    if (k === null) return null;
    spaces();
    if (s[i] !== ':') return null;
    i++;
    spaces();
    const v = token(',}');
    if (v === null) return null;
    out[k] = v;
    spaces();
    if (i === last) return out;
    if (s[i] !== ',') return null;
    i++;
  }
}
