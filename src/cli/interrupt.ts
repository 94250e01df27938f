// Ctrl-C (and SIGTERM), handled once for the whole process. By default an interrupt ends
// the command at once: temporary capture files still being written are removed (the
// captures already saved stay), one line says so on stderr, and the exit code is 130
// (143 for SIGTERM), as a shell reports a command killed by the signal. A command that can
// stop gracefully (sampling, load runs, diagnose) asks for a signal with `graceful()`:
// the first interrupt aborts that signal and the command finishes with what it has,
// exiting with EXIT_INTERRUPTED itself; a second interrupt ends the process as above.
import { removeTemporaries } from '../collect/capture.js';

export const EXIT_INTERRUPTED = 130;

let installed = false;
let holders = 0;
let controller = new AbortController();
let write: (line: string) => void = () => {};

function onSignal(sig: NodeJS.Signals): void {
  const code = sig === 'SIGTERM' ? 143 : EXIT_INTERRUPTED;
  if (holders > 0 && !controller.signal.aborted) {
    controller.abort(new Error('interrupted'));
    return;
  }
  removeTemporaries();
  write(`goscope: interrupted (${sig}); captures already saved are kept\n`);
  process.exit(code);
}

/** Installs the handlers (main.ts, once); `err` receives the one line printed on the way out (common.ts note). */
export function installInterruptHandler(err: (line: string) => void): void {
  write = err;
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export interface Graceful {
  /** Aborted by the first interrupt. */
  readonly signal: AbortSignal;
  /** The command no longer stops gracefully: the next interrupt ends the process. */
  release(): void;
}

/**
 * For a command that stops gracefully on the first interrupt. Without the process handler
 * installed (tests calling run() in-process), the signal is still returned and simply
 * never fires unless the test aborts it.
 */
export function graceful(): Graceful {
  if (holders === 0 && controller.signal.aborted) controller = new AbortController();
  holders++;
  let released = false;
  return {
    signal: controller.signal,
    release() {
      if (released) return;
      released = true;
      holders--;
    },
  };
}
