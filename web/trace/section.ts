// One timeline section's UI: toolbar (zoom, pan, reset, sort, filter), mouse (drag to
// pan, Ctrl+wheel or wheel over the header to zoom, wheel to scroll rows, hover and
// click for the tooltip), keyboard (W/S zoom, A/D pan, 0 reset, as go tool trace).
// Trace text (goroutine names, reasons, region names) reaches the DOM via textContent.
import { formatNs } from '../../src/shared/duration.js';
import { GC_STW, STATE_NAMES, STATE_RUNNING } from '../../src/shared/timeline.js';
import { parseTimelineData } from '../../src/shared/timeline-data.js';
import { TimelineView } from './view.js';

function q<T extends Element>(root: Element, sel: string): T {
  const el = root.querySelector(sel);
  if (!el) throw new Error('missing ' + sel);
  return el as T;
}

function row(parent: HTMLElement, label: string, value: string): void {
  const div = document.createElement('div');
  div.className = 'gt-tt-row';
  const b = document.createElement('b');
  b.textContent = label + ' ';
  div.appendChild(b);
  div.appendChild(document.createTextNode(value));
  parent.appendChild(div);
}

const ZOOM_STEP = 0.8;
const PAN_STEP = 0.2;

export class TraceSection {
  readonly view: TimelineView;
  private readonly tooltip: HTMLElement;
  private readonly rangeEl: HTMLElement;
  private readonly countEl: HTMLElement;
  private readonly sortEl: HTMLSelectElement;
  private readonly filterEl: HTMLInputElement;
  private mouseX = -1;
  private drag: { x: number; t0: number; t1: number; moved: boolean } | null = null;
  private pinned = false;

  constructor(readonly el: HTMLElement) {
    const block = q<HTMLScriptElement>(el, 'script.gt-data');
    const data = parseTimelineData(block.textContent || '');
    block.textContent = '';
    performance.mark('goscope-trace:parsed');
    const canvas = q<HTMLCanvasElement>(el, 'canvas.gt-canvas');
    this.view = new TimelineView(canvas, q<HTMLElement>(el, '.gt-scroll'), q<HTMLElement>(el, '.gt-spacer'), data);
    this.tooltip = q<HTMLElement>(el, '.gt-tooltip');
    this.rangeEl = q<HTMLElement>(el, '.gt-range');
    this.countEl = q<HTMLElement>(el, '.gt-count');
    this.sortEl = q<HTMLSelectElement>(el, 'select.gt-sort');
    this.filterEl = q<HTMLInputElement>(el, 'input.gt-filter');
    this.view.onDraw = () => this.afterDraw();
    this.wire(canvas);
    this.updateCount();
  }

  /** The first draw, now; false if the section has no width yet. */
  firstDraw(): boolean {
    this.view.layout();
    if (!this.view.draw()) return false;
    performance.mark('goscope-trace:first-paint');
    this.el.setAttribute('data-state', 'ready');
    return true;
  }

  private afterDraw(): void {
    const v = this.view;
    const d = v.data;
    this.el.setAttribute('data-t0', String(v.t0));
    this.el.setAttribute('data-t1', String(v.t1));
    this.rangeEl.textContent = `${formatNs(v.t0 - d.start)} – ${formatNs(v.t1 - d.start)} (${formatNs(v.t1 - v.t0)} of ${formatNs(d.end - d.start)})`;
  }

  private updateCount(): void {
    const n = this.view.rows.length;
    this.countEl.textContent = n === this.view.data.g.n ? `${n} goroutines` : `${n} of ${this.view.data.g.n} goroutines`;
  }

  private applyRows(): void {
    const text = this.filterEl.value.trim();
    let re: RegExp | null = null;
    if (text) {
      try {
        re = new RegExp(text);
      } catch {
        re = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      }
    }
    this.view.setRows(this.view.sortedRows(this.sortEl.value, re));
    this.updateCount();
    this.hideTooltip();
  }

  private local(ev: MouseEvent): { x: number; y: number } {
    const r = this.view.canvas.getBoundingClientRect();
    return { x: ev.clientX - r.left, y: ev.clientY - r.top };
  }

