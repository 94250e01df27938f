// Opening a connection the way Go's Transport does, timing each step: DNS lookup
// (getaddrinfo, like Go's cgo resolver; skipped for IP literals and --resolve), TCP
// connect to each address in turn until one answers, then the TLS handshake with ALPN.
import { lookup } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsFacts } from '../../formats/http/exchange.js';
import { fail, fromSystemError, type ExchangeFailed } from './failure.js';
import { oneLine } from '../../lib/text.js';
import { lookupHostsFile } from './hosts.js';
import { now, type HopTimer } from './timer.js';
import { split, type ThreadClock, type ThreadTimes } from '../../lib/thread-time.js';

export interface DialConfig {
  /** 4 or 6 to use only that IP version; 0 for both. */
  family: 0 | 4 | 6;
  /** "host:port" -> address, like curl --resolve (no DNS lookup for those). */
  resolve: Map<string, string>;
  /** -k: do not verify the certificate (its facts are still reported). */
  insecure: boolean;
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  ca: string[] | null;
  /** ALPN protocols offered over TLS, e.g. ['h2', 'http/1.1']. */
  alpn: string[];
  /** --http2-prior-knowledge: speak HTTP/2 at once over plain TCP (h2c) on http:// URLs. */
  h2c: boolean;
}

/**
 * The trust store, built once per run: parsing Node's ~140 bundled roots plus --cacert
 * takes tens of milliseconds, which must not land in every TLS handshake's time.
 */
export function secureContextFor(cfg: DialConfig): tls.SecureContext {
  return tls.createSecureContext({ ca: cfg.ca ? [...tls.rootCertificates, ...cfg.ca] : undefined });
}

export interface Dialed {
  socket: net.Socket;
  /**
   * Plain TCP only: the socket delivers its bytes here instead of as 'data' events (Node's
   * `onread`: one reused buffer, no stream machinery per read). Set `to` to receive them;
   * the bytes are only valid during the call.
   */
  reads: Reads | null;
  remote: string;
  local: string;
  /**
   * The certificate and session facts, computed on first call: formatting the peer
   * certificate takes about half a millisecond, which must not sit between the handshake
   * and the request (Go reports GotConn right after TLSHandshakeDone). Null once the
   * socket is gone without the facts having been asked for (they cannot be read then).
   */
  tls: (() => TlsFacts | null) | null;
  /** ALPN result: 'h2' means speak HTTP/2 on this socket. */
  alpn: string | null;
}

export interface Reads {
  to: ((chunk: Buffer) => void) | null;
}

/** Lets a timeout interrupt a dial in progress: set by dial, called by the timer. */
export interface Interrupt {
  abort: ((err: ExchangeFailed) => void) | null;
}

