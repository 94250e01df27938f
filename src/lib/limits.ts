// Size caps per kind of input, sized from what real Go services produce, so that a
// hostile or broken input (an endless body, a gzip bomb, a lying Content-Length, a huge
// file) is refused early instead of filling memory or disk. Each cap has an environment
// override for the rare real input that is larger; every refusal names it.
//
//   profile  a pprof profile as served or stored (gzipped .pb.gz) and held in memory:
//            a few MB for most services, tens of MB for very large heap profiles
//   dump     a goroutine dump in text (debug=1/2): net/http/pprof stops writing debug=2
//            at 64 MiB (runtime/pprof writeGoroutineStacks), so twice that is generous
//   trace    an execution trace, streamed to disk and read as a stream: large by nature
//            (tens of MB a second on a busy service)
//   metrics  a Prometheus exposition (/metrics), after gzip, streamed to disk and parsed
//            as a stream: kilobytes for most services, tens of MB for exporters of
//            whole clusters (kube-state-metrics); a 1,000,000-series text exposition is
//            about 100 MB
//   inflate  the decompressed protobuf of one profile, decoded in memory: tens of MB for
//            very large profiles (the 786,443-sample heap profile in BENCHMARKS.md is
//            33 MB); decoding costs several times this, so the cap bounds the worst case
//   otlp     one OTLP request (decompressed), one line of an OTLP JSON Lines file or one
//            Jaeger API reply, decoded in memory: exporters batch a few MB (the collector
//            refuses requests over 20 MiB by default), JSON is ~3x the protobuf

export type LimitKind = 'profile' | 'dump' | 'trace' | 'inflate' | 'metrics' | 'otlp';

const MiB = 1024 ** 2;

const DEFAULTS: Record<LimitKind, number> = {
  profile: 64 * MiB,
  dump: 128 * MiB,
  trace: 1024 * MiB,
  inflate: 256 * MiB,
  metrics: 512 * MiB,
  otlp: 128 * MiB,
};

export const LIMIT_ENV: Record<LimitKind, string> = {
  profile: 'GOSCOPE_MAX_PROFILE',
  dump: 'GOSCOPE_MAX_DUMP',
  trace: 'GOSCOPE_MAX_TRACE',
  inflate: 'GOSCOPE_MAX_INFLATE',
  metrics: 'GOSCOPE_MAX_METRICS',
  otlp: 'GOSCOPE_MAX_OTLP',
};

/** What the cap is for, in messages ("a profile", …). */
export const LIMIT_WHAT: Record<LimitKind, string> = {
  profile: 'a profile',
  dump: 'a goroutine dump',
  trace: 'a trace',
  inflate: 'a decompressed profile',
  metrics: 'a metrics exposition',
  otlp: 'an OTLP request or JSON line',
};

export function defaultLimit(kind: LimitKind): number {
  return DEFAULTS[kind];
}

/** The cap in force: the environment override if it parses, else the default. */
export function limit(kind: LimitKind): number {
  const v = process.env[LIMIT_ENV[kind]];
  if (!v) return DEFAULTS[kind];
  return parseSize(v) ?? DEFAULTS[kind];
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: MiB,
  mb: 1e6,
  mib: MiB,
  g: 1024 ** 3,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** "268435456", "256MiB", "256M", "1.5GB" -> bytes; undefined if it does not parse or is not positive. */
export function parseSize(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Math.floor(Number(m[1]) * unit);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The hint every refusal ends with: which variable to set, to about twice the cap. */
export function limitHint(kind: LimitKind, max = limit(kind)): string {
  return `set ${LIMIT_ENV[kind]}=${sizeSetting(max * 2)} to allow more`;
}

/** Bytes as people read them: "512 bytes", "64 MiB", "1.5 GiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = -1;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toFixed(1))} ${units[i]}`;
}

function sizeSetting(n: number): string {
  if (n % 1024 ** 3 === 0) return `${n / 1024 ** 3}GiB`;
  if (n % MiB === 0) return `${n / MiB}MiB`;
  return String(n);
}
