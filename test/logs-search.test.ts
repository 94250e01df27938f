// The one-pass needle search (WebAssembly SIMD and its JS fallback) and the line reader
// around it, on random buffers: both finders give the same positions and line-break counts
// as a byte-by-byte reference, whatever the case of a hex id and wherever the range ends;
// the reader's lines and line numbers do not depend on its buffer size, on how the input
// is cut into chunks, on gzip, or on which finder runs. (The same on real loggen output:
// logs-formats.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mulberry32 } from '../scripts/prng.js';
import { makeFinder, type Finder, type Needle } from '../src/formats/logs/search.js';
import { chunkSource, scanLogLines } from '../src/formats/logs/lines.js';
import { traceNeedles } from '../src/formats/logs/ids.js';
import { simdSupported } from '../src/lib/wasm.js';
import type { Chunks } from '../src/formats/input.js';

const ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const LOW = ID.slice(16);
const DEC = BigInt('0x' + LOW).toString(10);
const kinds = (): ('wasm' | 'js')[] => (simdSupported() ? ['wasm', 'js'] : ['js']);

/** Random case for each letter. */
function anyCase(s: string, rnd: () => number): string {
  return [...s].map((c) => (rnd() < 0.5 ? c.toUpperCase() : c)).join('');
}

/** Log-like bytes: hex runs, digits, near misses of the id, the id in any case, line breaks. */
function randomText(rnd: () => number, len: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  while (n < len) {
    const r = rnd();
    let s: string;
    if (r < 0.05) s = anyCase(LOW, rnd);
    else if (r < 0.08) s = DEC;
    else if (r < 0.11) s = ID.toUpperCase();
    else if (r < 0.2)
      s = LOW.slice(0, 1 + Math.floor(rnd() * 15)) + 'f'; // a near miss
    else if (r < 0.25) s = DEC.slice(0, 1 + Math.floor(rnd() * 18)) + '0';
    else if (r < 0.45) s = '\n';
    else if (r < 0.5) s = '\r\n';
    else if (r < 0.55)
      s = String.fromCharCode(Math.floor(rnd() * 256)); // any byte: 0x13 | 0x20 is '3'
    else s = Math.floor(rnd() * 2 ** 32).toString(16 + Math.floor(rnd() * 20));
    parts.push(s);
    n += s.length;
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, len);
}

