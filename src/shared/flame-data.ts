// The data block of a flame section: the contract between the report writer
// (src/report/html.ts puts it in a <script type="application/json"> element) and the
// page (web/flame/), both directions typed by FlameData.
import type { Encoded } from './encoded.js';
import type { FlameTree } from './flame-tree.js';
import { countValues, decodeInts, decodeNumbers, encodeFixedVarints, encodeNumbers, fixedWidthOk } from './varint.js';
import { makeViewTree, type LazyNames, type ViewTree } from './view-tree.js';

/**
 * A flame section's data. Each numeric array is either a JSON array or a string of
 * varints (varint.ts): `Text` is Encoded as the writer makes it, string as the page reads
 * it. The number fields come last: the page cuts them out of the text without a JSON
 * parse (parseFlameData), so writers must keep this key order.
 */
export interface FlameData<Text = string> {
  v: 1;
  title: string;
  unit: string;
  sampleType: string;
  names: string[];
  /** Name indexes + 1 (the root's -1 is 0), in fixed-width varints of nameW digits. */
  nameIdx: number[] | Text;
  childCount: number[] | Text;
  self: number[] | Text;
  baseSelf: number[] | Text | null;
  /** Node count (counted from childCount when absent). */
  n?: number;
  /** When set, every nameIdx value takes exactly this many digits (padded with continuation digits). */
  nameW?: number;
}

export interface FlameDataInput {
  title: string;
  /** pprof sample unit ("nanoseconds", "bytes", "count"…). */
  unit: string;
  /** pprof sample type ("cpu", "alloc_space"…). */
  sampleType: string;
  tree: FlameTree;
}

/** The data block of a tree (level order, as buildFlameTree makes it). */
export function flameData(s: FlameDataInput): FlameData<Encoded> {
  const t = s.tree;
  const names = encodeFixedVarints(t.nameIdx, 1);
  return {
    v: 1,
    title: s.title,
    unit: s.unit,
    sampleType: s.sampleType,
    names: t.names,
    nameIdx: names.text,
    childCount: encodeNumbers(t.childCount),
    self: encodeNumbers(t.self),
    baseSelf: t.baseSelf ? encodeNumbers(t.baseSelf) : null,
    n: t.nameIdx.length,
    nameW: names.width,
  };
}

/**
 * The data block's text as FlameData. The big number fields come last and, as varints,
 * hold no quote or escape: they are cut out of the text as they are (no copy, no JSON
 * scan) and only the head (names, titles) goes through JSON.parse. Anything unexpected
 * falls back to JSON.parse of the whole text.
 */
export function parseFlameData(text: string): FlameData {
  const at = text.indexOf(',"nameIdx":');
  if (at > 0) {
    const head = JSON.parse(text.slice(0, at) + '}') as FlameData;
    let i = at + 1;
    let ok = true;
    const fields: Record<string, unknown> = {};
    while (ok && text.charCodeAt(i) === 34 /* " */) {
      const q = text.indexOf('"', i + 1);
      const key = text.slice(i + 1, q);
      if (text.charCodeAt(q + 1) !== 58 /* : */) break;
      const j = q + 2;
      const c = text.charCodeAt(j);
      let end: number;
      if (c === 34) {
        end = text.indexOf('"', j + 1);
        if (end < 0) {
          ok = false;
          break;
        }
        fields[key] = text.slice(j + 1, end);
        end++;
      } else {
        end = j;
        while (end < text.length && text.charCodeAt(end) !== 44 && text.charCodeAt(end) !== 125) end++;
        if (c === 91 /* [ */) end = text.indexOf(']', j) + 1;
        if (end <= 0) {
          ok = false;
          break;
        }
        fields[key] = JSON.parse(text.slice(j, end));
      }
      const sep = text.charCodeAt(end);
      if (sep === 125 /* } */) {
        if (text.slice(end + 1).trim() !== '') ok = false;
        else return Object.assign(head, fields);
        break;
      }
      if (sep !== 44) ok = false;
      i = end + 1;
    }
  }
  return JSON.parse(text) as FlameData;
}

/** The tree of a data block: counts, selfs and totals decoded now, fixed-width name indexes on first use. */
export function viewTreeOfData(d: FlameData): ViewTree {
  const n = typeof d.n === 'number' ? d.n : countValues(d.childCount);
  const childCount = decodeInts(d.childCount, n, 0);
  const self = decodeNumbers(d.self, n);
  const baseSelf = d.baseSelf ? decodeNumbers(d.baseSelf, n) : null;
  const w = d.nameW;
  const src = d.nameIdx;
  const nameIdx: Int32Array | LazyNames =
    typeof src === 'string' && typeof w === 'number' && w >= 1 && w <= 6 && src.length === n * w && fixedWidthOk(src, w) ? { src, w } : decodeInts(src, n, -1);
  return makeViewTree(d.names, nameIdx, childCount, self, baseSelf);
}
