// Terminal primitives: colour only on a TTY (never with NO_COLOR; always with FORCE_COLOR),
// aligned tables, and terminalText: the choke point every line meant for a person passes.
import { escapeChar } from '../lib/text.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
}

/** The SGR parameters style() emits, on and off: the only escape sequences goscope writes itself. */
const SGR: Record<keyof Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  yellow: [33, 39],
  green: [32, 39],
  cyan: [36, 39],
};

const wrap =
  (on: boolean, [a, b]: [number, number]) =>
  (s: string) =>
    on ? `\x1b[${a}m${s}\x1b[${b}m` : s;

export function style(color: boolean): Style {
  const out = {} as Style;
  for (const k of Object.keys(SGR) as (keyof Style)[]) out[k] = wrap(color, SGR[k]);
  return out;
}

/**
 * Colour on this stream: a terminal, unless NO_COLOR is set (no-color.org) or TERM=dumb;
 * FORCE_COLOR (not 0 or false) turns it on for a pipe too (`goscope … | less -R`).
 */
export function colorFor(stream: NodeJS.WriteStream): boolean {
  const env = process.env;
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return !!stream.isTTY && env.TERM !== 'dumb';
}

// Everything a terminal would act on, except the line feed and tab of goscope's own layout
// (pprof's -peek legend has tabs).
// eslint-disable-next-line no-control-regex
const LAYOUT_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_SOURCE = LAYOUT_UNSAFE.source;
const OWN_SGR_SOURCE = `\\x1b\\[(?:${[...new Set(Object.values(SGR).flat())].join('|')})m`;
const UNSAFE_ALL = new RegExp(UNSAFE_SOURCE, 'g');
// At each position goscope's own sequence is tried first and kept whole; a lone ESC is not one.
const OWN_SGR_OR_UNSAFE = new RegExp(`${OWN_SGR_SOURCE}|${UNSAFE_SOURCE}`, 'g');

/**
 * The choke point between goscope and a terminal: every line of human output (stdout and
 * the warnings and notes on stderr) passes here on its way out (cli/common.ts write and
 * note). Every control character is escaped as termSafe does (`\x1b`, `\u009b`, `\u202e`),
 * except the line feeds and tabs of the layout and, when `color` is on, exactly the SGR
 * sequences style() emits; so even a value a renderer forgot to clean cannot set the
 * title, clear the screen, move the cursor or reorder the line. (Such a value holding one
 * of those very sequences would keep it: it could change a colour or the weight, no more.)
 *
 * What it cannot do is tell a value's line feed from the layout's: renderers still pass
 * each untrusted value through `clean` where they interpolate it, so that a name cannot
 * start a line of its own ("goroutine 99 [running]:"). A renderer that returned typed
 * lines (or a tagged template escaping every interpolation) would close that gap by
 * construction, but means rewriting every renderer and the tests that read their text; the
 * hostile fixture's end-to-end test (test/terminal-escapes.test.ts) checks instead that no
 * line is faked, for every command.
 */
export function terminalText(text: string, color: boolean): string {
  if (!LAYOUT_UNSAFE.test(text)) return text;
  if (!color) return text.replace(UNSAFE_ALL, escapeChar);
  return text.replace(OWN_SGR_OR_UNSAFE, (m) => (m.length > 1 ? m : escapeChar(m)));
}

/** Pads columns to equal widths; the last column is never padded. */
export function table(rows: string[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c) + gap))).join(''));
}

function visible(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** Untrusted text (function names, labels, paths) shown in a terminal: lib/text.ts termSafe. */
export { termSafe as clean } from '../lib/text.js';

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}
