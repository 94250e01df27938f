// The goroutine model shared by every dump format (debug=2 text, panics, debug=1,
// debug=0 pprof, goroutineleak). Aggregated formats produce one record per distinct stack
// with `count` > 1 and no per-goroutine facts (id, state, wait minutes).

export interface Frame {
  /**
   * Fully qualified function, package path unescaped: "net/http.(*conn).serve". Parsers
   * intern these: equal names are one string, which owns its memory.
   */
  func: string;
  /** Source file as printed by the runtime; "" when unknown. */
  file: string;
  /** Line number; 0 when unknown. */
  line: number;
  /** Raw argument text between the parentheses (debug=2 text only); "..." for inlined frames. */
  args?: string;
}

export interface Ancestor {
  id: number;
  frames: Frame[];
  createdBy?: Frame;
}

export interface Goroutine {
  /** Goroutine id; 0 in aggregated formats. */
  id: number;
  /** Status or wait reason without modifiers ("chan receive", "running"); "" when unknown. */
  state: string;
  /** Minutes blocked, as printed (", N minutes"); 0 when not printed. */
  waitMinutes: number;
  lockedToThread: boolean;
  /** Marked "(leaked)" by the Go 1.26+ goroutineleak detector. */
  leaked: boolean;
  /**
   * pprof labels, from debug=1 "# labels:", debug=0 sample labels, Go 1.26's opt-in
   * "[state labels:{…}]" or Go 1.27's default "[state] {…}" header.
   */
  labels: Record<string, string> | null;
  /** Leaf first. */
  frames: Frame[];
  /** Frames the runtime elided: N from "...N frames elided...", -1 for the older message without a count. */
  elidedFrames: number;
  /** The `go` statement that started this goroutine. */
  createdBy: Frame | null;
  /** "created by … in goroutine N" (Go 1.21+). */
  parentId: number | null;
  /** GODEBUG=tracebackancestors blocks. */
  ancestors: Ancestor[];
  /** "goroutine running on other thread; stack unavailable". */
  stackUnavailable: boolean;
  /** Number of goroutines this record stands for: 1 for text dumps, N for aggregated forms. */
  count: number;
}

export type DumpFormat = 'text' | 'debug1' | 'pprof';

/** A line of a text dump that could not be read, for messages. */
export interface SkippedLine {
  /** 1-based line number in the input. */
  line: number;
  /** The line (clipped; untrusted: sanitise before printing). */
  text: string;
  problem: string;
}

/**
 * What a lenient read of a text dump had to leave out. Reported, never silent: a mangled
 * dump must not read as a clean one.
 */
export interface Skipped {
  /** Lines that belonged to goroutines but could not be read. */
  lines: number;
  /** Goroutines left out because their header was not understood (not in `total`). */
  goroutines: number;
  /** Goroutines kept with no readable frame (counted in `total`). */
  stackless: number;
  /** The first few skipped lines, in input order. */
  first: SkippedLine[];
}

export interface DumpInfo {
  /** Name of the input (file path, URL or "stdin") for messages. */
  input: string;
  format: DumpFormat;
  /** The input was gzip-compressed. */
  gzipped: boolean;
  /** A goroutineleak profile rather than a goroutine profile. */
  leakProfile: boolean;
  /** Total goroutines (sum of counts). */
  total: number;
  /** Records delivered (goroutines for text, distinct stacks for aggregated forms). */
  records: number;
  /** Text form: it was a crash ("panic:" / "fatal error:" seen), with its message. */
  crash: string | null;
  /** Text form: the signal that made the runtime print it ("SIGABRT: abort", "[signal SIGSEGV: …]"). */
  signal: string | null;
  /** Text form: what could not be read; null when nothing was skipped. */
  skipped: Skipped | null;
  /** Text form: lines read. */
  lines: number;
  /** Bytes read (after decompression). */
  bytes: number;
  /** The dump ended mid-goroutine and the caller allowed a partial result. */
  truncated: boolean;
}

export function newGoroutine(): Goroutine {
  return {
    id: 0,
    state: '',
    waitMinutes: 0,
    lockedToThread: false,
    leaked: false,
    labels: null,
    frames: [],
    elidedFrames: 0,
    createdBy: null,
    parentId: null,
    ancestors: [],
    stackUnavailable: false,
    count: 1,
  };
}
