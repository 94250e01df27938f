// Facts about frames and stacks that every analysis shares.
import type { Frame } from '../formats/goroutines/model.js';
import { packageOf } from '../shared/go-name.js';

// The flame graph page colours frames by package with the same function.

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

const WRAPPER = /\.(?:gowrap|deferwrap)\d+$/;

/**
 * Functions a traceback (debug=2) never prints, as the runtime decides (showfuncinfo):
 * unexported runtime functions (runtime.gopark, runtime.chanrecv1, runtime.main,
 * runtime.goexit…), and the panic frame, printed "panic" there and "runtime.gopanic" in a
 * profile, and the wrappers of go and defer statements (pkg.f.gowrap1), printed only by
 * crash dumps. Exported runtime functions (runtime.Gosched, runtime.(*Func).Name) are printed.
 */
export function isHiddenRuntimeFunc(func: string): boolean {
  if (func === 'panic') return true;
  // The compiler's wrappers for go and defer statements: printed only with GOTRACEBACK=system.
  if (WRAPPER.test(func)) return true;
  if (!func.startsWith('runtime.')) return false;
  let name = func.slice(8);
  let rcvr = '';
  const dot = name.lastIndexOf('.');
  if (dot >= 0) {
    rcvr = name.slice(0, dot);
    name = name.slice(dot + 1);
    if (rcvr.startsWith('(*') && rcvr.endsWith(')')) rcvr = rcvr.slice(2, -1);
  }
  const upper = (c: string | undefined) => c !== undefined && c >= 'A' && c <= 'Z';
  return !(upper(name[0]) && (rcvr === '' || upper(rcvr[0])));
}

/** How a frame takes part in comparing stacks across dump forms (see comparableFrames). */
export const enum FrameRole {
  Kept,
  /** Never printed by a traceback: skipped wherever it is. */
  Hidden,
  /** internal/runtime/…: debug=1 drops these at the leaf, the other forms keep them. */
  InternalRuntime,
  /**
   * The pprof handler writing the dump: the frames below it differ by form (debug=2 formats
   * stacks, debug=0/1 collect a profile), the goroutine is the same. Kept, leaf side dropped.
   */
  DumpWriter,
}

/** Where the goroutine serving a goroutine profile writes it, in every form. */
export const DUMP_WRITER = 'runtime/pprof.(*Profile).WriteTo';

export function frameRole(func: string): FrameRole {
  if (func === DUMP_WRITER) return FrameRole.DumpWriter;
  if (isHiddenRuntimeFunc(func)) return FrameRole.Hidden;
  return func.startsWith('internal/runtime/') ? FrameRole.InternalRuntime : FrameRole.Kept;
}

/**
 * The frames that every dump form shows for the same stack, so a stack is the same group
 * whichever form it came from: debug=2 hides unexported runtime frames anywhere (debug=0
 * keeps runtime.gopark at the leaf and runtime.main at the root of goroutine 1), debug=1
 * drops runtime and internal/runtime frames at the leaf; the goroutine serving the dump
 * starts at the pprof writer (DUMP_WRITER), whose callees differ by form. A stack of runtime frames only (a
 * system goroutine, printed only in crash dumps, which print every frame) keeps them all
 * but the runtime.goexit root, so such goroutines stay apart.
 */
export function comparableFrames<T extends { func: string }>(frames: readonly T[]): readonly T[] {
  let out: T[] | null = null;
  let started = false;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    const role = frameRole(f.func);
    if (role === FrameRole.Hidden || (role === FrameRole.InternalRuntime && !started)) {
      out ??= frames.slice(0, i);
      continue;
    }
    if (role === FrameRole.DumpWriter && i > 0) out = [];
    started = true;
    if (out) out.push(f);
  }
  const kept = out ?? frames;
  if (kept.length > 0 || frames.length === 0) return kept;
  let end = frames.length;
  while (end > 1 && frames[end - 1]!.func === 'runtime.goexit') end--;
  return end === frames.length ? frames : frames.slice(0, end);
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
