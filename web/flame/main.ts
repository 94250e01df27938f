// Finds every flame section on the page and initialises each one lazily: its data is
// parsed and drawn only when it first becomes visible (a closed <details> or a hidden
// tab costs nothing until opened).
import { startSection, whenParsed } from '../page.js';
import { FlameSection } from './section.js';

/** Initialised sections by element id. */
export const sections = new Map<string, FlameSection>();

/** The initialised section with this id, or undefined. */
export function get(id: string): FlameSection | undefined {
  return sections.get(id);
}

function start(el: HTMLElement): void {
  startSection(el, 'This flame graph', (el) => {
    const s = new FlameSection(el);
    sections.set(el.id, s);
    return s;
  });
}

function init(): void {
  const all = Array.from(document.querySelectorAll<HTMLElement>('section[data-goscope-flame]'));
  if (typeof IntersectionObserver === 'undefined') {
    for (const el of all) start(el);
    return;
  }
  const io = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      io.unobserve(e.target);
      start(e.target as HTMLElement);
    }
  });
  for (const el of all) io.observe(el);
}

/** Marks the script's start (goscope-flame:script) and starts the flame sections once the document is parsed. */
export function startFlameSections(): void {
  performance.mark('goscope-flame:script');
  whenParsed(init);
}
