// The timeline canvas: a time axis, a GC / stop-the-world band, one row per P (which
// goroutine it ran) and one row per goroutine (its states), the goroutine rows scrolled
// by a native scroller whose viewport-sized canvas stays put (position: sticky).
//
// Each frame draws only the visible rows, and in each row only the visible time range:
// a binary search on interval ends finds the first visible interval (a row's intervals
// never overlap, so starts and ends are both ascending). An interval narrower than one
// pixel becomes a one-pixel column, and every other interval ending inside that column is
// skipped with a galloping search (the column takes the colour of the interval under
// its middle), so a frame costs O(pixels × log n) per row however many intervals the
// row has. Proc rows search copies of their intervals laid out contiguously: searching
// through the index d.p.iv into the shared columns missed the cache on nearly every
// read and took most of a frame.
//
// Rectangles are merged with their same-coloured neighbour and written as pixel spans
// into one ImageData (a Uint32Array view), put on the canvas once per frame; text and
// lines are then drawn on top. Filling tens of thousands of anti-aliased rectangles
// through the 2D context took ~9 ms a frame to record, and longer again to rasterize
// in software; the spans take about a millisecond. Edges snap to device pixels instead
// of being anti-aliased. Redraws are coalesced with requestAnimationFrame.
import { GC_STW } from '../../src/shared/timeline.js';
import type { TimelineData } from '../../src/shared/timeline-data.js';

const AXIS_H = 22;
const GC_H = 12;
const GAP = 6;
const LABEL_W = 190;
const G_ROW = 16;
const G_BAR = 11;
const MIN_SPAN = 50; // ns
const FONT = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';

// Colour indexes: states 0-3, proc palette 4-19, GC 20-21, region 22.
const PROC_BASE = 4;
const PROC_PALETTE = 16;
const C_GC = 20;
const C_REGION = 22;
const COLORS: string[] = ['#2e9d4f', '#e9b949', '#c3ccd8', '#d2691e'];
for (let i = 0; i < PROC_PALETTE; i++)
  COLORS.push(`hsl(${Math.round((i * 360) / PROC_PALETTE + 100) % 360},${i % 2 ? 55 : 45}%,${i % 3 === 0 ? 52 : i % 3 === 1 ? 60 : 46}%)`);
COLORS.push('#f4a261', '#d62828', '#7b5ea7');
const C_WHITE = COLORS.length;
COLORS.push('#fff');
const C_GC_BG = COLORS.length;
COLORS.push('#f3f4f6');

/** COLORS as pixels in ImageData's byte order (read back from a 1×1 canvas, so any CSS colour works). */
let pixelColors: Uint32Array | null = null;
function colorPixels(): Uint32Array {
  if (pixelColors) return pixelColors;
  const out = new Uint32Array(COLORS.length);
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  for (let i = 0; i < COLORS.length; i++) {
    if (!ctx) {
      out[i] = 0xff808080;
      continue;
    }
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = COLORS[i]!;
    ctx.fillRect(0, 0, 1, 1);
    out[i] = new Uint32Array(ctx.getImageData(0, 0, 1, 1).data.buffer)[0]!;
  }
  return (pixelColors = out);
}

