// JSON.stringify(value, null, 2) in pieces: a report of a million spans can hold arrays that
// would make one string of hundreds of MB. Arrays are written element by element and
// objects down to `objectDepth` field by field; everything below goes through
// JSON.stringify, re-indented. The concatenated pieces equal JSON.stringify(value, null, 2)
// for JSON data (plain objects and arrays, strings, finite numbers, booleans, null; an
// undefined field is left out, an undefined element is null, as JSON.stringify does).

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';

/** The pieces of JSON.stringify(value, null, 2). */
export function* jsonPieces(value: unknown, objectDepth = 2): Generator<string> {
  yield* piece(value, '', 0, objectDepth);
}

function* piece(v: unknown, indent: string, depth: number, objectDepth: number): Generator<string> {
  if (Array.isArray(v)) {
    if (v.length === 0) {
      yield '[]';
      return;
    }
    const inner = indent + '  ';
    yield '[';
    for (let i = 0; i < v.length; i++) {
      yield (i ? ',\n' : '\n') + inner;
      const x: unknown = v[i];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') yield 'null';
      else yield* piece(x, inner, depth + 1, objectDepth);
    }
    yield '\n' + indent + ']';
    return;
  }
  if (isPlain(v) && depth < objectDepth) {
    const inner = indent + '  ';
    let first = true;
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      yield (first ? '{\n' : ',\n') + inner + JSON.stringify(k) + ': ';
      first = false;
      yield* piece(x, inner, depth + 1, objectDepth);
    }
    yield first ? '{}' : '\n' + indent + '}';
    return;
  }
  const text = JSON.stringify(v, null, 2);
  yield indent && text.includes('\n') ? text.replace(/\n/g, '\n' + indent) : text;
}
