// src/lib/heap.ts: a min-heap that puts equal elements where Go's container/heap puts them.
// The reference below is container/heap transcribed swap for swap; the library moves a hole
// instead and must end with the very same array after every operation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapDown, heapFix, heapInit, heapPop, heapPush, heapRemove, heapUp } from '../src/lib/heap.js';

interface Item {
  key: number;
  id: number;
}
const less = (a: Item, b: Item): boolean => a.key < b.key;

// container/heap (Go), swap by swap.
function goUp(h: Item[], j: number): void {
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    j = i;
  }
}
function goDown(h: Item[], i0: number, n: number): boolean {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n) break;
    let j = j1;
    if (j1 + 1 < n && less(h[j1 + 1]!, h[j1]!)) j = j1 + 1;
    if (!less(h[j]!, h[i]!)) break;
    [h[i], h[j]] = [h[j]!, h[i]!];
    i = j;
  }
  return i > i0;
}
const go = {
  init(h: Item[]) {
    for (let i = Math.trunc(h.length / 2) - 1; i >= 0; i--) goDown(h, i, h.length);
  },
  push(h: Item[], x: Item) {
    h.push(x);
    goUp(h, h.length - 1);
  },
  pop(h: Item[]): Item {
    const n = h.length - 1;
    [h[0], h[n]] = [h[n]!, h[0]!];
    goDown(h, 0, n);
    return h.pop()!;
  },
  remove(h: Item[], i: number): Item {
    const n = h.length - 1;
    if (n !== i) {
      [h[i], h[n]] = [h[n]!, h[i]!];
      if (!goDown(h, i, n)) goUp(h, i);
    }
    return h.pop()!;
  },
  fix(h: Item[], i: number) {
    if (!goDown(h, i, h.length)) goUp(h, i);
  },
};

/** A small deterministic generator (xorshift32): the same sequence on every run. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const ids = (h: Item[]): number[] => h.map((x) => x.id);

test('every operation leaves the array exactly as container/heap does, ties included', () => {
  const r = rng(12345);
  for (let round = 0; round < 200; round++) {
    // Few distinct keys: many ties, where the two could differ.
    const keys = 1 + Math.floor(r() * 6);
    let id = 0;
    const item = (): Item => ({ key: Math.floor(r() * keys), id: id++ });
    const start = Array.from({ length: Math.floor(r() * 40) }, item);
    const a = start.slice();
    const b = start.slice();
    heapInit(a, less);
    go.init(b);
    assert.deepEqual(ids(a), ids(b), 'init');
    for (let op = 0; op < 60; op++) {
      const k = r();
      if (k < 0.35 || a.length === 0) {
        const x = item();
        heapPush(a, x, less);
        go.push(b, x);
      } else if (k < 0.6) {
        assert.equal(heapPop(a, less)!.id, go.pop(b).id);
      } else if (k < 0.8) {
        const i = Math.floor(r() * a.length);
        assert.equal(heapRemove(a, i, less).id, go.remove(b, i).id);
      } else {
        const i = Math.floor(r() * a.length);
        const key = Math.floor(r() * keys);
        a[i]!.key = key; // the same object sits at i in both
        heapFix(a, i, less);
        go.fix(b, i);
      }
      assert.deepEqual(ids(a), ids(b), `round ${round} op ${op}`);
    }
  }
});

test('pops come out in order; an empty heap pops undefined', () => {
  const h: Item[] = [];
  const keys = [5, 3, 9, 1, 3, 7, 0, 2];
  keys.forEach((key, id) => heapPush(h, { key, id }, less));
  const out: number[] = [];
  for (let x = heapPop(h, less); x; x = heapPop(h, less)) out.push(x.key);
  assert.deepEqual(
    out,
    [...keys].sort((p, q) => p - q),
  );
  assert.equal(heapPop(h, less), undefined);
});

test('heapUp and heapDown say where the element ended', () => {
  const h: Item[] = [1, 4, 2, 6, 5].map((key, id) => ({ key, id }));
  h[4]!.key = 0;
  assert.equal(heapUp(h, 4, less), 0);
  assert.equal(h[0]!.id, 4);
  h[0]!.key = 10;
  assert.equal(heapDown(h, 0, h.length, less), 4, 'past the lesser child each time');
  assert.equal(heapDown(h, 3, h.length, less), 3, 'a leaf stays');
});