/** First k in [lo, hi) with key(k) > t (keys ascending), hi if none. */
function upperBound(keys: Float64Array, ind: Int32Array | null, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = keys[ind ? ind[mid]! : mid]!;
    if (v > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * First k in [lo, hi) with keys[k] > t (keys ascending), hi if none: like upperBound
 * but probing lo+1, lo+3, lo+7, ... first, so a short skip costs a few reads near lo.
 */
function gallop(keys: Float64Array, lo: number, hi: number, t: number): number {
  let step = 1;
  let base = lo;
  while (base < hi && keys[base]! <= t) {
    lo = base + 1;
    base += step;
    step *= 2;
  }
  return upperBound(keys, null, lo, Math.min(base, hi), t);
}

export interface Hit {
  /** 'g': a goroutine's interval; 'p': a P's; 'gc': a GC/STW range; 'label': a goroutine row's label. */
  kind: 'g' | 'p' | 'gc' | 'label';
  /** Index into iv (g, p), gc, or the goroutine index (label). */
  index: number;
  /** Proc row for 'p'. */
  proc: number;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class TimelineView {
  t0: number;
  t1: number;
  /** Goroutine indexes in row order (sorted, filtered). */
  rows: Int32Array;
  /** Row of each goroutine index, -1 when filtered out. */
  rowOf: Int32Array;
  lastDrawMs = 0;
  draws = 0;
  scrollTop = 0;
  width = 0;
  height = 0;
  onDraw: (() => void) | null = null;

  private readonly gColor: Uint8Array;
  // Proc rows' intervals copied out in row order (d.p.iv order), with their colour
  // index, so that painting a proc row reads contiguous memory.
  private readonly pStart: Float64Array;
  private readonly pEnd: Float64Array;
  private readonly pColor: Uint8Array;
  private pending = 0;
  private procRow = 14;
  private headerH = 0;
  private charWidth = 0;
  private scale = 1;
  // The frame's pixels (device px, the canvas's size), reused while the size holds.
  private img: ImageData | null = null;
  private pix = new Uint32Array(0);
  private readonly colorPix: Uint32Array = colorPixels();
  private dpr = 1;
  // Spans are clipped to these rows (device px): the goroutine rows or the header.
  private clipY0 = 0;
  private clipY1 = 0;
  // While paintRow runs, spans write only their top scanline (see paintRow).
  private lineOnly = false;
  private runC = -1;
  private runX0 = 0;
  private runX1 = 0;
  private runY = 0;
  private runH = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly scroller: HTMLElement,
    readonly spacer: HTMLElement,
    readonly data: TimelineData,
  ) {
    this.t0 = data.start;
    this.t1 = Math.max(data.end, data.start + MIN_SPAN);
    this.gColor = new Uint8Array(data.g.n);
    const byName = new Map<number, number>();
    for (let i = 0; i < data.g.n; i++) {
      const nm = data.g.name[i]!;
      let c = byName.get(nm);
      if (c === undefined) byName.set(nm, (c = hashString(data.strings[nm] ?? '') % PROC_PALETTE));
      this.gColor[i] = c;
    }
    const piv = data.p.iv;
    this.pStart = new Float64Array(piv.length);
    this.pEnd = new Float64Array(piv.length);
    this.pColor = new Uint8Array(piv.length);
    for (let k = 0; k < piv.length; k++) {
      const j = piv[k]!;
      this.pStart[k] = data.iv.start[j]!;
      this.pEnd[k] = data.iv.end[j]!;
      this.pColor[k] = PROC_BASE + this.gColor[data.iv.owner[j]!]!;
    }
    this.rows = new Int32Array(0);
    this.rowOf = new Int32Array(data.g.n).fill(-1);
    this.procRow = data.p.n <= 16 ? 14 : data.p.n <= 48 ? 8 : 4;
    this.headerH = AXIS_H + GC_H + data.p.n * this.procRow + GAP;
    this.setRows(this.sortedRows('start', null));
  }

  /** Goroutine indexes sorted by a mode, keeping those whose name or "G<id>" matches. */
  sortedRows(mode: string, filter: RegExp | null): Int32Array {
    const d = this.data;
    const out: number[] = [];
    for (let i = 0; i < d.g.n; i++) {
      if (filter && !filter.test(d.strings[d.g.name[i]!] ?? '') && !filter.test('G' + d.g.id[i])) continue;
      out.push(i);
    }
    const first = d.g.first;
    const id = d.g.id;
    if (mode === 'name')
      out.sort((a, b) =>
        d.strings[d.g.name[a]!]! < d.strings[d.g.name[b]!]! ? -1 : d.strings[d.g.name[a]!]! > d.strings[d.g.name[b]!]! ? 1 : first[a]! - first[b]! || a - b,
      );
    else if (mode === 'running') out.sort((a, b) => d.running[b]! - d.running[a]! || a - b);
    else if (mode === 'id') out.sort((a, b) => id[a]! - id[b]!);
    else out.sort((a, b) => first[a]! - first[b]! || id[a]! - id[b]!);
    return Int32Array.from(out);
  }

  setRows(rows: Int32Array): void {
    this.rows = rows;
    this.rowOf.fill(-1);
    for (let r = 0; r < rows.length; r++) this.rowOf[rows[r]!] = r;
    this.layout();
    this.schedule();
  }

  /** Total content height (header + all goroutine rows), CSS px. */
  contentHeight(): number {
    return this.headerH + this.rows.length * G_ROW + 4;
  }

  /** Sizes the canvas to the scroller's width and the viewport's height. */
  layout(): void {
    const w = this.scroller.clientWidth;
    if (w <= 0) return;
    const maxH = Math.max(320, Math.round(window.innerHeight * 0.72));
    const total = this.contentHeight();
    const h = Math.min(total, maxH);
    this.scroller.style.height = h + 2 + 'px';
    this.spacer.style.height = Math.max(0, total - h) + 'px';
    if (w !== this.width || h !== this.height) {
      const dpr = window.devicePixelRatio || 1;
      this.width = w;
      this.height = h;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = w + 'px';
      this.canvas.style.height = h + 'px';
    }
    this.scrollTop = Math.min(this.scroller.scrollTop, Math.max(0, total - h));
  }

  get plotWidth(): number {
    return Math.max(1, this.width - LABEL_W);
  }

  get headerHeight(): number {
    return this.headerH;
  }

  /** Sets the visible time range (clamped to the trace, at least MIN_SPAN wide). */
  setRange(t0: number, t1: number): void {
    const d = this.data;
    const full = Math.max(d.end - d.start, MIN_SPAN);
    let span = Math.min(Math.max(t1 - t0, MIN_SPAN), full);
    if (!(span > 0)) span = full;
    let a = t0;
    if (a < d.start) a = d.start;
    if (a + span > d.start + full) a = d.start + full - span;
    this.t0 = a;
    this.t1 = a + span;
    this.schedule();
  }

  /** Zooms by a factor (< 1 in) keeping the time under x (CSS px in the canvas) in place. */
  zoomAt(factor: number, x?: number): void {
    const px = x === undefined || x < LABEL_W ? LABEL_W + this.plotWidth / 2 : x;
    const span = this.t1 - this.t0;
    const t = this.t0 + ((px - LABEL_W) / this.plotWidth) * span;
    const ns = span * factor;
    const f = (t - this.t0) / span;
    this.setRange(t - f * ns, t - f * ns + ns);
  }

  /** Pans by a fraction of the visible span (positive: later). */
  panBy(fraction: number): void {
    const span = this.t1 - this.t0;
    this.setRange(this.t0 + span * fraction, this.t1 + span * fraction);
  }

  /** Time at x (CSS px in the canvas). */
  timeAt(x: number): number {
    return this.t0 + ((x - LABEL_W) / this.plotWidth) * (this.t1 - this.t0);
  }

  xOf(t: number): number {
    return LABEL_W + ((t - this.t0) / (this.t1 - this.t0)) * this.plotWidth;
  }

  /** Top of goroutine row r (CSS px in the canvas), scrolled. */
  rowY(r: number): number {
    return this.headerH + r * G_ROW - this.scrollTop;
  }

  procY(p: number): number {
    return AXIS_H + GC_H + p * this.procRow;
  }

  schedule(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  // ---------------------------------------------------------------- painting

  /** Writes the pending run of emit() into the pixels. */
  private flushRun(): void {
    const c = this.runC;
    if (c < 0) return;
    this.runC = -1;
    this.fillPix(c, this.runX0, this.runX1, this.runY, this.runH);
  }

  /**
   * Fills a rectangle (CSS px) in the pixel buffer, edges rounded to device pixels,
   * at least one pixel wide, clipped to the plot's columns and [clipY0, clipY1).
   */
  private fillPix(c: number, x0: number, x1: number, y: number, h: number): void {
    const dpr = this.dpr;
    const w = this.img!.width;
    let X0 = Math.round(x0 * dpr);
    let X1 = Math.round(x1 * dpr);
    if (X1 <= X0) X1 = X0 + 1;
    const xMin = Math.round(LABEL_W * dpr);
    if (X0 < xMin) X0 = xMin;
    if (X1 > w) X1 = w;
    let Y0 = Math.round(y * dpr);
    let Y1 = Math.round((y + h) * dpr);
    if (Y1 <= Y0) Y1 = Y0 + 1;
    if (Y0 < this.clipY0) Y0 = this.clipY0;
    if (Y1 > this.clipY1) Y1 = this.clipY1;
    if (X1 <= X0 || Y1 <= Y0) return;
    if (this.lineOnly) Y1 = Y0 + 1;
    const v = this.colorPix[c]!;
    const pix = this.pix;
    // Most spans are a pixel or a few wide: a plain loop beats fill()'s call there.
    const narrow = X1 - X0 <= 8;
    for (let row = Y0 * w, end = Y1 * w; row < end; row += w) {
      if (narrow) for (let i = row + X0; i < row + X1; i++) pix[i] = v;
      else pix.fill(v, row + X0, row + X1);
    }
  }

  private emit(c: number, x0: number, x1: number, y: number, h: number): void {
    if (c === this.runC && y === this.runY && h === this.runH && x0 <= this.runX1 + 0.25) {
      if (x1 > this.runX1) this.runX1 = x1;
      return;
    }
    this.flushRun();
    this.runC = c;
    this.runX0 = x0;
    this.runX1 = x1;
    this.runY = y;
    this.runH = h;
  }

  /**
   * Paints the row's intervals k in [lo, hi) whose starts and ends ascend, culled to
   * [t0, t1) and merged below a pixel. The colour of k is col[k] (a colour index), or
   * `fixed` without col. The arrays are contiguous for the row (proc rows use copies,
   * see pStart): the searches below then stay in cache instead of jumping through an
   * index into the 1M-interval columns, which cost most of a frame.
   */
  private paintRow(start: Float64Array, end: Float64Array, col: Uint8Array | null, lo: number, hi: number, y: number, h: number, fixed: number): void {
    const t0 = this.t0;
    const t1 = this.t1;
    const scale = this.scale;
    const xMin = LABEL_W;
    const xMax = LABEL_W + this.plotWidth;
    // Every span of the row has the same y and h and nothing else is drawn in its
    // band: write each span's top scanline only, then copy that scanline down the
    // band. Contiguous writes and a memcpy per scanline beat writing columns.
    this.flushRun();
    this.lineOnly = true;
    // Edges snap to device pixels, so a gap narrower than one (an idle sliver
    // between two slices) could widen into a whole white column; such a gap is
    // closed by starting the next span where the previous one ended.
    const minGap = 1 / this.dpr;
    let prevX1 = -Infinity;
    let k = upperBound(end, null, lo, hi, t0);
    while (k < hi) {
      const s = start[k]!;
      if (s >= t1) break;
      let x0 = xMin + (s - t0) * scale;
      let x1 = xMin + (end[k]! - t0) * scale;
      if (x0 < xMin) x0 = xMin;
      if (x1 > xMax) x1 = xMax;
      if (x1 - x0 >= 1) {
        this.emit(col ? col[k]! : fixed, x0 > prevX1 && x0 - prevX1 < minGap ? prevX1 : x0, x1, y, h);
        prevX1 = x1;
        k++;
        continue;
      }
      // Sub-pixel: one column; skip every interval that ends inside it. The skip is
      // short when zoomed in, so search forward from k (galloping) rather than over
      // the whole rest of the row.
      const px = Math.floor(x0);
      const tNext = t0 + (px + 1 - xMin) / scale;
      const k2 = gallop(end, k + 1, hi, tNext);
      let c = col ? col[k]! : fixed;
      if (k2 !== k + 1 && col) {
        // Several intervals share the column: it takes the colour under its middle.
        const tMid = t0 + (px + 0.5 - xMin) / scale;
        const km = gallop(end, k, Math.min(hi, k2 + 1), tMid);
        if (km < hi && start[km]! <= tMid) c = col[km]!;
      }
      this.emit(c, px > prevX1 && px - prevX1 < minGap ? prevX1 : px, px + 1, y, h);
      prevX1 = px + 1;
      k = k2;
    }
    this.flushRun();
    this.lineOnly = false;
    // Copy the top scanline's plot part down the band (the same rounding and
    // clipping as fillPix).
    const dpr = this.dpr;
    const w = this.img!.width;
    const xMinPx = Math.round(LABEL_W * dpr);
    const top = Math.round(y * dpr);
    const Y0 = Math.max(this.clipY0, top);
    const Y1 = Math.min(this.clipY1, Math.max(Math.round((y + h) * dpr), top + 1));
    for (let row = Y0 + 1; row < Y1; row++) this.pix.copyWithin(row * w + xMinPx, Y0 * w + xMinPx, (Y0 + 1) * w);
  }

  /** Lays out and paints now; false when the canvas has no width. */
  draw(): boolean {
    const t0ms = performance.now();
    if (this.width <= 0) this.layout();
    if (this.width <= 0) return false;
    this.scrollTop = Math.min(this.scroller.scrollTop, Math.max(0, this.contentHeight() - this.height));
    const d = this.data;
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.canvas.getContext('2d')!;
    const cw = this.canvas.width;
    const ch = this.canvas.height;
    if (!this.img || this.img.width !== cw || this.img.height !== ch) {
      this.img = ctx.createImageData(cw, ch);
      this.pix = new Uint32Array(this.img.data.buffer);
    }
    this.pix.fill(0);
    this.dpr = dpr;
    if (!this.charWidth) {
      ctx.font = FONT;
      this.charWidth = ctx.measureText('MMMMMMMMMM').width / 10 || 7;
    }
    this.scale = this.plotWidth / (this.t1 - this.t0);
    this.runC = -1;

    // Goroutine rows, clipped below the header.
    const headerH = this.headerH;
    const hdrY = Math.round(headerH * dpr);
    this.clipY0 = hdrY;
    this.clipY1 = ch;
    const rFirst = Math.max(0, Math.floor(this.scrollTop / G_ROW));
    const rLast = Math.min(this.rows.length, Math.ceil((this.scrollTop + this.height - headerH) / G_ROW) + 1);
    const rg = d.rg;
    for (let r = rFirst; r < rLast; r++) {
      const gi = this.rows[r]!;
      const y = this.rowY(r) + 2;
      this.paintRow(d.iv.start, d.iv.end, d.iv.state, d.g.off[gi]!, d.g.off[gi + 1]!, y, G_BAR, 0);
      for (let k = rg.off[gi]!; k < rg.off[gi + 1]!; k = rg.segEnd[k]!) {
        this.paintRow(rg.start, rg.end, null, k, rg.segEnd[k]!, y + G_BAR + 0.5, 2, C_REGION);
      }
    }

    // Header above the scrolled rows: white, the GC band's background, GC, procs.
    this.pix.fill(this.colorPix[C_WHITE]!, 0, hdrY * cw);
    this.clipY0 = 0;
    this.clipY1 = hdrY;
    this.fillPix(C_GC_BG, LABEL_W, LABEL_W + this.plotWidth, AXIS_H, GC_H);
    for (let k = 0; k < d.gc.n; k++) {
      const s = d.gc.start[k]!;
      const e = d.gc.end[k]!;
      if (e <= this.t0 || s >= this.t1) continue;
      const x0 = Math.max(LABEL_W, this.xOf(s));
      const x1 = Math.max(x0 + 1, Math.min(LABEL_W + this.plotWidth, this.xOf(e)));
      const stw = d.gc.kind[k] === GC_STW;
      this.emit(C_GC + (stw ? 1 : 0), x0, x1, AXIS_H + (stw ? 0 : 2), stw ? GC_H : GC_H - 4);
    }
    this.flushRun();
    for (let p = 0; p < d.p.n; p++) {
      const h = this.procRow > 6 ? this.procRow - 2 : this.procRow - 1;
      this.paintRow(this.pStart, this.pEnd, this.pColor, d.p.off[p]!, d.p.off[p + 1]!, this.procY(p) + 1, h, 0);
    }
    // putImageData replaces every pixel (no clearRect needed); text and lines go on top.
    ctx.putImageData(this.img, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.font = FONT;
    this.drawAxis(ctx);
    this.drawLabels(ctx, rFirst, rLast);
    ctx.strokeStyle = '#d9dce1';
    ctx.beginPath();
    ctx.moveTo(0, headerH - GAP / 2 + 0.5);
    ctx.lineTo(this.width, headerH - GAP / 2 + 0.5);
    ctx.moveTo(LABEL_W - 0.5, 0);
    ctx.lineTo(LABEL_W - 0.5, this.height);
    ctx.stroke();

    this.draws++;
    this.lastDrawMs = performance.now() - t0ms;
    if (this.onDraw) this.onDraw();
    return true;
  }

  private drawAxis(ctx: CanvasRenderingContext2D): void {
    const d = this.data;
    const span = this.t1 - this.t0;
    const raw = (span / this.plotWidth) * 90;
    const p10 = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = raw / p10 < 2 ? 2 * p10 : raw / p10 < 5 ? 5 * p10 : 10 * p10;
    const unit = step >= 1e9 ? 1e9 : step >= 1e6 ? 1e6 : step >= 1e3 ? 1e3 : 1;
    const uname = unit === 1e9 ? 's' : unit === 1e6 ? 'ms' : unit === 1e3 ? 'µs' : 'ns';
    const decimals = Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9));
    ctx.fillStyle = '#5c6370';
    ctx.strokeStyle = '#c5c9d0';
    ctx.textBaseline = 'middle';
    ctx.beginPath();
    const first = Math.ceil((this.t0 - d.start) / step) * step;
    for (let rel = first; d.start + rel <= this.t1; rel += step) {
      const x = Math.round(this.xOf(d.start + rel)) + 0.5;
      ctx.moveTo(x, AXIS_H - 6);
      ctx.lineTo(x, AXIS_H);
      const label = (rel / unit).toFixed(decimals) + uname;
      if (x + 3 + label.length * this.charWidth <= this.width) ctx.fillText(label, x + 3, AXIS_H / 2 - 1);
    }
    ctx.stroke();
    ctx.fillText('time', 6, AXIS_H / 2 - 1);
    ctx.fillText('GC / STW', 6, AXIS_H + GC_H / 2);
  }

  private fit(text: string, width: number): string {
    const n = Math.floor(width / this.charWidth);
    return text.length <= n ? text : text.slice(0, Math.max(0, n - 1)) + '…';
  }

  private drawLabels(ctx: CanvasRenderingContext2D, rFirst: number, rLast: number): void {
    const d = this.data;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#1d1f24';
    if (this.procRow >= 8) {
      for (let p = 0; p < d.p.n; p++) ctx.fillText('P' + d.p.id[p], 6, this.procY(p) + this.procRow / 2);
    } else if (d.p.n) {
      ctx.fillText(`P${d.p.id[0]}–P${d.p.id[d.p.n - 1]}`, 6, this.procY(0) + 6);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, this.headerH, LABEL_W, this.height - this.headerH);
    ctx.clip();
    for (let r = rFirst; r < rLast; r++) {
      const gi = this.rows[r]!;
      const label = 'G' + d.g.id[gi] + ' ' + (d.strings[d.g.name[gi]!] || '?');
      ctx.fillText(this.fit(label, LABEL_W - 10), 6, this.rowY(r) + G_ROW / 2);
    }
    ctx.restore();
  }

  // ---------------------------------------------------------------- hit testing

  /** The interval k in [lo, hi) nearest t within tol ns, as its index (ind[k] or k), or -1. */
  private nearest(start: Float64Array, end: Float64Array, ind: Int32Array | null, lo: number, hi: number, t: number, tol: number): number {
    const k = upperBound(end, ind, lo, hi, t);
    let best = -1;
    let bestD = Infinity;
    for (const c of [k - 1, k]) {
      if (c < lo || c >= hi) continue;
      const j = ind ? ind[c]! : c;
      const dist = t < start[j]! ? start[j]! - t : t >= end[j]! ? t - end[j]! : 0;
      if (dist <= tol && dist < bestD) {
        best = j;
        bestD = dist;
      }
    }
    return best;
  }

  /** What is under (x, y), CSS px in the canvas. */
  hitTest(x: number, y: number): Hit | null {
    const d = this.data;
    if (y < AXIS_H || y >= this.height) return null;
    const t = this.timeAt(x);
    const tol = 3 / (this.plotWidth / (this.t1 - this.t0));
    if (y >= this.headerH) {
      const r = Math.floor((y - this.headerH + this.scrollTop) / G_ROW);
      if (r < 0 || r >= this.rows.length) return null;
      const gi = this.rows[r]!;
      if (x < LABEL_W) return { kind: 'label', index: gi, proc: -1 };
      const j = this.nearest(d.iv.start, d.iv.end, null, d.g.off[gi]!, d.g.off[gi + 1]!, t, tol);
      return j >= 0 ? { kind: 'g', index: j, proc: -1 } : null;
    }
    if (x < LABEL_W) return null;
    if (y < AXIS_H + GC_H) {
      let best = -1;
      for (let k = 0; k < d.gc.n; k++) {
        if (d.gc.start[k]! - tol <= t && t < d.gc.end[k]! + tol && (best < 0 || d.gc.kind[k] === GC_STW)) best = k;
      }
      return best >= 0 ? { kind: 'gc', index: best, proc: -1 } : null;
    }
    const p = Math.floor((y - AXIS_H - GC_H) / this.procRow);
    if (p < 0 || p >= d.p.n) return null;
    const j = this.nearest(d.iv.start, d.iv.end, d.p.iv, d.p.off[p]!, d.p.off[p + 1]!, t, tol);
    return j >= 0 ? { kind: 'p', index: j, proc: p } : null;
  }

  /** The canvas rectangle (CSS px in the canvas) of interval j in its goroutine row, or null if not visible. */
  intervalRect(j: number): { x: number; y: number; width: number; height: number } | null {
    const d = this.data;
    const r = this.rowOf[d.iv.owner[j]!]!;
    if (r < 0) return null;
    const y = this.rowY(r) + 2;
    if (y < this.headerH || y + G_BAR > this.height) return null;
    const x0 = Math.max(LABEL_W, this.xOf(d.iv.start[j]!));
    const x1 = Math.min(LABEL_W + this.plotWidth, this.xOf(d.iv.end[j]!));
    if (x1 <= x0) return null;
    return { x: x0, y, width: x1 - x0, height: G_BAR };
  }

  /** Scrolls so that goroutine index gi's row is visible. */
  scrollToGoroutine(gi: number): boolean {
    const r = this.rowOf[gi]!;
    if (r < 0) return false;
    const top = r * G_ROW;
    const visible = this.height - this.headerH;
    if (top < this.scroller.scrollTop || top + G_ROW > this.scroller.scrollTop + visible) {
      this.scroller.scrollTop = Math.max(0, top - Math.floor(visible / 2));
    }
    this.scrollTop = this.scroller.scrollTop;
    this.schedule();
    return true;
  }
}
