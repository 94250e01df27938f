// Brendan Gregg's folded stacks ("collapsed" format), the input of flamegraph.pl, inferno
// and most flame graph tools: one line per distinct stack, frames root first joined by
// ';', a space, then an integer value.
import { UserError } from '../errors.js';

/** One stack and its value (structurally the flame graph's FlameStack). */
export interface FoldedStack {
  /** Function names, root first. */
  frames: readonly string[];
  value: number;
}

/**
 * Frame names cannot hold the separators: ';' would split a frame and a line break would
 * end the line, so ';' becomes ':' and line breaks become spaces. An empty name becomes
 * "[unknown]" (as inferno writes unknown frames).
 */
export function foldedFrameName(name: string): string {
  if (name === '') return '[unknown]';
  return /[;\r\n\u2028\u2029]/.test(name) ? name.replace(/;/g, ':').replace(/[\r\n\u2028\u2029]/g, ' ') : name;
}

/**
 * Encodes stacks as folded lines, sorted by stack. Identical stacks (after renaming) are
 * merged by summing their values; sums are rounded to integers and zero sums dropped.
 * A stack with no frames is written as "[unknown]".
 * Throws a UserError when a merged value is negative (a diff profile): the folded format
 * has no way to show it.
 */
export function encodeFolded(stacks: Iterable<FoldedStack>): string {
  const sums = new Map<string, number>();
  const names = new Map<string, string>();
  for (const s of stacks) {
    if (s.value === 0) continue;
    let key = '';
    const frames = s.frames;
    for (let i = 0; i < frames.length; i++) {
      const raw = frames[i]!;
      let name = names.get(raw);
      if (name === undefined) {
        name = foldedFrameName(raw);
        names.set(raw, name);
      }
      key = i === 0 ? name : key + ';' + name;
    }
    if (frames.length === 0) key = '[unknown]';
    sums.set(key, (sums.get(key) ?? 0) + s.value);
  }
  const keys = [...sums.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: string[] = [];
  for (const key of keys) {
    const v = Math.round(sums.get(key)!);
    if (v === 0) continue;
    if (v < 0) {
      throw new UserError(
        `folded stacks cannot hold negative values (stack ${JSON.stringify(key.slice(0, 200))} sums to ${v}); write a diff as the HTML flame graph instead`,
      );
    }
    out.push(`${key} ${v}\n`);
  }
  return out.join('');
}
