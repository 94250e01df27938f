// Untrusted text (function names, file paths, labels, task names, response bodies, error
// messages from the system) on its way to a terminal: the one sanitiser. Every control
// character is shown as an escape instead of acted on: C0 (newline, carriage return, tab
// and ESC included, so a name can neither start a fake line nor drive the terminal), DEL,
// C1 (0x80-0x9f, which some terminals read as CSI/OSC), and the Unicode line separators
// and bidirectional overrides that reorder what is displayed.

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * One control character in Go's notation, as the runtime quotes a label in a Go 1.27
 * goroutine header: `\n`, `\r`, `\t`; other ASCII controls and DEL as `\xNN`; C1 and the
 * Unicode ones as `\uNNNN` (U+009B is the rune, not the byte 0x9b).
 */
export function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` with every control character escaped (`\n`, `\x1b`, `\u009b`, `\u202e`): safe to print as part of one line. */
export function termSafe(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, escapeChar) : s;
}

/** At most n characters, an ellipsis marking the cut. */
export function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/**
 * Free text (a message, a body line) as one printable line: runs of whitespace, line
 * breaks included, become one space, the rest goes through termSafe; clipped to n.
 */
export function oneLine(s: string, n = Infinity): string {
  return clip(termSafe(s.replace(/[\s\u2028\u2029]+/g, ' ').trim()), n);
}