  private wire(canvas: HTMLCanvasElement): void {
    const v = this.view;
    const el = this.el;
    q<HTMLButtonElement>(el, '.gt-zoom-in').addEventListener('click', () => v.zoomAt(ZOOM_STEP));
    q<HTMLButtonElement>(el, '.gt-zoom-out').addEventListener('click', () => v.zoomAt(1 / ZOOM_STEP));
    q<HTMLButtonElement>(el, '.gt-pan-left').addEventListener('click', () => v.panBy(-PAN_STEP));
    q<HTMLButtonElement>(el, '.gt-pan-right').addEventListener('click', () => v.panBy(PAN_STEP));
    q<HTMLButtonElement>(el, '.gt-reset').addEventListener('click', () => v.setRange(v.data.start, v.data.end));
    this.sortEl.addEventListener('change', () => this.applyRows());
    let filterTimer = 0;
    this.filterEl.addEventListener('input', () => {
      clearTimeout(filterTimer);
      filterTimer = window.setTimeout(() => this.applyRows(), 120);
    });
    v.scroller.addEventListener(
      'scroll',
      () => {
        v.scrollTop = v.scroller.scrollTop;
        if (!this.pinned) this.hideTooltip();
        v.schedule();
      },
      { passive: true },
    );

    canvas.addEventListener(
      'wheel',
      (ev) => {
        const { x, y } = this.local(ev);
        const scale = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
        const dx = ev.deltaX * scale;
        const dy = ev.deltaY * scale;
        if (ev.ctrlKey || ev.metaKey || y < v.headerHeight) {
          ev.preventDefault();
          v.zoomAt(Math.exp(Math.max(-300, Math.min(300, dy || dx)) * 0.0025), x);
        } else if (ev.shiftKey || Math.abs(dx) > Math.abs(dy)) {
          ev.preventDefault();
          v.panBy((ev.shiftKey && !dx ? dy : dx) / v.plotWidth);
        }
        // Otherwise the scroller scrolls the goroutine rows.
      },
      { passive: false },
    );

    canvas.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0) return;
      const { x } = this.local(ev);
      this.drag = { x, t0: v.t0, t1: v.t1, moved: false };
      canvas.setPointerCapture(ev.pointerId);
      el.focus({ preventScroll: true });
    });
    canvas.addEventListener('pointermove', (ev) => {
      const { x, y } = this.local(ev);
      this.mouseX = x;
      const dr = this.drag;
      if (dr) {
        if (Math.abs(x - dr.x) > 3) dr.moved = true;
        if (dr.moved) {
          canvas.classList.add('gt-dragging');
          const dt = ((dr.x - x) / v.plotWidth) * (dr.t1 - dr.t0);
          v.setRange(dr.t0 + dt, dr.t1 + dt);
          this.hideTooltip();
          return;
        }
      }
      if (!this.pinned) this.showTooltip(x, y, ev.clientX, ev.clientY);
    });
    const end = (ev: PointerEvent) => {
      const dr = this.drag;
      this.drag = null;
      canvas.classList.remove('gt-dragging');
      if (!dr || dr.moved || ev.type !== 'pointerup') return;
      // A click pins the tooltip (another click elsewhere unpins it).
      const { x, y } = this.local(ev);
      this.pinned = this.showTooltip(x, y, ev.clientX, ev.clientY);
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('pointerleave', () => {
      this.mouseX = -1;
      if (!this.pinned) this.hideTooltip();
    });

    document.addEventListener('keydown', (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const t = ev.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      // Only while the timeline is on screen.
      const r = el.getBoundingClientRect();
      if (r.bottom < 0 || r.top > window.innerHeight) return;
      const x = this.mouseX >= 0 ? this.mouseX : undefined;
      switch (ev.key) {
        case 'w':
        case 'W':
          v.zoomAt(ZOOM_STEP, x);
          break;
        case 's':
        case 'S':
          v.zoomAt(1 / ZOOM_STEP, x);
          break;
        case 'a':
        case 'A':
          v.panBy(-PAN_STEP / 2);
          break;
        case 'd':
        case 'D':
          v.panBy(PAN_STEP / 2);
          break;
        case '0':
          v.setRange(v.data.start, v.data.end);
          break;
        case 'Escape':
          this.hideTooltip();
          return;
        default:
          return;
      }
      ev.preventDefault();
      this.hideTooltip();
    });

    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(() => {
        v.layout();
        v.schedule();
      }).observe(v.scroller);
    }
    window.addEventListener('resize', () => {
      v.layout();
      v.schedule();
    });
  }

  hideTooltip(): void {
    this.pinned = false;
    this.tooltip.hidden = true;
  }

  /** Fills and shows the tooltip for what is under (x, y); false when nothing is. */
  showTooltip(x: number, y: number, clientX: number, clientY: number): boolean {
    const v = this.view;
    const d = v.data;
    const hit = v.hitTest(x, y);
    const tip = this.tooltip;
    if (!hit) {
      tip.hidden = true;
      return false;
    }
    tip.textContent = '';
    for (const a of Array.from(tip.attributes)) if (a.name.startsWith('data-')) tip.removeAttribute(a.name);
    const name = document.createElement('div');
    name.className = 'gf-tt-name';
    tip.appendChild(name);
    const set = (k: string, val: string | number) => tip.setAttribute('data-' + k, String(val));
    set('kind', hit.kind);
    const rel = (t: number) => formatNs(t - d.start);
    if (hit.kind === 'gc') {
      const label = d.strings[d.gc.label[hit.index]!] || (d.gc.kind[hit.index] === GC_STW ? 'stop-the-world' : 'GC');
      name.textContent = label;
      set('name', label);
      set('start', d.gc.start[hit.index]!);
      set('end', d.gc.end[hit.index]!);
      row(tip, 'start', rel(d.gc.start[hit.index]!));
      row(tip, 'duration', formatNs(d.gc.end[hit.index]! - d.gc.start[hit.index]!));
    } else {
      const gi = hit.kind === 'label' ? hit.index : d.iv.owner[hit.index]!;
      const gname = d.strings[d.g.name[gi]!] || '';
      name.textContent = 'G' + d.g.id[gi] + ' ' + (gname || '(unknown start function)');
      set('g', d.g.id[gi]!);
      set('name', gname);
      if (hit.kind === 'label') {
        row(tip, 'first seen', rel(d.g.first[gi]!));
        row(tip, 'running', formatNs(d.running[gi]!));
      } else {
        const j = hit.index;
        const st = d.iv.state[j]!;
        const aux = d.iv.aux[j]!;
        const reason = st === STATE_RUNNING ? '' : d.strings[aux] || '';
        set('state', STATE_NAMES[st]!);
        set('start', d.iv.start[j]!);
        set('end', d.iv.end[j]!);
        set('interval', j);
        if (reason) set('reason', reason);
        if (st === STATE_RUNNING) set('p', aux);
        if (hit.kind === 'p') row(tip, 'P' + d.p.id[hit.proc] + ' ran', 'G' + d.g.id[gi]);
        row(tip, 'state', STATE_NAMES[st]! + (st === STATE_RUNNING ? (aux >= 0 ? ' on P' + aux : '') : reason ? ' (' + reason + ')' : ''));
        row(tip, 'start', rel(d.iv.start[j]!));
        row(tip, 'duration', formatNs(d.iv.end[j]! - d.iv.start[j]!));
        // User regions around this time.
        const t = Math.max(d.iv.start[j]!, Math.min(d.iv.end[j]! - 1, v.timeAt(x)));
        const regions: string[] = [];
        for (let k = d.rg.off[gi]!; k < d.rg.off[gi + 1]!; k++) {
          if (d.rg.start[k]! <= t && t < d.rg.end[k]!) regions.push(d.strings[d.rg.name[k]!] || '?');
        }
        if (regions.length) row(tip, 'region', regions.join(' › '));
      }
      if (d.g.parent[gi]! >= 0) row(tip, 'created by', 'G' + d.g.parent[gi]);
    }
    tip.hidden = false;
    const tw = tip.offsetWidth;
    const th = tip.offsetHeight;
    let left = clientX + 14;
    let top = clientY + 14;
    if (left + tw > window.innerWidth - 4) left = Math.max(4, clientX - tw - 10);
    if (top + th > window.innerHeight - 4) top = Math.max(4, clientY - th - 10);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
    return true;
  }
}