export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function portOf(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

export function hostPort(addr: string, port: number): string {
  return net.isIPv6(addr) ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export interface DialEvents {
  /**
   * Called before the first connect(); the dial waits for the promise it returns, if any
   * (HttpClient lets one connect() out per event-loop turn).
   */
  beforeConnect?(intr: Interrupt): Promise<void> | null;
  /** TCP is up; the TLS handshake (if any) starts now. */
  connected(): void;
  /** This thread's clock: read where the connect is stamped (HopTimer.connectSplit). */
  clock?: ThreadClock | null;
}

export async function dial(
  url: URL,
  what: string,
  cfg: DialConfig,
  ctx: tls.SecureContext | null,
  t: HopTimer,
  intr: Interrupt,
  events: DialEvents,
): Promise<Dialed> {
  const host = hostOf(url);
  const port = portOf(url);
  let addrs: string[];
  const pinned = cfg.resolve.get(`${host.toLowerCase()}:${port}`);
  if (pinned !== undefined) addrs = [pinned];
  else if (net.isIP(host)) addrs = [host];
  else {
    t.dnsStart = now();
    addrs = lookupHostsFile(host) ?? (await resolveHost(host, cfg.family, what, intr));
    t.dnsEnd = now();
  }
  if (cfg.family) {
    const want = cfg.family;
    const kept = addrs.filter((a) => net.isIP(a) === want);
    if (kept.length === 0) throw fail('dns', 'dns', `${what}: "${host}" has no IPv${want} address (it resolves to ${addrs.join(', ')}); drop -${want}`);
    addrs = kept;
  }

  const wait = events.beforeConnect?.(intr);
  if (wait) await wait;
  // Provisional: replaced by the moment the first connect() is really issued (below).
  t.connectStart = now();
  let socket: net.Socket | undefined;
  let firstErr: ExchangeFailed | undefined;
  let remote = '';
  const reads: Reads | null = url.protocol === 'https:' || cfg.h2c ? null : { to: null };
  const stamps: ConnectStamps = { first: true, t, clock: events.clock ?? null, atStart: null };
  for (const addr of addrs) {
    remote = hostPort(addr, port);
    try {
      socket = await connectTcp(addr, port, what, remote, intr, reads, stamps);
      break;
    } catch (e) {
      const err = e as ExchangeFailed;
      if (err.failure.kind !== 'refused' && err.failure.kind !== 'unreachable') throw err;
      firstErr ??= err;
    }
  }
  if (!socket) throw firstErr!;
  events.connected();
  socket.setNoDelay(true);
  const local = socket.localAddress ? hostPort(socket.localAddress, socket.localPort ?? 0) : '';

  if (url.protocol !== 'https:') return { socket, reads, remote, local, tls: null, alpn: null };

  t.tlsStart = now();
  const secure = await handshake(socket, host, cfg, ctx ?? secureContextFor(cfg), what, remote, intr);
  t.tlsEnd = now();
  if (!secure.authorized && !cfg.insecure) {
    const facts = tlsFacts(secure);
    secure.destroy();
    throw fail('tls', 'tls', `${what}: ${certProblem(facts)}`, facts.verifyError);
  }
  let facts: TlsFacts | undefined;
  const describe = () => (facts ??= secure.destroyed ? undefined : tlsFacts(secure)) ?? null;
  return { socket: secure, reads: null, remote, local, tls: describe, alpn: secure.alpnProtocol || null };
}

function resolveHost(host: string, family: 0 | 4 | 6, what: string, intr: Interrupt): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    intr.abort = (err) => {
      // getaddrinfo cannot be cancelled; its late answer is ignored.
      settled = true;
      reject(err);
    };
    lookup(host, { all: true, family }, (err, addresses) => {
      if (settled) return;
      settled = true;
      intr.abort = null;
      if (err) reject(fromSystemError(what, 'dns', err, host));
      else if (addresses.length === 0) reject(fail('dns', 'dns', `${what}: "${host}" resolved to no address`));
      else resolve(addresses.map((a) => a.address));
    });
  });
}

/**
 * Where ConnectStart and ConnectDone are stamped: ConnectStart when Node really issues the
 * first connect() ('connectionAttempt'; net.connect defers it to the next tick, behind
 * whatever else is queued there), ConnectDone in the 'connect' listener itself, before any
 * continuation of the dial runs.
 */
interface ConnectStamps {
  first: boolean;
  t: HopTimer;
  clock: ThreadClock | null;
  /** The thread's counters just before ConnectStart. */
  atStart: ThreadTimes | null;
}

function connectTcp(
  addr: string,
  port: number,
  what: string,
  remote: string,
  intr: Interrupt,
  reads: Reads | null,
  stamps: ConnectStamps,
): Promise<net.Socket> {
  const socket = reads
    ? net.connect({
        host: addr,
        port,
        onread: {
          buffer: Buffer.allocUnsafe(64 * 1024),
          callback: (n: number, buf: Uint8Array): boolean => {
            reads.to?.((buf as Buffer).subarray(0, n));
            return true; // false would pause the socket
          },
        },
      })
    : net.connect({ host: addr, port });
  if (stamps.first) {
    stamps.first = false;
    socket.once('connectionAttempt', () => {
      // The counters are read outside the stamps, so their few µs are not in the connect time.
      if (stamps.clock) stamps.atStart = stamps.clock.read();
      stamps.t.connectStart = now();
    });
  }
  return whenReady(socket, 'connect', 'connect', what, remote, intr, () => {
    stamps.t.connectEnd = now();
    if (stamps.clock && stamps.atStart) stamps.t.connectSplit = split(stamps.atStart, stamps.clock.read());
  });
}

