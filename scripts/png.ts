// A small PNG codec and pixel diff for scripts/screens.ts: read chromium's screenshots,
// compare two of them pixel by pixel, write the diff and the (cropped, downscaled) images
// docs/ embeds. node:zlib does the deflate; no dependency.
//
// Decoding covers what PNG writers produce at 8 bits per channel (grey, grey+alpha, RGB,
// RGBA, palette with tRNS), every row filter, not interlaced; anything else is refused
// with a message naming it. Images are always RGBA in memory.
import { deflateSync, inflateSync } from 'node:zlib';

export interface Image {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, rows top to bottom. */
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// CRC-32 (ISO-HDLC, as PNG and zlib use); zlib.crc32 needs Node 20.15+, engines says 20.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function blankImage(width: number, height: number, rgba: [number, number, number, number] = [0, 0, 0, 0]): Image {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data };
}

/** The channels per pixel of each PNG colour type at 8 bits. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the row filters in place: raw is (1 + stride) bytes a row, filter byte first. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, what: string): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      const c = y > 0 && x >= bpp ? out[prev + x - bpp]! : 0;
      let v = raw[src + x]!;
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) v += paeth(a, b, c);
      else if (f !== 0) throw new Error(`${what}: row ${y} has unknown filter type ${f}`);
      out[row + x] = v & 0xff;
    }
  }
  return out;
}

/** Decodes a PNG file's bytes to RGBA; `what` names the input in errors. */
export function decodePng(buf: Uint8Array, what = 'PNG'): Image {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 8 || !b.subarray(0, 8).equals(SIGNATURE)) throw new Error(`${what}: not a PNG file (no PNG signature)`);
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Buffer[] = [];
  let off = 8;
  let ended = false;
  while (off + 12 <= b.length && !ended) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    if (off + 12 + len > b.length) throw new Error(`${what}: chunk ${type} runs past the end of the file`);
    const body = b.subarray(off + 8, off + 8 + len);
    if (crc32(b.subarray(off + 4, off + 8 + len)) !== b.readUInt32BE(off + 8 + len)) throw new Error(`${what}: chunk ${type} has a bad CRC`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8]!;
      colorType = body[9]!;
      if (body[10] !== 0 || body[11] !== 0) throw new Error(`${what}: unknown compression or filter method`);
      if (body[12] !== 0) throw new Error(`${what}: interlaced PNGs are not supported`);
      if (depth !== 8 || CHANNELS[colorType] === undefined) throw new Error(`${what}: colour type ${colorType} at ${depth} bits is not supported (8-bit only)`);
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') trns = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') ended = true;
    off += 12 + len;
  }
  if (colorType < 0) throw new Error(`${what}: no IHDR chunk`);
  if (!ended) throw new Error(`${what}: truncated (no IEND chunk)`);
  const ch = CHANNELS[colorType]!;
  const stride = width * ch;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < height * (stride + 1)) throw new Error(`${what}: image data is short (${raw.length} of ${height * (stride + 1)} bytes)`);
  const px = unfilter(raw, height, stride, ch, what);
  const data = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < width * height; i++, j += ch) {
    const o = i * 4;
    if (colorType === 6) data.set(px.subarray(j, j + 4), o);
    else if (colorType === 2) {
      data[o] = px[j]!;
      data[o + 1] = px[j + 1]!;
      data[o + 2] = px[j + 2]!;
      data[o + 3] = 255;
    } else if (colorType === 0 || colorType === 4) {
      data[o] = data[o + 1] = data[o + 2] = px[j]!;
      data[o + 3] = colorType === 4 ? px[j + 1]! : 255;
    } else {
      const k = px[j]!;
      if (!palette || k * 3 + 2 >= palette.length) throw new Error(`${what}: palette index ${k} out of range`);
      data[o] = palette[k * 3]!;
      data[o + 1] = palette[k * 3 + 1]!;
      data[o + 2] = palette[k * 3 + 2]!;
      data[o + 3] = trns && k < trns.length ? trns[k]! : 255;
    }
  }
  return { width, height, data };
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body, crc32(head.subarray(4, 8))), 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * Encodes RGBA as an 8-bit PNG: RGB when every pixel is opaque (screenshots are), RGBA
 * otherwise; each row takes the filter with the smallest sum of absolute bytes, as libpng's
 * heuristic does, which keeps flat page screenshots small.
 */
