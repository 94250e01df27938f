// A binary min-heap over a plain array, as Go's container/heap implements it: the same
// comparisons in the same order, so that equal elements end up where Go puts them (ports
// of Go code depend on that: which trace batch goes first on a timestamp tie, which MMU
// band is refined first). The moving element is held aside and the others shifted into
// its hole rather than swapped level by level: the same heap, fewer writes.
//
// `less(a, b)` says a goes before b; the heap's first element is a least one.

export type Less<T> = (a: T, b: T) => boolean;

/** Moves h[j] up to its place (container/heap up); returns where it ends. */
export function heapUp<T>(h: T[], j: number, less: Less<T>): number {
  const x = h[j]!;
  while (j > 0) {
    const i = (j - 1) >> 1; // parent
    const p = h[i]!;
    if (!less(x, p)) break;
    h[j] = p;
    j = i;
  }
  h[j] = x;
  return j;
}

/**
 * Moves h[i] down to its place among h[0, n) (container/heap down: the lesser child,
 * the left one on a tie, takes its place while it is less); returns where it ends.
 */
export function heapDown<T>(h: T[], i: number, n: number, less: Less<T>): number {
  if (2 * i + 1 >= n) return i;
  const x = h[i]!;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    let c = h[j1]!;
    const j2 = j1 + 1;
    if (j2 < n) {
      const r = h[j2]!;
      if (less(r, c)) {
        j = j2;
        c = r;
      }
    }
    if (!less(c, x)) break;
    h[i] = c;
    i = j;
  }
  h[i] = x;
  return i;
}

/** Orders a whole array into a heap (container/heap Init). */
export function heapInit<T>(h: T[], less: Less<T>): void {
  const n = h.length;
  for (let i = (n >> 1) - 1; i >= 0; i--) heapDown(h, i, n, less);
}

/** Adds x (container/heap Push). */
export function heapPush<T>(h: T[], x: T, less: Less<T>): void {
  h.push(x);
  heapUp(h, h.length - 1, less);
}

/** Removes and returns a least element (container/heap Pop); undefined when empty. */
export function heapPop<T>(h: T[], less: Less<T>): T | undefined {
  const n = h.length - 1;
  if (n < 0) return undefined;
  const x = h[0]!;
  h[0] = h[n]!;
  h[n] = x;
  heapDown(h, 0, n, less);
  return h.pop();
}

/** Removes and returns h[i] (container/heap Remove). */
export function heapRemove<T>(h: T[], i: number, less: Less<T>): T {
  const n = h.length - 1;
  if (n !== i) {
    const x = h[i]!;
    h[i] = h[n]!;
    h[n] = x;
    if (heapDown(h, i, n, less) === i) heapUp(h, i, less);
  }
  return h.pop()!;
}

/** Restores the order after h[i] changed (container/heap Fix). */
export function heapFix<T>(h: T[], i: number, less: Less<T>): void {
  if (heapDown(h, i, h.length, less) === i) heapUp(h, i, less);
}
