// scripts/png.ts, the codec and pixel diff behind `npm run screens`: round trips (opaque
// and with alpha), every row filter a writer may choose, chromium's own screenshots in
// docs/ read and re-encoded to the same pixels, broken files refused with a message, and
// the diff of images whose differing pixels are known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { blankImage, crc32, cropImage, decodePng, diffImages, downscale, encodePng, sideBySide, type Image } from '../scripts/png.js';
import { mulberry32 } from '../scripts/prng.js';

const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function noise(width: number, height: number, seed: number, alpha: boolean): Image {
  const rnd = mulberry32(seed);
  const img = blankImage(width, height);
  for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 && !alpha ? 255 : Math.floor(rnd() * 256);
  return img;
}

/** Flat areas and gradients, like a page: the encoder picks different filters per row. */
function page(width: number, height: number): Image {
  const img = blankImage(width, height, [255, 255, 255, 255]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (y % 7 < 3) img.data.set([x % 256, (x * 3) % 256, 200, 255], o);
      else if (x > width / 2) img.data.set([40, (y * 11) % 256, (x ^ y) & 0xff, 255], o);
    }
  }
  return img;
}

function pixel(img: Image, x: number, y: number): number[] {
  const o = (y * img.width + x) * 4;
  return Array.from(img.data.subarray(o, o + 4));
}

test('CRC-32 is the ISO-HDLC one PNG uses', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('IEND')), 0xae426082);
});

test('encode then decode gives the same pixels: opaque (RGB), with alpha (RGBA), 1x1, wide and flat', () => {
  for (const img of [noise(37, 23, 1, false), noise(16, 9, 2, true), noise(1, 1, 3, true), page(301, 40), blankImage(5, 4, [0, 0, 0, 0])]) {
    const png = encodePng(img);
    const back = decodePng(png);
    assert.equal(back.width, img.width);
    assert.equal(back.height, img.height);
    assert.deepEqual(Buffer.from(back.data), Buffer.from(img.data));
    // Colour type: RGB (2) when every pixel is opaque.
    const opaque = img.data.every((v, i) => i % 4 !== 3 || v === 255);
    assert.equal(png[25], opaque ? 2 : 6);
  }
  // Flat pages compress: a 301x40 page is far below its 36 KB of RGB.
  assert.ok(encodePng(page(301, 40)).length < 8000);
});

