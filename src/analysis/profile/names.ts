// The function names `go tool pprof` reports: what its symbolizer's Demangle step
// (internal/symbolizer, default mode) leaves of a profile's names before any report or
// filter sees them.
//
// pprof runs every name through its C++ demangler first. A Go name is never a mangled C++
// symbol, so the demangler leaves it alone, but then pprof applies a heuristic meant for
// already-demangled C++: a name with <, >, [ or ] (and no ".<" nor "])." in it) "looks
// like C++", and its (…) and <…> groups are cut out. Go's generic instantiations match:
//   slices.Backward[go.shape.[]…Middleware,go.shape.func(…caddyhttp.Handler) …Handler].func1
// is reported as
//   slices.Backward[go.shape.[]…Middleware,go.shape.func …Handler].func1
// while a method on a pointer to a generic type, main.(*Ring[go.shape.func(int) int]).Next,
// has "])." and stays whole. goscope reports what pprof reports, so its rows, filters
// (-focus etc. match these names) and flame graphs name functions the same way.
//
// Not reproduced: demangling of real C++ symbols (_Z…, from cgo code) — pprof would print
// them demangled, goscope prints them as the profile has them.
import type { ProfileFunction } from '../../formats/pprof/index.js';

// symbolizer.looksLikeDemangledCPlusPlus.
function looksLikeDemangledCPlusPlus(name: string): boolean {
  // Java names of the form "class.<init>".
  if (name.includes('.<')) return false;
  // Go names of the form "foo.(*Bar[...]).Method".
  if (name.includes(']).')) return false;
  return /[<>[\]]/.test(name) || name.includes('::');
}

/** symbolizer.removeMatching: `name` without its (nested) start…end groups; unchanged when they do not balance. */
export function removeMatching(name: string, start: string, end: string): string {
  let nesting = 0;
  let first = 0;
  for (let current = 0; current < name.length; current++) {
    const c = name[current];
    if (c === start) {
      nesting++;
      if (nesting === 1) first = current;
    } else if (c === end) {
      nesting--;
      if (nesting < 0) return name; // a stray closing character: pprof gives up
      if (nesting === 0) {
        name = name.slice(0, first) + name.slice(current + 1);
        current = first - 1;
      }
    }
  }
  return name;
}

/** The name pprof shows for a profile function (symbolizer.demangleSingleFunction, default demangler mode). */
export function pprofFunctionName(f: ProfileFunction): string {
  // A name that differs from the system name counts as demangled already.
  if (f.name !== '' && f.systemName !== f.name) return f.name;
  let name = f.systemName;
  if (looksLikeDemangledCPlusPlus(name)) {
    name = removeMatching(name, '(', ')'); // demangle.NoParams
    name = removeMatching(name, '<', '>'); // demangle.NoTemplateParams
  }
  return name;
}

/** `f` with pprof's name: the same object when the name does not change. */
export function withPprofName(f: ProfileFunction): ProfileFunction {
  const name = pprofFunctionName(f);
  return name === f.name ? f : { ...f, name };
}
