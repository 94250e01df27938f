// The model of timed HTTP exchanges: what `goscope http` measured for one request, in
// the phases Go's net/http/httptrace exposes. Produced by collect/http, read by
// analysis/http and report/http.
import type { HeaderList } from './h1.js';

/** Phase durations in milliseconds; null where the phase did not happen (e.g. DNS on a reused connection). */
export interface Phases {
  /** DNSStart -> DNSDone. */
  dns: number | null;
  /** First ConnectStart -> the successful ConnectDone (failed addresses included, as Go's dialer does). */
  connect: number | null;
  /** TLSHandshakeStart -> TLSHandshakeDone. */
  tls: number | null;
  /** GotConn -> WroteRequest (head and body handed to the kernel). */
  requestWrite: number | null;
  /** GotConn -> GotFirstResponseByte (httpstat's "server processing"). */
  serverProcessing: number | null;
  /** GotFirstResponseByte -> the last body byte. */
  transfer: number | null;
  /** Start (before DNS) -> first response byte (curl's time_starttransfer). */
  ttfb: number | null;
  /** Start -> the last body byte, across redirects when following them. */
  total: number | null;
}

export const PHASES = ['dns', 'connect', 'tls', 'requestWrite', 'serverProcessing', 'transfer', 'ttfb', 'total'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface TlsFacts {
  /** "TLSv1.3" as OpenSSL names it. */
  version: string;
  cipher: string;
  /** Negotiated ALPN protocol ("h2", "http/1.1") or null. */
  alpn: string | null;
  subject: string;
  issuer: string;
  altNames: string[];
  validFrom: string;
  validTo: string;
  /** Days until the certificate expires (negative: expired). */
  expiresInDays: number;
  /** Whether the chain and the host name verified (false only with -k). */
  verified: boolean;
  verifyError: string | null;
}

export interface ConnFacts {
  /** Sequential connection number within the run (1-based). */
  id: number;
  /** httptrace.GotConnInfo.Reused. */
  reused: boolean;
  /** GotConnInfo.WasIdle: taken from the idle pool. */
  wasIdle: boolean;
  /** GotConnInfo.IdleTime in ms (null when not idle). */
  idleMs: number | null;
  /** Remote "addr:port" ([v6]:port). */
  remote: string;
  local: string;
  /** "HTTP/1.1", "HTTP/1.0" (what the server answered) or "HTTP/2". */
  protocol: string;
  tls: TlsFacts | null;
}

/** Which of the user's timeouts fired (Go: Dialer.Timeout, TLSHandshakeTimeout, ResponseHeaderTimeout, Client.Timeout). */
export type TimeoutKind = 'connect' | 'tls' | 'header' | 'total';

/** 'status': a 4xx or 5xx response with --fail (curl's), which makes those failures. */
export type FailureKind = 'dns' | 'refused' | 'unreachable' | 'timeout' | 'tls' | 'reset' | 'protocol' | 'truncated' | 'redirects' | 'network' | 'status';

export interface Failure {
  kind: FailureKind;
  /** The phase in progress when it failed. */
  phase: 'dns' | 'connect' | 'tls' | 'requestWrite' | 'serverProcessing' | 'transfer';
  timeout: TimeoutKind | null;
  /** One line for the user, naming the URL and what to do. */
  message: string;
  /** The system error code, if any (ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID, ...); the status for 'status'. */
  code: string | null;
}

/** One request/response on the wire (one hop of a redirect chain). */
export interface Hop {
  url: string;
  method: string;
  status: number | null;
  reason: string;
  /** Response headers in the order received (HTTP/2: without pseudo-headers). */
  headers: HeaderList;
  /** Body payload bytes received. */
  bodyBytes: number;
  phases: Phases;
  conn: ConnFacts | null;
  /** The header fields sent (Host first), when captured. */
  sentHeaders: HeaderList;
  /** The request head exactly as written (HTTP/2: as pseudo-headers and fields), when captured. */
  requestDump: string | null;
  /** The response head exactly as received, when captured. */
  responseDump: string | null;
}

export interface Exchange {
  /** 0-based request number in the run. */
  index: number;
  /** The traceparent sent, '' when none was (-H 'traceparent:'). */
  traceparent: string;
  /** Its trace-id, '' when none was sent. */
  traceId: string;
  /**
   * Wall-clock start (Unix ms, sub-ms fraction from the monotonic clock): where the request
   * sits on a trace's timeline next to the server's spans (`goscope traces --http`).
   */
  startedAtUnixMs?: number;
  /** Every hop; the last is the final response (or the failed attempt). */
  hops: Hop[];
  /** The final hop's phases, with total and ttfb measured from the first hop's start. */
  phases: Phases;
  status: number | null;
  failure: Failure | null;
  /** The final body (up to the capture limit), when captured. */
  body: Buffer | null;
  /** True when the body was longer than the capture limit. */
  bodyTruncated: boolean;
}

export function emptyPhases(): Phases {
  return { dns: null, connect: null, tls: null, requestWrite: null, serverProcessing: null, transfer: null, ttfb: null, total: null };
}
