// Capturing one pprof profile from a live service: fetched, saved byte for byte to the
// capture folder (Go already gzips debug=0 output, so the file is a standard .pb.gz),
// and only then handed to the caller. Errors are one line naming the URL; the wording
// for the failures specific to profiles (a CPU profile already running, a CPU profile
// longer than the server's WriteTimeout, a reply that is not a profile) is improved here.
//
// What Go (1.26) serves for mutex and block profiles, and how "disabled" is told from
// "enabled, but no contention yet" (checked against the real runtime; see the tests):
// - The proto does not say: runtime/pprof's printCountCycleProfile writes period_type
//   contentions/count with period 1 for both, whatever the rate. An empty profile is
//   ambiguous, and a non-empty one only proves profiling was on at some time (records
//   are never cleared, even when the rate is later set to 0).
// - mutex: the debug=1 text starts "--- mutex:", "cycles/second=N", then
//   "sampling period=F" where F is the current runtime.SetMutexProfileFraction value
//   (0 = disabled). Exact; printed since the mutex profile exists (Go 1.8).
// - block: the debug=1 text is "--- contention:", "cycles/second=N" and the records; the
//   rate is printed nowhere. But any net/http/pprof request that waits blocks in a
//   `select` (pprof.sleep for /profile and /trace, the timer select of a `seconds=`
//   delta request), and a select that blocks for a second is a blocking event the
//   runtime records for certain when the block profile rate is <= 1s (shorter events
//   are sampled, longer ones always kept; nobody sets a rate of seconds). So: the delta
//   `/debug/pprof/block?seconds=1` has at least one sample (its own wait) exactly when
//   block profiling is on, and none when it is off. captureAll (plan.ts) gets the same
//   proof for free from the block snapshots taken before and after its CPU profile.

import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { compareInt64, decodeProfile, sumInt64, type Int64 } from '../formats/pprof/index.js';
import { checkInflatedSize } from '../formats/input.js';
import { limit, limitHint } from '../lib/limits.js';
import { saveCapture, saveCaptureStream } from './capture.js';
import { DEFAULT_TIMEOUT_MS, FetchError, HttpStatusError, NotFoundError, fetchBytes, fetchStream } from './fetch.js';
import { profileUrl } from './source.js';
import { notWhatWasAsked, withSavedTo } from '../formats/reply.js';

export type ProfileType = 'cpu' | 'heap' | 'allocs' | 'goroutine' | 'mutex' | 'block' | 'threadcreate';

export const PROFILE_TYPES: readonly ProfileType[] = ['cpu', 'heap', 'allocs', 'goroutine', 'mutex', 'block', 'threadcreate'];

export interface CapturedProfile {
  type: ProfileType;
  url: string;
  /** Where the bytes were saved (a .pb.gz file). */
  path: string;
  bytes: Uint8Array;
  /** When the request was sent (for a CPU profile: the start of the profiled window). */
  requestedAt: Date;
  /** When the whole reply had arrived. */
  fetchedAt: Date;
}

export interface CaptureProfileOptions {
  /** The capture folder (must exist). */
  dir: string;
  /** File name; default `<type>.pb.gz`, then `<type>.1.pb.gz`, `<type>.2.pb.gz`… */
  name?: string;
  /** CPU profile length in seconds (default 30, as net/http/pprof). Ignored for other types. */
  seconds?: number;
  /** Request timeout in ms (default 30 s); for a CPU profile it is added to the profile length. */
  timeoutMs?: number;
  /** CPU only: called with the seconds left, at once and then every second. */
  onTick?: (remainingSeconds: number) => void;
  signal?: AbortSignal;
  /** Extra query parameters, e.g. { gc: '1' } for heap. */
  params?: Record<string, string>;
}

export const DEFAULT_CPU_SECONDS = 30;

/** The endpoint and fixed parameters of each profile type (always the binary debug=0 form). */
export function profileEndpoint(base: URL, type: ProfileType, params: Record<string, string> = {}, seconds?: number): URL {
  const src = { kind: 'service' as const, input: base.href, url: base };
  if (type === 'cpu') return profileUrl(src, 'profile', { seconds: String(seconds ?? DEFAULT_CPU_SECONDS), ...params });
  return profileUrl(src, type, params);
}

