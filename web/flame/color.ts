// Frame colours: by package (a stable hash of the package path, so one package keeps its
// colour across sections and reports), or red/blue by relative change in a diff.
import { packageOf } from '../../src/shared/go-name.js';

/** Search matches: a colour no package or diff colour can take. */
export const MATCH_COLOR = 'rgb(230,0,230)';
export const ROOT_COLOR = 'rgb(200,200,205)';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Light pastel per package: black text stays readable on every one. */
export function packageColor(func: string): string {
  const h = fnv1a(packageOf(func));
  const hue = h % 360;
  const sat = 45 + ((h >>> 9) % 25);
  const light = 72 + ((h >>> 17) % 12);
  return `hsl(${hue},${sat}%,${light}%)`;
}

const DIFF_STEPS = 20;
const diffPalette: string[] = [];
for (let i = -DIFF_STEPS; i <= DIFF_STEPS; i++) {
  const t = Math.abs(i) / DIFF_STEPS;
  // Grew: red, shrank: blue; the stronger the change, the more saturated and darker.
  const hue = i > 0 ? 0 : 215;
  diffPalette.push(i === 0 ? 'hsl(0,0%,86%)' : `hsl(${hue},${Math.round(40 + 50 * t)}%,${Math.round(88 - 30 * t)}%)`);
}

/** Index in diffPalette for a node whose value went from `base` to `now`. */
export function diffStep(base: number, now: number): number {
  const m = Math.max(base, now);
  const r = m > 0 ? (now - base) / m : 0;
  return Math.round(r * DIFF_STEPS) + DIFF_STEPS;
}

export function diffColor(base: number, now: number): string {
  return diffPalette[diffStep(base, now)]!;
}

/** The diff colours, by diffStep. */
export function diffColors(): readonly string[] {
  return diffPalette;
}
