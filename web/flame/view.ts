// The canvas renderer: an icicle (root on top) or, inverted, a flame (root at the bottom).
//
// Each draw lays out only what is visible: rows are built level by level from the zoomed
// node, and since siblings are sorted heaviest first, the first child narrower than
// MIN_WIDTH ends the row's walk through that parent, so invisible subtrees are never
// visited. Layout goes into typed arrays that also serve hit testing (rows are sorted by
// x, so a binary search finds the frame under the mouse).
import { nodeName, type ViewTree } from '../../src/shared/view-tree.js';
import { diffColors, diffStep, MATCH_COLOR, packageColor, ROOT_COLOR } from './color.js';
import { packageOf } from '../../src/shared/go-name.js';

export const ROW = 18;
const MIN_WIDTH = 0.5;
const FONT = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
// Browsers refuse canvases much taller than this (in device pixels).
const MAX_CANVAS_PX = 32000;

export interface ViewOptions {
  /** Root at the bottom (the sandwich's callers). */
  inverted: boolean;
}

export class FlameView {
  zoomNode = 0;
  /** Per name index: 1 when it matches the search. */
  matchName: Uint8Array | null = null;
  /** Milliseconds of the last layout + paint, and of its layout alone. */
  lastDrawMs = 0;
  lastLayoutMs = 0;
  draws = 0;