/** Fetches one profile and saves it before returning it. */
export async function captureProfile(base: URL, type: ProfileType, opts: CaptureProfileOptions): Promise<CapturedProfile> {
  const seconds = type === 'cpu' ? cpuSeconds(opts.seconds) : undefined;
  const url = profileEndpoint(base, type, opts.params, seconds);
  const margin = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // The CPU handler answers only when its profile ends: the wait is part of the request.
  const timeoutMs = seconds !== undefined ? seconds * 1000 + margin : margin;
  const requestedAt = new Date();
  const ticker = seconds !== undefined && opts.onTick ? startTicker(seconds, opts.onTick) : undefined;
  let bytes: Buffer;
  try {
    bytes = await fetchBytes(url, { timeoutMs, signal: opts.signal });
  } catch (e) {
    throw explainFetchError(e, type, seconds, timeoutMs);
  } finally {
    ticker?.stop();
  }
  const fetchedAt = new Date();
  const name = opts.name ?? reserveName(opts.dir, type, '.pb.gz');
  let file: string;
  try {
    file = await saveCapture(opts.dir, name, bytes);
  } finally {
    // Once saved, the file itself keeps the name taken.
    if (opts.name === undefined) reserved.delete(path.join(opts.dir, name));
  }
  // Saved first, checked second: a wrong reply is kept for the user to look at.
  if (!(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)) throw notAProfile(url.href, bytes, file);
  // A gzip bomb is found here as a stream, before anything inflates it in memory.
  const max = limit('inflate');
  await checkInflatedSize(bytes, url.href, max, limitHint('inflate', max)).catch((e: unknown) => {
    throw withSavedTo(e, file);
  });
  return { type, url: url.href, path: file, bytes, requestedAt, fetchedAt };
}

export interface CapturedText {
  url: string;
  path: string;
  /** Size in bytes (the body is streamed to disk, not kept: debug=2 dumps can be 64 MiB). */
  size: number;
  requestedAt: Date;
  fetchedAt: Date;
}

/**
 * The goroutine dump in text form (`?debug=2` by default: every goroutine with its state
 * and wait time; Go stops writing it at 64 MiB). Streamed straight to `<dir>/<name>`
 * (default goroutines.txt); a reply cut off midway is kept as `<name>.partial`.
 */