function handshake(
  socket: net.Socket,
  host: string,
  cfg: DialConfig,
  ctx: tls.SecureContext,
  what: string,
  remote: string,
  intr: Interrupt,
): Promise<tls.TLSSocket> {
  const secure = tls.connect({
    socket,
    servername: net.isIP(host) ? undefined : host,
    ALPNProtocols: cfg.alpn,
    // Verified below, so that an untrusted certificate is still described in the error.
    rejectUnauthorized: false,
    secureContext: ctx,
    checkServerIdentity: (_name, cert) => tls.checkServerIdentity(host, cert),
  });
  return whenReady(secure, 'secureConnect', 'tls', what, remote, intr);
}

/**
 * Resolves with `socket` when it emits `ready`; an error rejects with a one-line failure in
 * `phase`; a timeout (through `intr`) destroys it and rejects with the timeout's failure.
 */
function whenReady<S extends net.Socket>(
  socket: S,
  ready: 'connect' | 'secureConnect',
  phase: 'connect' | 'tls',
  what: string,
  remote: string,
  intr: Interrupt,
  stamp?: () => void,
): Promise<S> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      intr.abort = null;
      socket.destroy();
      reject(fromSystemError(what, phase, err, remote));
    };
    intr.abort = (err) => {
      socket.off('error', onError);
      socket.on('error', () => {});
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once(ready, () => {
      stamp?.();
      intr.abort = null;
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function tlsFacts(s: tls.TLSSocket): TlsFacts {
  const cert = s.getPeerCertificate();
  const validTo = cert.valid_to ?? '';
  const expires = Date.parse(validTo);
  return {
    version: s.getProtocol() ?? '',
    cipher: s.getCipher()?.name ?? '',
    alpn: s.alpnProtocol || null,
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    altNames: (cert.subjectaltname ?? '')
      .split(/,\s*/)
      .filter(Boolean)
      .map((n) => n.replace(/^IP Address:/, 'IP:')),
    validFrom: cert.valid_from ?? '',
    validTo,
    expiresInDays: Number.isNaN(expires) ? NaN : Math.round(((expires - Date.now()) / 86_400_000) * 10) / 10,
    verified: s.authorized,
    verifyError: s.authorized ? null : String(s.authorizationError ?? 'unknown'),
  };
}

function dn(o: tls.Certificate | undefined): string {
  if (!o) return '';
  return Object.entries(o)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/** Why the certificate is not trusted, what it is, and the two ways forward. */
function certProblem(f: TlsFacts): string {
  const code = f.verifyError ?? '';
  const cert = `${f.subject || 'no subject'}${f.validTo ? `, valid until ${f.validTo}` : ''}`;
  let why: string;
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') why = 'the certificate is self-signed';
  else if (code === 'CERT_HAS_EXPIRED') why = 'the certificate has expired';
  else if (code === 'CERT_NOT_YET_VALID') why = 'the certificate is not valid yet';
  else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /does not match|altnames/i.test(code))
    why = `the certificate is for other names (${f.altNames.join(', ') || 'none'})`;
  else if (code.startsWith('UNABLE_TO_')) why = 'the certificate is signed by an unknown authority';
  else why = `the certificate did not verify (${oneLine(code, 80)})`;
  return `TLS certificate not trusted: ${why} [${code}] (${cert}): pass --cacert FILE to trust its CA, or -k to skip verification`;
}