  private bNode = new Int32Array(1024);
  private bX = new Float64Array(1024);
  private bW = new Float64Array(1024);
  /** Left edge in value units from the root's left edge (children are laid out from it). */
  private bV = new Float64Array(1024);
  private count = 0;
  /**
   * The host's width as last seen by the section's ResizeObserver (0: unknown). Reading
   * clientWidth after the breadcrumb changed the DOM would force a style and layout
   * pass inside the draw.
   */
  knownWidth = 0;
  private rowStart: number[] = [];
  private rows = 0;
  private cssWidth = 0;
  private cssHeight = 0;
  private pending = 0;
  private charWidth = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly tree: ViewTree,
    private readonly opts: ViewOptions,
  ) {}

  zoom(node: number): void {
    if (node < 0 || node >= this.tree.n) return;
    this.zoomNode = node;
    this.schedule();
  }

  /** Redraw on the next animation frame (several requests in one frame draw once). */
  schedule(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  /** Lays out and paints now; false when the canvas has no width (hidden). */
  draw(): boolean {
    const t0 = performance.now();
    const host = this.canvas.parentElement;
    const width = this.knownWidth > 0 ? this.knownWidth : host ? host.clientWidth : 0;
    if (width <= 0) return false;
    const dpr = window.devicePixelRatio || 1;
    const maxRows = Math.max(1, Math.floor(MAX_CANVAS_PX / dpr / ROW));
    this.layout(width, maxRows);
    this.lastLayoutMs = performance.now() - t0;
    // The canvas grows but never shrinks while zooming: a new backing store per zoom
    // costs more than the whole paint, and the page below does not jump around.
    const height = Math.max(this.rows * ROW, this.cssHeight && this.cssWidth === width ? this.cssHeight : 0, ROW);
    this.cssWidth = width;
    this.cssHeight = height;
    const c = this.canvas;
    const pw = Math.round(width * dpr);
    const ph = Math.round(height * dpr);
    if (c.width !== pw || c.height !== ph) {
      c.width = pw;
      c.height = ph;
      c.style.width = width + 'px';
      c.style.height = height + 'px';
    }
    const ctx = c.getContext('2d');
    if (!ctx) return false;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    this.paint(ctx);
    this.lastDrawMs = performance.now() - t0;
    this.draws++;
    return true;
  }

  private push(node: number, x: number, w: number, v: number): void {
    if (this.count === this.bNode.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => {
        b.set(a);
        return b;
      };
      const cap = this.count * 2;
      this.bNode = grow(this.bNode, new Int32Array(cap));
      this.bX = grow(this.bX, new Float64Array(cap));
      this.bW = grow(this.bW, new Float64Array(cap));
      this.bV = grow(this.bV, new Float64Array(cap));
    }
    this.bV[this.count] = v;
    this.bNode[this.count] = node;
    this.bX[this.count] = x;
    this.bW[this.count] = w;
    this.count++;
  }

  private layout(width: number, maxRows: number): void {
    const t = this.tree;
    const z = this.zoomNode;
    this.count = 0;
    const rs: number[] = [];
    const chain: number[] = [];
    for (let p = z; p >= 0; p = p > 0 ? t.parent[p]! : -1) chain.push(p);
    chain.reverse();
    const { firstChild, childCount, weight } = t;
    // The zoomed node and its ancestors span the whole width. Their left edges in value
    // units: the parent's plus the weights of the siblings before, summed in the order
    // the children's edges are summed below.
    let xz = 0;
    for (let k = 0; k < chain.length; k++) {
      const node = chain[k]!;
      if (k > 0) {
        for (let c = firstChild[chain[k - 1]!]!; c < node; c++) xz += weight[c]!;
      }
      if (k < maxRows) {
        rs.push(this.count);
        this.push(node, 0, width, xz);
      }
    }
    const wz = t.weight[z]!;
    if (wz > 0 && chain.length < maxRows) {
      const scale = width / wz;
      let ps = this.count - 1;
      let pe = this.count;
      while (ps < pe && rs.length < maxRows) {
        const rowAt = this.count;
        for (let b = ps; b < pe; b++) {
          const node = this.bNode[b]!;
          const end = firstChild[node]! + childCount[node]!;
          let xv = this.bV[b]!;
          for (let ch = firstChild[node]!; ch < end; ch++) {
            const w = weight[ch]! * scale;
            if (w < MIN_WIDTH) break;
            this.push(ch, (xv - xz) * scale, w, xv);
            xv += weight[ch]!;
          }
        }
        if (this.count === rowAt) break;
        rs.push(rowAt);
        ps = rowAt;
        pe = this.count;
      }
    }
    rs.push(this.count);
    this.rowStart = rs;
    this.rows = rs.length - 1;
  }

  /** Rows the canvas has room for (at least the rows drawn). */
  private get canvasRows(): number {
    return Math.max(this.rows, Math.round(this.cssHeight / ROW));
  }

  private rowY(r: number): number {
    return this.opts.inverted ? (this.canvasRows - 1 - r) * ROW : r * ROW;
  }

  // Colours are small integers into `palette` so that painting can batch all frames of
  // one colour under a single fillStyle (parsing a colour string per frame is what
  // costs most when drawing thousands of frames).
  private palette: string[] = [];
  private paletteIds = new Map<string, number>();
  private nameColor: Int32Array | null = null;

  private colorId(color: string): number {
    let id = this.paletteIds.get(color);
    if (id === undefined) {
      id = this.palette.length;
      this.palette.push(color);
      this.paletteIds.set(color, id);
    }
    return id;
  }

  private colorIdOf(node: number): number {
    const t = this.tree;
    const k = t.nameOf(node);
    if (this.matchName && k >= 0 && this.matchName[k]) return this.colorId(MATCH_COLOR);
    if (k < 0) return this.colorId(ROOT_COLOR);
    if (t.baseTotal) return this.colorId(diffColors()[diffStep(t.baseTotal[node]!, t.total[node]!)]!);
    if (!this.nameColor) this.nameColor = new Int32Array(t.names.length).fill(-1);
    let c = this.nameColor[k]!;
    if (c < 0) c = this.nameColor[k] = this.colorId(packageColor(t.names[k]!));
    return c;
  }

  /** Computes the colour of every name now (idle time) rather than at the first draw showing it. */
  warmColors(): void {
    const t = this.tree;
    if (t.baseTotal) return;
    if (!this.nameColor) this.nameColor = new Int32Array(t.names.length).fill(-1);
    const byPackage = new Map<string, number>();
    for (let k = 0; k < t.names.length; k++) {
      if (this.nameColor[k]! >= 0) continue;
      const name = t.names[k]!;
      const pkg = packageOf(name);
      let c = byPackage.get(pkg);
      if (c === undefined) byPackage.set(pkg, (c = this.colorId(packageColor(name))));
      this.nameColor[k] = c;
    }
  }

  private paint(ctx: CanvasRenderingContext2D): void {
    const { bNode, bX, bW } = this;
    const rs = this.rowStart;
    const count = this.count;
    // Per frame: its row's y and its colour.
    const yOf = new Float64Array(count);
    const cid = new Int32Array(count);
    for (let r = 0; r < this.rows; r++) {
      const y = this.rowY(r);
      for (let b = rs[r]!; b < rs[r + 1]!; b++) {
        yOf[b] = y;
        cid[b] = this.colorIdOf(bNode[b]!);
      }
    }
    // Counting sort by colour: one fillStyle and one path per colour.
    const colors = this.palette.length;
    const start = new Int32Array(colors + 1);
    for (let b = 0; b < count; b++) start[cid[b]! + 1]!++;
    for (let c = 0; c < colors; c++) start[c + 1]! += start[c]!;
    const order = new Int32Array(count);
    const fill = start.slice(0, colors);
    for (let b = 0; b < count; b++) order[fill[cid[b]!]!++] = b;
    const h = ROW - 1;
    for (let c = 0; c < colors; c++) {
      if (start[c] === start[c + 1]) continue;
      ctx.fillStyle = this.palette[c]!;
      ctx.beginPath();
      for (let k = start[c]!; k < start[c + 1]!; k++) {
        const b = order[k]!;
        const w = bW[b]!;
        // 1 px of gap on the right when there is room.
        ctx.rect(bX[b]!, yOf[b]!, w > 2 ? w - 1 : w, h);
      }
      ctx.fill();
    }
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#111';
    if (!this.charWidth) this.charWidth = ctx.measureText('MMMMMMMMMM').width / 10 || 7;
    const cw = this.charWidth;
    const t = this.tree;
    for (let r = 0; r < this.rows; r++) {
      const y = this.rowY(r) + ROW / 2;
      for (let b = rs[r]!; b < rs[r + 1]!; b++) {
        const fit = Math.floor((bW[b]! - 6) / cw);
        if (fit < 6) continue;
        ctx.fillText(fitLabel(nodeName(t, bNode[b]!), fit), bX[b]! + 3, y);
      }
    }
  }

  /** The node under a point in client coordinates, or -1. */
  hit(clientX: number, clientY: number): number {
    const b = this.hitBox(clientX, clientY);
    return b < 0 ? -1 : this.bNode[b]!;
  }

  private hitBox(clientX: number, clientY: number): number {
    const rect = this.canvas.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    if (x < 0 || y < 0 || x >= rect.width) return -1;
    let r = Math.floor(y / ROW);
    if (this.opts.inverted) r = this.canvasRows - 1 - r;
    if (r < 0 || r >= this.rows) return -1;
    let lo = this.rowStart[r]!;
    let hi = this.rowStart[r + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.bX[mid]! > x) hi = mid - 1;
      else if (this.bX[mid]! + this.bW[mid]! <= x) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** Where `node` is drawn, in client coordinates, or null when not drawn. */
  rectOf(node: number): { x: number; y: number; width: number; height: number } | null {
    const rect = this.canvas.getBoundingClientRect();
    for (let r = 0; r < this.rows; r++) {
      for (let b = this.rowStart[r]!; b < this.rowStart[r + 1]!; b++) {
        if (this.bNode[b] === node) {
          return { x: rect.left + this.bX[b]!, y: rect.top + this.rowY(r), width: this.bW[b]!, height: ROW - 1 };
        }
      }
    }
    return null;
  }

  /** Number of frames drawn by the last draw. */
  get drawnFrames(): number {
    return this.count;
  }

  get width(): number {
    return this.cssWidth;
  }
}

/** The name, or its part after the package path, cut to `fit` characters. */
export function fitLabel(name: string, fit: number): string {
  if (name.length <= fit) return name;
  const slash = name.lastIndexOf('/');
  const short = slash >= 0 ? name.slice(slash + 1) : name;
  if (short.length <= fit) return short;
  return short.slice(0, fit - 1) + '…';
}
