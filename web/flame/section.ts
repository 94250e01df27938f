// One flame section of a report page: the toolbar (search, reset, sandwich), the zoom
// breadcrumb, the main canvas, the tooltip and the sandwich panel. Every piece of profile
// text (function names) reaches the DOM through textContent or setAttribute only.
import { parseFlameData, viewTreeOfData } from '../../src/shared/flame-data.js';
import { sandwich } from '../../src/shared/sandwich.js';
// Values and percentages as pprof prints them, as in the terminal reports.
import { label as formatValue, percentageLabel as formatPercent } from '../../src/shared/units.js';
import { nodeName, type ViewTree } from '../../src/shared/view-tree.js';
import { fitLabel, FlameView } from './view.js';

function q<T extends Element>(root: ParentNode, sel: string): T {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error('flame section: missing ' + sel);
  return el;
}

function el(tag: string, cls: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

type Role = 'main' | 'callers' | 'callees';

/** A raw value for the tooltip: integers exactly, others with up to 6 decimals. */
function formatRaw(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(6)));
}

export interface SearchResult {
  /** Names matched. */
  names: number;
  /** Sum over the samples with a matching frame (each sample once). */
  value: number;
  baseValue: number;
}

export class FlameSection {
  readonly id: string;
  /** pprof sample unit and type of the values. */
  readonly unit: string;
  readonly sampleType: string;
  readonly tree: ViewTree;
  readonly main: FlameView;
  private sandwichViews: FlameView[] = [];
  private sandwichName = -1;
  private readonly tooltip: HTMLElement;
  private readonly crumbs: HTMLElement;
  private readonly matched: HTMLElement;
  private readonly searchBox: HTMLInputElement;
  private readonly sandwichBtn: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private searchPending = 0;

