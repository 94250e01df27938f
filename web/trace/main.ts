/// <reference path="section.ts" />
/// <reference path="table.ts" />
// Starts the trace report's parts: every timeline section (section[data-goscope-trace])
// and every sortable table. Pages without them (flame, diagnose) pay nothing.
namespace GoscopeTrace {
  let section: TraceSection | undefined;

  /** The page's timeline section (initialised), or undefined. */
  export function get(): TraceSection | undefined {
    return section;
  }

  function start(el: HTMLElement): void {
    if (el.getAttribute('data-state') !== 'pending') return;
    el.setAttribute('data-state', 'loading');
    try {
      const s = new TraceSection(el);
      section = s;
      if (!s.firstDraw()) requestAnimationFrame(() => s.firstDraw());
    } catch (e) {
      el.setAttribute('data-state', 'error');
      const msg = document.createElement('p');
      msg.className = 'gf-error';
      msg.textContent = 'The timeline could not be shown: ' + (e instanceof Error ? e.message : String(e));
      el.appendChild(msg);
      throw e;
    }
  }

  function init(): void {
    initTables();
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('section[data-goscope-trace]'))) start(el);
  }

  performance.mark('goscope-trace:script');
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
}
