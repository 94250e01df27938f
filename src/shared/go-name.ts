// Go function names as profiles and traces spell them ("net/http.(*conn).serve").

/** Package path of a qualified Go function name: "net/http.(*conn).serve" -> "net/http". */
export function packageOf(func: string): string {
  const slash = func.lastIndexOf('/');
  const dot = func.indexOf('.', slash + 1);
  return dot < 0 ? func : func.slice(0, dot);
}