  constructor(readonly section: HTMLElement) {
    this.id = section.id;
    const block = q<HTMLScriptElement>(section, 'script.gf-data');
    const data = parseFlameData(block.textContent || '');
    // The typed arrays hold everything from here on: keep neither copy of the text.
    block.textContent = '';
    performance.mark(`goscope-flame:${this.id}:parsed`);
    this.unit = data.unit;
    this.sampleType = data.sampleType;
    this.tree = viewTreeOfData(data);
    performance.mark(`goscope-flame:${this.id}:tree`);
    this.main = new FlameView(q<HTMLCanvasElement>(section, 'canvas.gf-canvas'), this.tree, { inverted: false });
    this.tooltip = q<HTMLElement>(section, '.gf-tooltip');
    this.crumbs = q<HTMLElement>(section, '.gf-crumbs');
    this.matched = q<HTMLElement>(section, '.gf-matched');
    this.searchBox = q<HTMLInputElement>(section, 'input.gf-search');
    this.sandwichBtn = q<HTMLButtonElement>(section, 'button.gf-sandwich-btn');
    this.panel = q<HTMLElement>(section, '.gf-sandwich');
    this.fillTotal();
    this.wire(this.main.canvas, 'main');
    this.wire(q<HTMLCanvasElement>(this.panel, 'canvas.gf-sw-callers'), 'callers');
    this.wire(q<HTMLCanvasElement>(this.panel, 'canvas.gf-sw-callees'), 'callees');
    this.searchBox.addEventListener('input', () => {
      if (this.searchPending) return;
      this.searchPending = requestAnimationFrame(() => {
        this.searchPending = 0;
        this.search(this.searchBox.value);
      });
    });
    this.searchBox.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        this.searchBox.value = '';
        this.search('');
      }
    });
    q<HTMLButtonElement>(section, 'button.gf-reset').addEventListener('click', () => this.zoom(0));
    this.sandwichBtn.addEventListener('click', () => {
      const k = this.tree.nameOf(this.main.zoomNode);
      if (k >= 0) this.openSandwich(k);
    });
    q<HTMLButtonElement>(section, 'button.gf-sw-close').addEventListener('click', () => this.closeSandwich());
    const wrap = this.main.canvas.parentElement;
    if (wrap && typeof ResizeObserver !== 'undefined') {
      let lastWidth = -1;
      new ResizeObserver(() => {
        // Read here, where layout is clean; the main view draws with it from now on.
        const w = wrap.clientWidth;
        this.main.knownWidth = w;
        if (w === lastWidth) return;
        const first = lastWidth < 0;
        lastWidth = w;
        // The first report is the width the first paint already used.
        if (first && w === this.main.width) return;
        this.main.schedule();
        for (const v of this.sandwichViews) v.schedule();
      }).observe(wrap);
    }
    this.updateCrumbs();
  }

  /** First draw (synchronous, so the performance mark is taken right after it). */
  firstDraw(): boolean {
    if (!this.main.draw()) return false;
    performance.mark(`goscope-flame:${this.id}:first-paint`);
    this.section.setAttribute('data-state', 'ready');
    this.warmUp();
    return true;
  }

  /**
   * After the first paint, when the page is idle: what the first paint could do
   * without (the whole name index and parent arrays, every name's colour), so that the
   * first zoom, search or sandwich does not pay for it.
   */
  private warmUp(): void {
    const steps: (() => void)[] = [() => this.main.warmColors(), () => this.tree.parent, () => this.tree.nameIdx];
    const idle = (f: () => void) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(f, { timeout: 1000 }) : setTimeout(f, 50));
    const next = () => {
      const step = steps.shift();
      if (!step) return;
      step();
      idle(next);
    };
    idle(next);
  }

  private fillTotal(): void {
    const t = this.tree;
    const meta = this.section.querySelector('.gf-total');
    if (!meta) return;
    const unit = this.unit;
    meta.textContent = t.baseTotal
      ? `base ${formatValue(t.baseTotal[0]!, unit)} → new ${formatValue(t.total[0]!, unit)}`
      : `total ${formatValue(t.total[0]!, unit)}`;
    meta.setAttribute('data-total', String(t.total[0]));
  }

  zoom(node: number): void {
    this.main.zoom(node);
    this.updateCrumbs();
  }

  private updateCrumbs(): void {
    const t = this.tree;
    const chain: number[] = [];
    for (let p = this.main.zoomNode; p >= 0; p = p > 0 ? t.parent[p]! : -1) chain.push(p);
    chain.reverse();
    const items: Node[] = [];
    chain.forEach((node, i) => {
      if (i > 0) items.push(el('span', 'gf-crumb-sep', '›'));
      const b = el('button', 'gf-crumb', nodeName(t, node)) as HTMLButtonElement;
      b.type = 'button';
      b.setAttribute('data-node', String(node));
      if (i === chain.length - 1) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', () => this.zoom(node));
      items.push(b);
    });
    this.crumbs.replaceChildren(...items);
    const k = t.nameOf(this.main.zoomNode);
    this.sandwichBtn.disabled = k < 0;
    this.sandwichBtn.textContent = k < 0 ? 'Sandwich' : 'Sandwich: ' + fitLabel(t.names[k]!, 40);
  }

  /** Highlights frames whose name matches (a regular expression, or plain text when it is not one). */
  search(query: string): SearchResult {
    const t = this.tree;
    const views = [this.main, ...this.sandwichViews];
    if (query === '') {
      for (const v of views) {
        v.matchName = null;
        v.schedule();
      }
      this.matched.textContent = '';
      for (const a of ['data-matched', 'data-matched-base', 'data-matched-names']) this.matched.removeAttribute(a);
      return { names: 0, value: 0, baseValue: 0 };
    }
    let test: (s: string) => boolean;
    let how = 'regexp';
    try {
      const re = new RegExp(query);
      test = (s) => re.test(s);
    } catch {
      how = 'text';
      test = (s) => s.indexOf(query) >= 0;
    }
    const match = new Uint8Array(t.names.length);
    let names = 0;
    for (let k = 0; k < t.names.length; k++) {
      if (test(t.names[k]!)) {
        match[k] = 1;
        names++;
      }
    }
    // Sum the topmost matching nodes only: a sample under two matching frames counts once.
    const covered = new Uint8Array(t.n);
    let value = 0;
    let baseValue = 0;
    const parent = t.parent;
    const nameIdx = t.nameIdx;
    for (let i = 1; i < t.n; i++) {
      const p = parent[i]!;
      const kp = nameIdx[p]!;
      const c = covered[p]! | (kp >= 0 && match[kp] ? 1 : 0);
      covered[i] = c;
      if (!c && match[nameIdx[i]!]) {
        value += t.total[i]!;
        if (t.baseTotal) baseValue += t.baseTotal[i]!;
      }
    }
    for (const v of views) {
      v.matchName = match;
      v.schedule();
    }
    const unit = this.unit;
    let text: string;
    if (names === 0) text = `no match (${how})`;
    else if (t.baseTotal) {
      text =
        `matched: base ${formatValue(baseValue, unit)} (${formatPercent(baseValue, t.baseTotal[0]!)} of base)` +
        ` → new ${formatValue(value, unit)} (${formatPercent(value, t.total[0]!)} of new)`;
    } else {
      text = `matched: ${formatValue(value, unit)} (${formatPercent(value, t.total[0]!)} of total)`;
    }
    if (how === 'text' && names > 0) text += ' (plain text: not a valid regexp)';
    this.matched.textContent = text;
    this.matched.setAttribute('data-matched', String(value));
    this.matched.setAttribute('data-matched-names', String(names));
    if (t.baseTotal) this.matched.setAttribute('data-matched-base', String(baseValue));
    return { names, value, baseValue };
  }

  private viewFor(role: Role): FlameView | undefined {
    return role === 'main' ? this.main : this.sandwichViews[role === 'callers' ? 0 : 1];
  }

  // Listeners are attached once per canvas and look the current view up by role, since
  // each sandwich opening makes new views for the same canvases.
  private wire(canvas: HTMLCanvasElement, role: Role): void {
    const at = (e: MouseEvent): [FlameView, number] | null => {
      const view = this.viewFor(role);
      if (!view) return null;
      const node = view.hit(e.clientX, e.clientY);
      return node < 0 ? null : [view, node];
    };
    canvas.addEventListener('mousemove', (e) => {
      const h = at(e);
      if (!h) this.hideTooltip();
      else this.showTooltip(h[0], h[1], role, e.clientX, e.clientY);
    });
    canvas.addEventListener('mouseleave', () => this.hideTooltip());
    canvas.addEventListener('click', (e) => {
      const h = at(e);
      if (!h) return;
      if (role === 'main') this.zoom(h[1]);
      else h[0].zoom(h[1]);
      this.hideTooltip();
    });
    canvas.addEventListener('contextmenu', (e) => {
      const h = at(e);
      const k = h ? h[0].tree.nameOf(h[1]) : -1;
      if (k < 0) return;
      e.preventDefault();
      this.hideTooltip();
      this.openSandwich(k);
    });
  }

  private showTooltip(view: FlameView, node: number, role: Role, x: number, y: number): void {
    const t = view.tree;
    const unit = this.unit;
    const tip = this.tooltip;
    const lines: HTMLElement[] = [el('div', 'gf-tt-name', nodeName(t, node))];
    // Percentages are of the whole profile (the main tree's root), also in the sandwich.
    const all = this.tree.total[0]!;
    const allBase = this.tree.baseTotal ? this.tree.baseTotal[0]! : 0;
    const line = (label: string, v: number, of: number, ofName: string) =>
      el('div', 'gf-tt-row', `${label} ${formatValue(v, unit)} (${formatPercent(v, of)} of ${ofName}) · raw ${formatRaw(v)}`);
    const showSelf = role !== 'callers';
    if (t.baseTotal && t.baseSelf) {
      const bt = t.baseTotal[node]!;
      const nt = t.total[node]!;
      lines.push(line('base total', bt, allBase, 'base'));
      lines.push(line('new total', nt, all, 'new'));
      if (showSelf) {
        lines.push(line('base self', t.baseSelf[node]!, allBase, 'base'));
        lines.push(line('new self', t.self[node]!, all, 'new'));
      }
      const d = nt - bt;
      const rel = bt !== 0 ? ` (${d >= 0 ? '+' : '-'}${formatPercent(d, bt)})` : bt === 0 && nt > 0 ? ' (new)' : '';
      lines.push(el('div', 'gf-tt-row gf-tt-delta', `delta ${d > 0 ? '+' : ''}${formatValue(d, unit)}${rel} · raw ${formatRaw(d)}`));
    } else {
      lines.push(line('total', t.total[node]!, all, 'total'));
      if (showSelf) lines.push(line('self', t.self[node]!, all, 'total'));
    }
    if (role === 'callers') lines.push(el('div', 'gf-tt-hint', 'value of the function when called through this path'));
    lines.push(el('div', 'gf-tt-hint', node === view.zoomNode ? 'click: zoom in place' : 'click: zoom · right-click: sandwich'));
    tip.replaceChildren(...lines);
    tip.setAttribute('data-view', role);
    tip.setAttribute('data-node', String(node));
    tip.setAttribute('data-name', nodeName(t, node));
    tip.setAttribute('data-total', String(t.total[node]));
    tip.setAttribute('data-self', String(t.self[node]));
    if (t.baseTotal && t.baseSelf) {
      tip.setAttribute('data-base-total', String(t.baseTotal[node]));
      tip.setAttribute('data-base-self', String(t.baseSelf[node]));
    }
    tip.hidden = false;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    const left = Math.max(4, Math.min(x + 14, window.innerWidth - w - 4));
    const top = y + 16 + h > window.innerHeight ? Math.max(4, y - h - 10) : y + 16;
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  /** Shows the callers (above) and callees (below) of every occurrence of a function. */
  openSandwich(name: number): void {
    const t = this.tree;
    const sw = sandwich(t, name);
    this.sandwichName = name;
    const callersCanvas = q<HTMLCanvasElement>(this.panel, 'canvas.gf-sw-callers');
    const calleesCanvas = q<HTMLCanvasElement>(this.panel, 'canvas.gf-sw-callees');
    const callers = new FlameView(callersCanvas, sw.callers, { inverted: true });
    const callees = new FlameView(calleesCanvas, sw.callees, { inverted: false });
    callers.matchName = callees.matchName = this.main.matchName;
    this.sandwichViews = [callers, callees];
    const unit = this.unit;
    const title = q<HTMLElement>(this.panel, '.gf-sw-title');
    const cum = sw.callees.total[0]!;
    let text = `${t.names[name]!} — total ${formatValue(cum, unit)} (${formatPercent(cum, t.total[0]!)}), self ${formatValue(sw.self, unit)}`;
    if (t.baseTotal) text += ` · base total ${formatValue(sw.callees.baseTotal![0]!, unit)}, self ${formatValue(sw.baseSelf, unit)}`;
    title.textContent = text;
    title.setAttribute('data-name', t.names[name]!);
    title.setAttribute('data-total', String(cum));
    title.setAttribute('data-self', String(sw.self));
    this.panel.hidden = false;
    callers.draw();
    callees.draw();
    this.panel.scrollIntoView({ block: 'nearest' });
  }

  closeSandwich(): void {
    this.panel.hidden = true;
    this.sandwichViews = [];
    this.sandwichName = -1;
  }

  /** The function the sandwich shows, or null. */
  get sandwichFunction(): string | null {
    return this.sandwichName < 0 ? null : this.tree.names[this.sandwichName]!;
  }

  /** The node at `path` (names from below the root), or -1. */
  nodeAt(path: string[]): number {
    const t = this.tree;
    let node = 0;
    for (const name of path) {
      let found = -1;
      const end = t.firstChild[node]! + t.childCount[node]!;
      for (let c = t.firstChild[node]!; c < end; c++) {
        if (t.names[t.nameOf(c)] === name) {
          found = c;
          break;
        }
      }
      if (found < 0) return -1;
      node = found;
    }
    return node;
  }

  /** Where the node at `path` is drawn in the main view (client coordinates), or null. */
  rectOfPath(path: string[]): { x: number; y: number; width: number; height: number } | null {
    const node = this.nodeAt(path);
    return node < 0 ? null : this.main.rectOf(node);
  }
}