/** Byte by byte, the definition. */
function reference(buf: Buffer, needles: readonly Needle[], pos: number, end: number): [number, number] {
  let nl = 0;
  for (let i = pos; i < end; i++) {
    if (buf[i] === 10) {
      nl++;
      continue;
    }
    for (const n of needles) {
      if (i + n.bytes.length > end) continue;
      let ok = true;
      for (let j = 0; j < n.bytes.length && ok; j++) {
        const h = buf[i + j]!;
        const c = n.bytes[j]!;
        const letter = (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
        ok = n.fold && letter ? (h | 0x20) === (c | 0x20) : h === c;
      }
      if (ok) return [i, nl];
    }
  }
  return [-1, nl];
}

function allHits(f: Finder, pos: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  for (let p = pos; ;) {
    const h = f.find(p, end);
    out.push([h, f.newlines]);
    if (h < 0) return out;
    p = h + 1;
  }
}

test('both finders agree with the byte-by-byte reference on random buffers and ranges', () => {
  const needleSets: Needle[][] = [
    traceNeedles(ID),
    [{ bytes: Buffer.from(ID), fold: true }],
    [{ bytes: Buffer.from(DEC), fold: false }],
    [
      { bytes: Buffer.from('a'), fold: true },
      { bytes: Buffer.from('3f'), fold: false },
    ],
    [{ bytes: Buffer.from('ABC'), fold: false }],
  ];
  const rnd = mulberry32(14);
  for (let round = 0; round < 60; round++) {
    const size = 1 + Math.floor(rnd() * 3000);
    const text = randomText(rnd, size);
    const needles = needleSets[round % needleSets.length]!;
    const finders = kinds().map((k) => makeFinder(needles, size + 64, k));
    for (const f of finders) text.copy(f.buffer);
    for (let r = 0; r < 20; r++) {
      const pos = Math.floor(rnd() * size);
      const end = pos + Math.floor(rnd() * (size - pos + 1));
      const want: [number, number][] = [];
      for (let p = pos; ;) {
        const [h, nl] = reference(finders[0]!.buffer, needles, p, end);
        want.push([h, nl]);
        if (h < 0) break;
        p = h + 1;
      }
      for (const f of finders) assert.deepEqual(allHits(f, pos, end), want, `${f.kind}, round ${round}, [${pos}, ${end})`);
    }
  }
});

test('an id in upper, lower or mixed case is found; a byte that only folds to a digit is not', () => {
  for (const kind of kinds()) {
    const f = makeFinder(traceNeedles(ID), 4096, kind);
    const cases = [LOW, LOW.toUpperCase(), 'A3Ce929D0E0e4736', ID.toUpperCase()];
    for (const c of cases) {
      const s = Buffer.from(`{"x":1}\n{"trace_id":"${c}"}\n`, 'latin1');
      s.copy(f.buffer);
      const h = f.find(0, s.length);
      assert.equal(h, s.indexOf(c.slice(-16)), `${kind}: ${c}`);
      assert.equal(f.newlines, 1);
    }
    // '\x13' | 0x20 is '3' and '\x04' | 0x20 is '$': digits and punctuation match exactly.
    const near = Buffer.from('a\x13ce929d0e0e4736 a3ce929d0e0e\x1476 ' + DEC.replace('1', '\x11'), 'latin1');
    near.copy(f.buffer);
    assert.equal(f.find(0, near.length), -1, kind);
    assert.equal(f.newlines, 0);
  }
});

function chunked(buf: Buffer, rnd: () => number): Chunks {
  return (async function* () {
    for (let i = 0; i < buf.length;) {
      const n = 1 + Math.floor(rnd() * 700);
      yield buf.subarray(i, i + n);
      i += n;
    }
  })();
}

async function scan(input: Buffer, rnd: () => number, opts: Parameters<typeof scanLogLines>[3]) {
  const got: [number, string, boolean][] = [];
  const st = await scanLogLines(chunkSource(chunked(input, rnd)), 'random', (b, s, e, line, cut) => got.push([line, b.toString('latin1', s, e), cut]), opts);
  return { got, st };
}

test('lines and line numbers do not depend on the buffer size, the chunks, gzip or the finder', async () => {
  const rnd = mulberry32(1414);
  for (let round = 0; round < 40; round++) {
    // Lines of random lengths, some past the cap (40) and some past the smallest buffer (82).
    const lines: string[] = [];
    const count = 1 + Math.floor(rnd() * 60);
    for (let i = 0; i < count; i++) {
      const len = rnd() < 0.1 ? 50 + Math.floor(rnd() * 150) : Math.floor(rnd() * 39);
      lines.push(randomText(rnd, len).toString('latin1').replace(/\r?\n/g, ' '));
    }
    const last = rnd() < 0.5 ? '' : '\n';
    const text = Buffer.from(lines.join(rnd() < 0.3 ? '\r\n' : '\n') + last, 'latin1');
    const maxLine = 40;
    // What every configuration must see: each line, cut to the cap, numbered from 1.
    const whole = await scan(text, rnd, { maxLine, bufferSize: 1 << 16 });
    assert.equal(whole.st.lines, lines.length + (last === '' && lines[lines.length - 1] === '' ? -1 : 0), `round ${round}`);
    for (const bufferSize of [82, 97, 300]) {
      const small = await scan(text, rnd, { maxLine, bufferSize });
      // A line longer than the buffer is cut at the buffer (then at the cap): the same text.
      assert.deepEqual(small.got, whole.got, `round ${round}, buffer ${bufferSize}`);
      assert.equal(small.st.lines, whole.st.lines);
      const gz = await scan(gzipSync(text), rnd, { maxLine, bufferSize });
      assert.equal(gz.st.gzipped, true);
      assert.deepEqual(gz.got, whole.got);
      for (const finder of kinds()) {
        const found = await scan(text, rnd, { maxLine, bufferSize, needles: traceNeedles(ID), finder });
        const want = whole.got.filter(([n]) => {
          const l = lines[n - 1]!.replace(/\r$/, '');
          const folded = l.slice(0, l.length).toLowerCase();
          // A long line is searched in its first buffer's worth only.
          const searched = l.length + 1 > bufferSize ? folded.slice(0, bufferSize) : folded;
          return searched.includes(LOW) || l.slice(0, searched.length).includes(DEC);
        });
        assert.deepEqual(found.got, want, `round ${round}, ${finder}, buffer ${bufferSize}`);
        assert.equal(found.st.lines, whole.st.lines, 'every line is counted while searching');
      }
    }
  }
});
