// Facts about frames and stacks that every analysis shares.
import type { Frame } from '../formats/goroutines/model.js';
import { packageOf } from '../shared/go-name.js';

// The flame graph page colours frames by package with the same function.
export { packageOf };

/** runtime internals (not runtime/pprof, runtime/trace…). */
export function isRuntimeFunc(func: string): boolean {
  return func.startsWith('runtime.') || func.startsWith('internal/runtime/');
}

/**
 * Standard library: the first path element has no dot (golang.org/x/… and module paths
 * do), excluding package main. Vendored std deps ("vendor/golang.org/x/…") count too.
 */
export function isStdlibFunc(func: string): boolean {
  const pkg = packageOf(func);
  if (pkg === 'main' || pkg.startsWith('main.')) return false;
  if (pkg.startsWith('vendor/')) return true;
  const first = pkg.split('/', 1)[0]!;
  return first.indexOf('.') < 0;
}

export function isUserFrame(f: Frame): boolean {
  return !isStdlibFunc(f.func);
}

/**
 * Packages a wait or a cost passes through on its way to the scheduler or the kernel
 * (with runtime and internal/…): never the place to name when something better exists.
 */
const PLUMBING = new Set(['sync', 'syscall', 'net', 'os', 'io', 'time']);

function isPlumbing(func: string): boolean {
  if (isRuntimeFunc(func)) return true;
  const pkg = packageOf(func);
  return pkg.startsWith('internal/') || PLUMBING.has(pkg);
}

/**
 * The one rule for naming where something happened, leaf first: the first frame in the
 * service's own code (not the standard library); in a stack of only standard library, the
 * first frame above the plumbing (net/http.(*connReader).Read rather than
 * internal/poll.(*FD).Read); failing both, the leaf.
 */
export function siteOf<T extends { func: string }>(frames: readonly T[]): T | undefined {
  return frames.find((f) => !isStdlibFunc(f.func)) ?? frames.find((f) => !isPlumbing(f.func)) ?? frames[0];
}

/** The first frame in user code, leaf first: where a fix goes. */
export function userSite(frames: readonly Frame[]): Frame | null {
  for (const f of frames) if (isUserFrame(f)) return f;
  return null;
}

/**
 * Frames without the leading runtime.* frames (debug=2 and debug=1 hide them, debug=0 keeps
 * them) and without the runtime.goexit root, so every dump form yields the same stack.
 */
export function comparableFrames(frames: readonly Frame[]): readonly Frame[] {
  let start = 0;
  while (start < frames.length - 1 && isRuntimeFunc(frames[start]!.func)) start++;
  let end = frames.length;
  while (end > start + 1 && frames[end - 1]!.func === 'runtime.goexit') end--;
  return start === 0 && end === frames.length ? frames : frames.slice(start, end);
}

export function frameRef(f: Frame | null | undefined): { function: string; file: string; line: number } | null {
  return f ? { function: f.func, file: f.file, line: f.line } : null;
}

/** Last two path elements: enough to find the file, short enough for a terminal. */
export function shortFile(file: string): string {
  const a = file.lastIndexOf('/');
  if (a < 0) return file;
  const b = file.lastIndexOf('/', a - 1);
  return b < 0 ? file : file.slice(b + 1);
}
