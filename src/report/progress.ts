// A single self-redrawing status line on a terminal. The caller decides whether it is
// enabled (the CLI passes `process.stderr.isTTY && !json`); when disabled every call is a
// no-op, so pipes, logs and JSON output never see progress text. Progress draws on the
// stream itself (its \r and erase-line are its own): every text it shows goes through
// oneLine, so a name in it can neither move the cursor nor break the line.
import { oneLine } from '../lib/text.js';

export interface Progress {
  /** Show `text` as the current status (redraws at most 10 times per second; the latest text wins). */
  update(text: string): void;
  /** Clear the status line, then print `finalLine` (if given) on its own line. Later updates are ignored. */
  done(finalLine?: string): void;
}

/** Minimum time between two redraws. */
export const REDRAW_INTERVAL_MS = 100;

const CLEAR_LINE = '\r\x1b[2K';

const NOOP: Progress = { update() {}, done() {} };

export function progress(opts: { enabled: boolean; stream?: NodeJS.WriteStream }): Progress {
  if (!opts.enabled) return NOOP;
  const stream = opts.stream ?? process.stderr;
  let lastDraw = -Infinity;
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let drawn = false;
  let finished = false;

  const draw = () => {
    timer = undefined;
    if (pending === undefined || finished) return;
    const width = Math.max(10, (stream.columns || 80) - 1); // never wrap: a wrapped line cannot be cleared with \r
    stream.write(CLEAR_LINE + fit(pending, width));
    pending = undefined;
    drawn = true;
    lastDraw = Date.now();
  };

  return {
    update(text: string) {
      if (finished) return;
      pending = text;
      if (timer) return; // a redraw is already scheduled; it will pick up the latest text
      const wait = lastDraw + REDRAW_INTERVAL_MS - Date.now();
      if (wait <= 0) draw();
      else {
        timer = setTimeout(draw, wait);
        timer.unref(); // progress must never keep the process alive
      }
    },
    done(finalLine?: string) {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      if (drawn) stream.write(CLEAR_LINE);
      if (finalLine !== undefined) stream.write(oneLine(finalLine) + '\n');
    },
  };
}

/** One terminal line: control characters removed, cut to `width` columns. */
function fit(text: string, width: number): string {
  const clean = oneLine(text);
  const chars = Array.from(clean);
  return chars.length <= width ? clean : chars.slice(0, width - 1).join('') + '…';
}
