/// <reference path="section.ts" />
// Finds every flame section on the page and initialises each one lazily: its data is
// parsed and drawn only when it first becomes visible (a closed <details> or a hidden
// tab costs nothing until opened).
namespace GoscopeFlame {
  /** Initialised sections by element id. */
  export const sections = new Map<string, FlameSection>();

  /** The initialised section with this id, or undefined. */
  export function get(id: string): FlameSection | undefined {
    return sections.get(id);
  }

  function start(el: HTMLElement): void {
    if (el.getAttribute('data-state') !== 'pending') return;
    el.setAttribute('data-state', 'loading');
    try {
      const s = new FlameSection(el);
      sections.set(el.id, s);
      if (!s.firstDraw()) {
        // Visible but without width yet: draw on the next frame.
        requestAnimationFrame(() => s.firstDraw());
      }
    } catch (e) {
      el.setAttribute('data-state', 'error');
      const msg = document.createElement('p');
      msg.className = 'gf-error';
      msg.textContent = 'This flame graph could not be shown: ' + (e instanceof Error ? e.message : String(e));
      el.appendChild(msg);
      throw e;
    }
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

  performance.mark('goscope-flame:script');
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
}
