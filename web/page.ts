// What every kind of section on a report page shares: starting once the document is
// parsed, and the message a section shows when it cannot start.

/** Runs `f` once the document is parsed (the page script comes last in the body). */
export function whenParsed(f: () => void): void {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', f);
  else f();
}

/**
 * Starts a pending section (data-state "pending" -> "loading" -> "ready" when drawn):
 * `create` builds its UI; a failure marks it "error", shows `what` could not be shown
 * and why, and is thrown on (the console and tests see it).
 */
export function startSection<T extends { firstDraw(): boolean }>(el: HTMLElement, what: string, create: (el: HTMLElement) => T): T | undefined {
  if (el.getAttribute('data-state') !== 'pending') return undefined;
  el.setAttribute('data-state', 'loading');
  try {
    const s = create(el);
    // Visible but without width yet: draw on the next frame.
    if (!s.firstDraw()) requestAnimationFrame(() => s.firstDraw());
    return s;
  } catch (e) {
    el.setAttribute('data-state', 'error');
    const msg = document.createElement('p');
    msg.className = 'gf-error';
    msg.textContent = `${what} could not be shown: ` + (e instanceof Error ? e.message : String(e));
    el.appendChild(msg);
    throw e;
  }
}