export function encodePng(img: Image): Buffer {
  const { width, height, data } = img;
  if (data.length !== width * height * 4) throw new Error(`encodePng: ${data.length} bytes for ${width}x${height} RGBA`);
  let opaque = true;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) opaque = false;
  const ch = opaque ? 3 : 4;
  const stride = width * ch;
  const px = new Uint8Array(height * stride);
  for (let i = 0, j = 0; i < width * height; i++, j += ch) {
    px[j] = data[i * 4]!;
    px[j + 1] = data[i * 4 + 1]!;
    px[j + 2] = data[i * 4 + 2]!;
    if (ch === 4) px[j + 3] = data[i * 4 + 3]!;
  }
  const out = new Uint8Array(height * (stride + 1));
  const cand = Array.from({ length: 5 }, () => new Uint8Array(stride));
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    let best = 0;
    let bestSum = Infinity;
    for (let f = 0; f < 5; f++) {
      const c = cand[f]!;
      let sum = 0;
      for (let x = 0; x < stride; x++) {
        const v = px[row + x]!;
        const a = x >= ch ? px[row + x - ch]! : 0;
        const b = y > 0 ? px[row - stride + x]! : 0;
        const cc = y > 0 && x >= ch ? px[row - stride + x - ch]! : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, cc);
        const d = (v - pred) & 0xff;
        c[x] = d;
        sum += d < 128 ? d : 256 - d;
      }
      if (sum < bestSum) {
        bestSum = sum;
        best = f;
      }
    }
    out[y * (stride + 1)] = best;
    out.set(cand[best]!, y * (stride + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = opaque ? 2 : 6;
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(out, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

export interface Diff {
  /** The compared area: the larger width and height of the two. */
  width: number;
  height: number;
  /** Pixels whose RGBA differ, counting every pixel only one image has. */
  differing: number;
  /** Of those, pixels outside the common area (the images differ in size). */
  sizeOnly: number;
  /** The smallest rectangle holding every differing pixel, or null when none differ. */
  box: { x: number; y: number; width: number; height: number } | null;
  /** `after` faded to grey, differing pixels in magenta, pixels only one image has in orange. */
  image: Image;
}

/** Compares two images pixel by pixel (exact RGBA). */
export function diffImages(before: Image, after: Image): Diff {
  const width = Math.max(before.width, after.width);
  const height = Math.max(before.height, after.height);
  const image = blankImage(width, height);
  const out = image.data;
  let differing = 0;
  let sizeOnly = 0;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const inB = x < before.width && y < before.height;
      const inA = x < after.width && y < after.height;
      let same = false;
      if (inB && inA) {
        const ib = (y * before.width + x) * 4;
        const ia = (y * after.width + x) * 4;
        same =
          before.data[ib] === after.data[ia] &&
          before.data[ib + 1] === after.data[ia + 1] &&
          before.data[ib + 2] === after.data[ia + 2] &&
          before.data[ib + 3] === after.data[ia + 3];
        if (same) {
          // Faded grey: the page's shapes stay readable behind the marks.
          const d = after.data;
          const g = Math.round(0.299 * d[ia]! + 0.587 * d[ia + 1]! + 0.114 * d[ia + 2]!);
          const v = 255 - Math.round((255 - g) * 0.25);
          out[o] = out[o + 1] = out[o + 2] = v;
          out[o + 3] = 255;
        } else {
          out.set([230, 0, 230, 255], o);
        }
      } else {
        sizeOnly++;
        out.set([255, 140, 0, 255], o);
      }
      if (!same) {
        differing++;
        if (x < x0) x0 = x;
        if (y < y0) y0 = y;
        if (x > x1) x1 = x;
        if (y > y1) y1 = y;
      }
    }
  }
  const box = differing ? { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } : null;
  return { width, height, differing, sizeOnly, box, image };
}

/** A rectangle of an image, clipped to it. */
export function cropImage(img: Image, x: number, y: number, width: number, height: number): Image {
  const x0 = Math.max(0, Math.min(img.width, Math.floor(x)));
  const y0 = Math.max(0, Math.min(img.height, Math.floor(y)));
  const w = Math.max(0, Math.min(img.width - x0, Math.floor(width)));
  const h = Math.max(0, Math.min(img.height - y0, Math.floor(height)));
  const data = new Uint8Array(w * h * 4);
  for (let r = 0; r < h; r++) data.set(img.data.subarray(((y0 + r) * img.width + x0) * 4, ((y0 + r) * img.width + x0 + w) * 4), r * w * 4);
  return { width: w, height: h, data };
}

/** Shrinks by an integer factor, each output pixel the mean of a factor x factor block. */
export function downscale(img: Image, factor: number): Image {
  const f = Math.max(1, Math.floor(factor));
  if (f === 1) return img;
  const w = Math.floor(img.width / f);
  const h = Math.floor(img.height / f);
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sum = [0, 0, 0, 0];
      for (let dy = 0; dy < f; dy++) {
        for (let dx = 0; dx < f; dx++) {
          const i = ((y * f + dy) * img.width + x * f + dx) * 4;
          for (let c = 0; c < 4; c++) sum[c]! += img.data[i + c]!;
        }
      }
      for (let c = 0; c < 4; c++) data[(y * w + x) * 4 + c] = Math.round(sum[c]! / (f * f));
    }
  }
  return { width: w, height: h, data };
}

/** Two images side by side (top-aligned) with a gap, on white. */
export function sideBySide(a: Image, b: Image, gap = 8): Image {
  const out = blankImage(a.width + gap + b.width, Math.max(a.height, b.height), [255, 255, 255, 255]);
  for (let y = 0; y < a.height; y++) out.data.set(a.data.subarray(y * a.width * 4, (y + 1) * a.width * 4), y * out.width * 4);
  for (let y = 0; y < b.height; y++) out.data.set(b.data.subarray(y * b.width * 4, (y + 1) * b.width * 4), (y * out.width + a.width + gap) * 4);
  return out;
}
