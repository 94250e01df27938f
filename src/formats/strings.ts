// String ownership for parsers that slice names out of large decoded chunks.

/** A private copy: a substring would keep the whole (large) string it came from alive. */
export function own(s: string): string {
  return (' ' + s).slice(1);
}

// One copy of each function and file name, shared by every frame and every parse (leak
// sampling parses the same names again and again). Cleared if it ever grows huge.
const interned = new Map<string, string>();
const MAX_INTERNED = 2_000_000;

export function intern(s: string): string {
  let v = interned.get(s);
  if (v === undefined) {
    v = own(s);
    if (interned.size >= MAX_INTERNED) interned.clear();
    interned.set(v, v);
  }
  return v;
}