/** A PNG written with one given filter on every row (the reference filters of the spec). */
function withFilter(img: Image, filter: number): Buffer {
  const ch = 4;
  const stride = img.width * ch;
  const raw = Buffer.alloc(img.height * (stride + 1));
  const paeth = (a: number, b: number, c: number) => {
    const p = a + b - c;
    const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  };
  for (let y = 0; y < img.height; y++) {
    raw[y * (stride + 1)] = filter;
    for (let x = 0; x < stride; x++) {
      const at = (yy: number, xx: number) => (yy < 0 || xx < 0 ? 0 : img.data[yy * stride + xx]!);
      const a = at(y, x - ch);
      const b = at(y - 1, x);
      const c = at(y - 1, x - ch);
      const pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter]!;
      raw[y * (stride + 1) + 1 + x] = (img.data[y * stride + x]! - pred) & 0xff;
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(tb));
    return Buffer.concat([len, tb, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  // Two IDAT chunks: a decoder must join them before inflating.
  const z = deflateSync(raw);
  const half = z.length >> 1;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', z.subarray(0, half)),
    chunk('IDAT', z.subarray(half)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('every row filter (None, Sub, Up, Average, Paeth) decodes', () => {
  const img = noise(13, 7, 9, true);
  for (let f = 0; f < 5; f++) assert.deepEqual(Buffer.from(decodePng(withFilter(img, f)).data), Buffer.from(img.data), `filter ${f}`);
});

test("chromium's screenshots in docs/ decode and re-encode to the same pixels", () => {
  for (const [name, w, h] of [
    ['flame-cpu.png', 1160, 500],
    ['diagnose-report.png', 1200, 900],
  ] as const) {
    const img = decodePng(readFileSync(path.join(repoRoot, 'docs', name)), name);
    assert.deepEqual([img.width, img.height], [w, h], name);
    // A screenshot of a white page with a title: its top-left pixel is the page's white.
    assert.deepEqual(pixel(img, 0, 0).slice(3), [255], `${name} is opaque`);
    assert.deepEqual(Buffer.from(decodePng(encodePng(img)).data), Buffer.from(img.data), name);
  }
});

test('broken files are refused with a message naming them', () => {
  const good = encodePng(noise(4, 4, 5, false));
  assert.throws(() => decodePng(Buffer.from('GIF89a....'), 'x.gif'), /x\.gif: not a PNG file/);
  const badCrc = Buffer.from(good);
  badCrc[30] = badCrc[30]! ^ 0xff;
  assert.throws(() => decodePng(badCrc, 'a.png'), /a\.png: chunk IHDR has a bad CRC/);
  assert.throws(() => decodePng(good.subarray(0, good.length - 12), 'cut.png'), /cut\.png: truncated \(no IEND chunk\)/);
});

test('diff counts exactly the pixels that differ, and those only one image has', () => {
  const a = page(20, 10);
  const b = { ...a, data: Uint8Array.from(a.data) };
  assert.equal(diffImages(a, b).differing, 0);
  assert.equal(diffImages(a, b).box, null);
  // Three pixels changed, one of them by a single alpha step.
  b.data.set([1, 2, 3, 255], (2 * 20 + 3) * 4);
  b.data.set([9, 9, 9, 255], (7 * 20 + 15) * 4);
  b.data[(5 * 20 + 5) * 4 + 3] = 254;
  const d = diffImages(a, b);
  assert.equal(d.differing, 3);
  assert.equal(d.sizeOnly, 0);
  assert.deepEqual(d.box, { x: 3, y: 2, width: 13, height: 6 });
  assert.deepEqual(pixel(d.image, 3, 2), [230, 0, 230, 255]);
  assert.deepEqual(pixel(d.image, 15, 7), [230, 0, 230, 255]);
  assert.notDeepEqual(pixel(d.image, 0, 0), [230, 0, 230, 255]);
  // Sizes differ: the rows only the taller image has all count.
  const taller = blankImage(20, 12, [255, 255, 255, 255]);
  taller.data.set(a.data);
  const t = diffImages(a, taller);
  assert.deepEqual([t.width, t.height, t.differing, t.sizeOnly], [20, 12, 40, 40]);
  assert.deepEqual(t.box, { x: 0, y: 10, width: 20, height: 2 });
  assert.deepEqual(pixel(t.image, 0, 11), [255, 140, 0, 255]);
  // The diff image itself encodes and decodes.
  assert.deepEqual(Buffer.from(decodePng(encodePng(d.image)).data), Buffer.from(d.image.data));
});

test('crop, downscale and side by side', () => {
  const img = page(40, 21);
  const c = cropImage(img, 30, 15, 100, 100);
  assert.deepEqual([c.width, c.height], [10, 6]);
  assert.deepEqual(pixel(c, 2, 1), pixel(img, 32, 16));
  const d = downscale(img, 2);
  assert.deepEqual([d.width, d.height], [20, 10]);
  const expect = [0, 1, 2, 3].map((ch) => Math.round((pixel(img, 2, 4)[ch]! + pixel(img, 3, 4)[ch]! + pixel(img, 2, 5)[ch]! + pixel(img, 3, 5)[ch]!) / 4));
  assert.deepEqual(pixel(d, 1, 2), expect);
  const s = sideBySide(c, d, 3);
  assert.deepEqual([s.width, s.height], [33, 10]);
  assert.deepEqual(pixel(s, 0, 0), pixel(c, 0, 0));
  assert.deepEqual(pixel(s, 13, 9), pixel(d, 0, 9));
  assert.deepEqual(pixel(s, 5, 8), [255, 255, 255, 255], 'below the shorter image: white');
});