export async function captureGoroutineText(
  base: URL,
  opts: { dir: string; name?: string; debug?: 1 | 2; timeoutMs?: number; signal?: AbortSignal },
): Promise<CapturedText> {
  const url = profileEndpoint(base, 'goroutine', { debug: String(opts.debug ?? 2) });
  const requestedAt = new Date();
  let file: string;
  try {
    const body = await fetchStream(url, { timeoutMs: opts.timeoutMs, limit: 'dump', signal: opts.signal });
    file = await saveCaptureStream(opts.dir, opts.name ?? 'goroutines.txt', body);
  } catch (e) {
    throw explainFetchError(e, 'goroutine', undefined, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }
  const fetchedAt = new Date();
  return { url: url.href, path: file, size: (await stat(file)).size, requestedAt, fetchedAt };
}

export interface CapturedLeakProfile {
  url: string;
  path: string;
  bytes: Uint8Array;
  requestedAt: Date;
  fetchedAt: Date;
}

/**
 * Go's goroutineleak profile (Go 1.26 built with GOEXPERIMENT=goroutineleakprofile, Go
 * 1.27+), saved as goroutineleak.pb.gz; null when the service does not serve it (404).
 */
export async function captureLeakProfile(base: URL, opts: { dir: string; timeoutMs?: number; signal?: AbortSignal }): Promise<CapturedLeakProfile | null> {
  const url = profileUrl({ kind: 'service', input: base.href, url: base }, 'goroutineleak', { debug: '0' });
  const requestedAt = new Date();
  let bytes: Buffer;
  try {
    bytes = await fetchBytes(url, { timeoutMs: opts.timeoutMs, signal: opts.signal });
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
  const fetchedAt = new Date();
  const file = await saveCapture(opts.dir, 'goroutineleak.pb.gz', bytes);
  return { url: url.href, path: file, bytes, requestedAt, fetchedAt };
}

// ---- mutex / block: enabled or not ---------------------------------------------------

/** The one line of Go that turns the profile on (at startup, e.g. first thing in main). */
export function enableHint(type: 'mutex' | 'block'): string {
  // 5: one contention event in 5 sampled; 10000: about one event per 10µs spent blocked.
  // Both keep the overhead negligible in production and still show every real hot spot.
  return type === 'mutex' ? 'runtime.SetMutexProfileFraction(5)' : 'runtime.SetBlockProfileRate(10000)';
}

/**
 * What to print for a disabled profile. The fix is a line of Go, which a third-party
 * program (Caddy, a vendor's binary) does not allow: its execution trace records the same
 * waits with both profiles off (the sync blocking profile: channels, select, locks, Cond),
 * so that is named too, with the command for `service` when given.
 */
export function disabledMessage(type: 'mutex' | 'block', opts: { service?: string; traced?: boolean } = {}): string {
  const what = type === 'mutex' ? 'lock contention' : 'blocking (channels, select, locks, Cond)';
  const waits = type === 'mutex' ? 'lock waits' : 'blocking';
  const cmd = `goscope trace ${opts.service ?? '<service>'} --pprof sync -o sync.pb.gz`;
  const here = opts.traced ? "; this run's trace section shows them" : '';
  return `${type} profile is disabled in the service: add ${enableHint(type)} at startup to record ${what}; for a program you cannot change (a third-party binary), an execution trace records its ${waits} without the profile: ${cmd}${here}`;
}

export interface EnabledOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Whether the service records the mutex / block profile now: true / false, or null when
 * it cannot be told (a pprof without the `sampling period` line, or a block delta the
 * server refuses, e.g. a Go < 1.23 server whose WriteTimeout is <= 1s). The block check
 * takes one second (see the top of this file). Network and HTTP failures throw.
 */
export async function profileEnabled(base: URL, type: 'mutex' | 'block', opts: EnabledOptions = {}): Promise<boolean | null> {
  return type === 'mutex' ? mutexEnabled(base, opts) : blockEnabled(base, opts);
}

async function mutexEnabled(base: URL, opts: EnabledOptions): Promise<boolean | null> {
  const url = profileEndpoint(base, 'mutex', { debug: '1' });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    // The header is all we need: stop reading after the first few lines.
    let head = '';
    for await (const chunk of await fetchStream(url, { timeoutMs, signal: opts.signal })) {
      head += chunk.toString('latin1');
      if (head.length >= 4096 || head.split('\n').length > 3) break;
    }
    const m = /^sampling period=(-?\d+)\s*$/m.exec(head);
    return m ? Number(m[1]) > 0 : null;
  } catch (e) {
    throw explainFetchError(e, 'mutex', undefined, timeoutMs);
  }
}

/** Seconds the block probe waits (its own select is the event that proves the profile on). */
const BLOCK_PROBE_SECONDS = 1;

async function blockEnabled(base: URL, opts: EnabledOptions): Promise<boolean | null> {
  const url = profileEndpoint(base, 'block', { seconds: String(BLOCK_PROBE_SECONDS) });
  const timeoutMs = BLOCK_PROBE_SECONDS * 1000 + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let bytes: Buffer;
  try {
    bytes = await fetchBytes(url, { timeoutMs, signal: opts.signal });
  } catch (e) {
    // Old servers refuse deltas (no `seconds` support, or seconds >= WriteTimeout before Go 1.23).
    if (e instanceof HttpStatusError && e.status === 400) return null;
    throw explainFetchError(e, 'block', undefined, timeoutMs);
  }
  return compareInt64(contentions(bytes, url.href), 0) > 0;
}

/**
 * Total contentions (the first sample value) of a mutex/block profile: cumulative since
 * the service started, so a larger total in a later snapshot means events were recorded
 * in between. Throws FormatError for a reply that is not a profile.
 */
export function contentions(bytes: Uint8Array, input: string): Int64 {
  const p = decodeProfile(bytes, input);
  return sumInt64(p.samples.map((s) => s.values[0] ?? 0));
}

// ---- errors ----------------------------------------------------------------------------

/** fetchBytes' errors keep their class and fields; the wording says what to do about pprof. */
function explainFetchError(e: unknown, type: ProfileType, seconds: number | undefined, timeoutMs: number): unknown {
  if (!(e instanceof FetchError)) return e;
  if (e instanceof NotFoundError) return e; // http.ts already tells "no pprof" from "unknown profile"
  if (e instanceof HttpStatusError) {
    if (type === 'cpu' && e.status === 500 && /cpu profiling already in use/i.test(e.bodyLine)) {
      return new HttpStatusError(
        e.url,
        e.status,
        e.bodyLine,
        `${e.url}: 500: a CPU profile is already running in the service (another goscope, go tool pprof, or the service's own profiling): wait for it to finish and retry`,
      );
    }
    if (type === 'cpu' && e.status === 400 && /WriteTimeout/i.test(e.bodyLine)) {
      // Go < 1.23 refuses a profile at least as long as http.Server.WriteTimeout; 1.23+ extends the deadline.
      return new HttpStatusError(
        e.url,
        e.status,
        e.bodyLine,
        `${e.url}: 400: the ${seconds}s CPU profile is not shorter than the service's http.Server WriteTimeout: use a smaller --seconds (or raise WriteTimeout in the service)`,
      );
    }
    return e;
  }
  if (e.code === 'TIMEOUT' && seconds !== undefined) {
    return new FetchError(
      e.url,
      e.code,
      `${e.url}: no response within ${fmtSeconds(timeoutMs)} for a ${seconds}s CPU profile: the service may be overloaded or stuck (raise --timeout)`,
    );
  }
  return e;
}

/** A 2xx reply that is not a (gzipped) profile; it was saved anyway, to `savedTo`. */
export class NotAProfileError extends UserError {
  readonly url: string;
  readonly savedTo: string;
  constructor(url: string, savedTo: string, message: string) {
    super(message);
    this.name = 'NotAProfileError';
    this.url = url;
    this.savedTo = savedTo;
  }
}

function notAProfile(url: string, bytes: Uint8Array, saved: string): NotAProfileError {
  return new NotAProfileError(url, saved, notWhatWasAsked(url, 'a gzipped pprof profile', bytes, bytes.length, saved));
}

// ---- helpers -----------------------------------------------------------------------------

function cpuSeconds(seconds: number | undefined): number {
  const s = seconds ?? DEFAULT_CPU_SECONDS;
  // net/http/pprof parses an integer and treats <= 0 as its 30s default.
  if (!Number.isSafeInteger(s) || s < 1) throw new RangeError(`CPU profile seconds must be a positive integer, got ${s}`);
  return s;
}

/** Calls onTick(seconds left) now and then once a second, without drifting. */
export function startTicker(seconds: number, onTick: (remaining: number) => void): { stop(): void } {
  const start = Date.now();
  onTick(seconds);
  let timer: NodeJS.Timeout | undefined;
  const next = (k: number): void => {
    // Scheduled from the start time so the countdown does not drift.
    timer = setTimeout(
      () => {
        onTick(Math.max(0, seconds - k));
        if (k < seconds) next(k + 1);
      },
      Math.max(0, start + k * 1000 - Date.now()),
    );
  };
  next(1);
  return { stop: () => clearTimeout(timer) };
}

/** Names handed out but not yet on disk, so concurrent captures in one folder get distinct names. */
const reserved = new Set<string>();

function reserveName(dir: string, type: string, ext: string): string {
  for (let i = 0; ; i++) {
    const name = i === 0 ? `${type}${ext}` : `${type}.${i}${ext}`;
    const full = path.join(dir, name);
    if (reserved.has(full) || existsSync(full)) continue;
    reserved.add(full);
    return name;
  }
}

function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
