// Sends timed requests: a pool of idle connections per origin (Go's Transport), redirects
// (-L, Go's Client rules), and the four timeouts of Go's net/http, each named with its
// phase when it fires.
import { STATUS_CODES } from 'node:http';
import type { Exchange, Hop, TimeoutKind } from '../../formats/http/exchange.js';
import { headerValue, requestTemplate, type HeaderList, type RequestTemplate } from '../../formats/http/h1.js';
import { traceIdOf } from '../../formats/http/traceparent.js';
import type { Conn, InResponse, OutRequest } from './conn.js';
import { dial, secureContextFor, type DialConfig, type Interrupt } from './dial.js';
import { ExchangeFailed, fail, timeoutFailure } from './failure.js';
import { H1Conn } from './h1conn.js';
import { H2Conn } from './h2conn.js';
import { HopTimer, now } from './timer.js';
import { heldUpMs, ThreadClock, type ConnectSplit, type TimeSplit } from '../../lib/thread-time.js';

export interface Timeouts {
  /** Dialer.Timeout: DNS lookup and TCP connect (ms; 0 = none). */
  connect: number;
  /** Transport.TLSHandshakeTimeout. */
  tls: number;
  /** Transport.ResponseHeaderTimeout: from the request written to the response head. */
  header: number;
  /** Client.Timeout: the whole exchange including redirects and the body. */
  total: number;
}

export interface ClientConfig extends DialConfig {
  method: string;
  url: URL;
  /** Header fields to send after Host, in order, without traceparent (added per request). */
  headers: HeaderList;
  body: Buffer | null;
  keepAlive: boolean;
  /** -L: follow up to this many redirects (0: do not follow). */
  maxRedirects: number;
  timeouts: Timeouts;
  /** Keep heads, sent headers and up to bodyCap body bytes in the result. */
  capture: boolean;
  bodyCap: number;
  /** Send a traceparent on every request (false: the user removed it with -H 'traceparent:'). */
  traceparent: boolean;
  /** --fail (curl's): a final response with a 4xx or 5xx status is a failure. */
  failStatus: boolean;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NO_HOOKS = { wrote() {}, head() {} };
/** Go's Client drops these when a redirect leaves the original host. */
const SENSITIVE = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2', 'proxy-authorization']);

/**
 * The deadlines of one request. The total deadline is the same length for every request
 * of a run, so its timer is kept and refresh()ed from request to request (pooled by the
 * client) instead of allocating a new one each time: under load that was 7% of the
 * client's instructions. The phase deadlines share a second timer for the earliest.
 */
class Deadlines {
  private connect = Infinity;
  private tls = Infinity;
  private header = Infinity;
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private totalTimer: NodeJS.Timeout | null = null;
  private totalMs = 0;
  private totalAt = Infinity;
  private fire: ((kind: TimeoutKind) => void) | null = null;

  begin(fire: (kind: TimeoutKind) => void, totalMs: number): void {
    this.fire = fire;
    if (totalMs <= 0) return;
    this.totalAt = now() + totalMs;
    if (this.totalTimer && this.totalMs === totalMs) this.totalTimer.refresh();
    else {
      if (this.totalTimer) clearTimeout(this.totalTimer);
      // Unref'd: an idle pooled timer must not keep the process alive; a request in flight does.
      this.totalTimer = setTimeout(() => this.expireTotal(), totalMs).unref();
      this.totalMs = totalMs;
    }
  }

  /** The request is over: nothing may fire for it any more. */
  end(): void {
    this.fire = null;
    this.totalAt = Infinity;
    this.connect = this.tls = this.header = Infinity;
    this.stopPhase();
  }

  /** No more requests: release the timers. */
  dispose(): void {
    this.end();
    if (this.totalTimer) clearTimeout(this.totalTimer);
    this.totalTimer = null;
  }

  set(kind: 'connect' | 'tls' | 'header', ms: number): void {
    if (ms <= 0) return;
    this[kind] = now() + ms;
    this.arm();
  }

  clear(kind: 'connect' | 'tls' | 'header'): void {
    if (this[kind] === Infinity) return;
    this[kind] = Infinity;
    this.arm();
  }

  private stopPhase(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }

  private arm(): void {
    const next = Math.min(this.connect, this.tls, this.header);
    if (next === this.armedFor) return;
    this.stopPhase();
    this.armedFor = next;
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.expirePhase(), Math.max(0, Math.ceil(next - now())));
  }

  private expirePhase(): void {
    this.timer = null;
    const at = this.armedFor;
    this.armedFor = Infinity;
    const kind = this.connect === at ? 'connect' : this.tls === at ? 'tls' : 'header';
    this[kind] = Infinity;
    this.fire?.(kind);
  }

  private expireTotal(): void {
    if (this.totalAt === Infinity || !this.fire) return;
    this.fire('total');
  }
}

/**
 * Lets one connect() out per event-loop turn. A connection's ConnectDone is only seen
 * when the loop next polls; connect() calls issued together (C loops starting, or C
 * connections closing in one batch with --no-keepalive) would each wait for all the
 * others before that poll, and on loopback, where the kernel completes the handshake
 * inside connect(), their time is nearly all other sockets' work. The wait comes before
 * ConnectStart, so it counts in the total only, as Go counts waiting for a dial slot.
 */
class ConnectGate {
  private issued = false;
  private waiting: (() => void)[] = [];
  private readonly release = (): void => {
    this.issued = false;
    const next = this.waiting.shift();
    if (next) next();
  };

  enter(intr: Interrupt): Promise<void> | null {
    if (!this.issued) {
      this.take();
      return null;
    }
    return new Promise<void>((resolve, reject) => {
      const go = (): void => {
        intr.abort = null;
        this.take();
        resolve();
      };
      this.waiting.push(go);
      intr.abort = (err) => {
        const at = this.waiting.indexOf(go);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(err);
      };
    });
  }

  private take(): void {
    this.issued = true;
    setImmediate(this.release);
  }
}

export class HttpClient {
  /** New connections opened, and requests that went out on a reused one. */
  opened = 0;
  reusedCount = 0;
  /** Requests re-sent on a new connection after a reused one turned out closed (Go does the same). */
  retries = 0;
  /** Connections being opened right now (DNS, connect, TLS). */
  connecting = 0;
  /** This thread's clock (null off Linux): how much of a timing was this machine. */
  readonly clock = ThreadClock.forThisThread();
  /** The most time held up (waiting for a CPU, or stopped) inside one connect, and the connects held up 1 ms or more. */
  connectHeldUpMaxMs = 0;
  connectsHeldUp = 0;
  /** The slowest connect and where its time went. */
  slowestConnect: ConnectSplit | null = null;
  private idle = new Map<string, Conn[]>();
  /** The first hop's header fields (traceparent left empty) and HTTP/1.1 bytes, built once per run. */
  private readonly firstHeaders: HeaderList;
  private template: RequestTemplate | null = null;
  private readonly firstKey: string;
  private all = new Set<Conn>();
  private deadlinePool: Deadlines[] = [];
  private readonly gate = new ConnectGate();

  private readonly secureContext: import('node:tls').SecureContext | null;

  constructor(readonly cfg: ClientConfig) {
    this.firstKey = `${cfg.url.protocol}//${cfg.url.host}`;
    this.firstHeaders = this.headersFor(cfg.url, cfg.method, cfg.headers, cfg.body, '');
    this.secureContext = cfg.url.protocol === 'https:' || cfg.maxRedirects > 0 ? secureContextFor(cfg) : null;
  }

  /** Closes every connection (idle or not). */
  close(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    for (const d of this.deadlinePool) d.dispose();
    this.deadlinePool = [];
    this.idle.clear();
    this.clock?.close();
  }

  /**
   * One request (and its redirects) carrying `traceparent` (ignored without cfg.traceparent);
   * never rejects for network trouble. With `scheduledAt` (an open-loop run's send time,
   * on this clock) ttfb and total count from then, so time spent waiting for a free
   * connection is in them (no coordinated omission).
   */
  async send(index: number, traceparent: string, scheduledAt?: number): Promise<Exchange> {
    const cfg = this.cfg;
    if (!cfg.traceparent) traceparent = '';
    const hops: Hop[] = [];
    const chainStart = scheduledAt ?? now();
    let url = cfg.url;
    let method = cfg.method;
    let body = cfg.body;
    let headers = cfg.headers;
    const ex: Exchange = {
      index,
      traceparent,
      traceId: traceIdOf(traceparent),
      startedAtUnixMs: performance.timeOrigin + chainStart,
      hops,
      phases: null!,
      status: null,
      failure: null,
      body: null,
      bodyTruncated: false,
    };

    let t = new HopTimer();
    const intr: Interrupt = { abort: null };
    let fired: ExchangeFailed | null = null;
    const limits = cfg.timeouts;
    const deadlines = this.deadlinePool.pop() ?? new Deadlines();
    deadlines.begin((kind) => {
      const limit = limits[kind];
      const phase = t.phase();
      fired = timeoutFailure(`${method} ${url.href}`, kind, limit, phase, t.phases(chainStart), now() - t.phaseStart());
      const abort = intr.abort;
      intr.abort = null;
      abort?.(fired);
    }, limits.total);
    try {
      for (;;) {
        t.start = hops.length ? now() : chainStart;
        const first = hops.length === 0;
        const fast = first && !cfg.capture && (traceparent.length === 55 || !cfg.traceparent);
        const req: OutRequest = {
          method,
          url,
          headers: fast ? this.firstHeaders : this.headersFor(url, method, headers, body, traceparent),
          traceparent,
          body,
          template: fast ? (this.template ??= requestTemplate(method, url.pathname + url.search || '/', this.firstHeaders, body)) : null,
          captureHeads: cfg.capture,
          // Redirects need Location; otherwise only the single-request report shows headers.
          keepHeaders: cfg.capture || cfg.maxRedirects > 0,
          bodyCap: cfg.capture ? cfg.bodyCap : 0,
        };
        const hop: Hop = {
          url: url.href,
          method,
          status: null,
          reason: '',
          headers: [],
          bodyBytes: 0,
          phases: null!,
          conn: null,
          requestDump: null,
          responseDump: null,
          sentHeaders: cfg.capture ? req.headers : [],
        };
        hops.push(hop);
        let res: InResponse;
        try {
          res = await this.attempt(req, t, hop, intr, deadlines, () => fired);
        } catch (e) {
          if (!(e instanceof ExchangeFailed)) throw e;
          hop.phases = t.phases(chainStart);
          ex.phases = hop.phases;
          ex.failure = e.failure;
          return ex;
        }
        hop.status = res.status;
        hop.reason = res.reason;
        hop.headers = res.headers;
        hop.bodyBytes = res.bodyBytes;
        hop.requestDump = res.requestDump;
        hop.responseDump = res.responseDump;
        hop.phases = t.phases(chainStart);
        ex.status = res.status;
        ex.phases = hop.phases;
        ex.body = res.body;
        ex.bodyTruncated = res.bodyTruncated;

        if (cfg.maxRedirects <= 0 || !REDIRECTS.has(res.status)) return this.judged(ex);
        const location = headerValue(res.headers, 'location');
        if (location === undefined) return this.judged(ex);
        if (hops.length > cfg.maxRedirects) {
          ex.failure = fail(
            'redirects',
            'transfer',
            `${cfg.method} ${cfg.url.href}: stopped after ${cfg.maxRedirects} redirects (the last to ${location.slice(0, 100)}): raise --max-redirs or check for a loop`,
          ).failure;
          return ex;
        }
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          ex.failure = fail('protocol', 'transfer', `${method} ${url.href}: ${res.status} redirect to an invalid Location "${location.slice(0, 100)}"`).failure;
          return ex;
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          ex.failure = fail('protocol', 'transfer', `${method} ${url.href}: ${res.status} redirect to unsupported URL ${next.href.slice(0, 100)}`).failure;
          return ex;
        }
        // Go's Client (redirectBehavior): 301/302/303 drop the body and turn any method but
        // GET and HEAD into GET; 307/308 keep both.
        if (res.status === 301 || res.status === 302 || res.status === 303) {
          if (method !== 'GET' && method !== 'HEAD') method = 'GET';
          body = null;
          headers = headers.filter(([n]) => !/^content-(type|length|encoding)$/i.test(n));
        }
        if (next.hostname !== url.hostname) headers = headers.filter(([n]) => !SENSITIVE.has(n.toLowerCase()));
        url = next;
        t = new HopTimer();
      }
    } finally {
      deadlines.end();
      this.deadlinePool.push(deadlines);
    }
  }

  /** --fail: a final 4xx or 5xx response is a failure, like curl's. */
  private judged(ex: Exchange): Exchange {
    const status = ex.status;
    if (!this.cfg.failStatus || status === null || status < 400 || ex.failure) return ex;
    const final = ex.hops[ex.hops.length - 1]!;
    const reason = final.reason || STATUS_CODES[status] || '';
    ex.failure = fail(
      'status',
      'transfer',
      `${final.method} ${final.url}: the server answered ${status}${reason ? ` ${reason}` : ''} (--fail)`,
      String(status),
    ).failure;
    return ex;
  }

  private headersFor(url: URL, method: string, headers: HeaderList, body: Buffer | null, traceparent: string): HeaderList {
    const out: HeaderList = [['Host', url.host]];
    let placed = !this.cfg.traceparent;
    for (const h of headers) {
      if (h[0] === 'traceparent') {
        if (!placed) out.push(['traceparent', traceparent]);
        placed = true;
      } else out.push(h);
    }
    if (!placed) out.push(['traceparent', traceparent]);
    if (body && body.length > 0) out.push(['Content-Length', String(body.length)]);
    else if (method === 'POST' || method === 'PUT' || method === 'PATCH') out.push(['Content-Length', '0']);
    if (!this.cfg.keepAlive) out.push(['Connection', 'close']);
    return out;
  }

  /** Gets a connection (reused or new) and runs one exchange; retries once on a stale reused one. */
  private async attempt(
    req: OutRequest,
    t: HopTimer,
    hop: Hop,
    intr: Interrupt,
    deadlines: Deadlines,
    firedNow: () => ExchangeFailed | null,
  ): Promise<InResponse> {
    const key = req.url === this.cfg.url ? this.firstKey : `${req.url.protocol}//${req.url.host}`;
    for (let retry = 0; ; retry++) {
      let conn = retry === 0 ? this.takeIdle(key) : undefined;
      const reused = conn !== undefined;
      if (conn) {
        t.gotConn = now();
        hop.conn = {
          id: conn.id,
          reused: true,
          wasIdle: true,
          idleMs: t.gotConn - conn.idleSince,
          remote: conn.remote,
          local: conn.local,
          protocol: conn.protocol,
          tls: null,
        };
        this.reusedCount++;
      } else {
        conn = await this.connect(req.url, t, intr, deadlines, firedNow);
        t.gotConn = now();
        hop.conn = { id: conn.id, reused: false, wasIdle: false, idleMs: null, remote: conn.remote, local: conn.local, protocol: conn.protocol, tls: null };
      }
      const f = firedNow();
      if (f) {
        conn.close();
        throw f;
      }
      try {
        const res = await conn.exchange(
          req,
          t,
          this.cfg.timeouts.header > 0 ? { wrote: () => deadlines.set('header', this.cfg.timeouts.header), head: () => deadlines.clear('header') } : NO_HOOKS,
          intr,
        );
        deadlines.clear('header');
        hop.conn.protocol = res.protocol;
        // After the exchange: describing the certificate must not delay the request.
        if (this.cfg.capture) hop.conn.tls = conn.tls;
        if (conn.usable()) this.putIdle(key, conn);
        else this.forget(conn);
        return res;
      } catch (e) {
        deadlines.clear('header');
        if (this.cfg.capture) hop.conn.tls = conn.tls;
        this.forget(conn);
        conn.close();
        const failure = (e as ExchangeFailed).failure;
        // A reused connection the server had already closed: nothing was answered, so send again (Go's Transport retries these too).
        if (
          reused &&
          retry === 0 &&
          !failure.timeout &&
          Number.isNaN(t.firstByte) &&
          IDEMPOTENT.has(req.method) &&
          (failure.kind === 'reset' || failure.kind === 'network')
        ) {
          this.retries++;
          this.reusedCount--;
          t.gotConn = NaN;
          t.wrote = NaN;
          continue;
        }
        throw e;
      }
    }
  }

  private noteConnect(ms: number, s: TimeSplit): void {
    const held = heldUpMs(s, ms);
    if (held > this.connectHeldUpMaxMs) this.connectHeldUpMaxMs = held;
    if (held >= 1) this.connectsHeldUp++;
    if (!this.slowestConnect || ms > this.slowestConnect.ms) {
      this.slowestConnect = { ...s, ms };
    }
  }

  private async connect(url: URL, t: HopTimer, intr: Interrupt, deadlines: Deadlines, firedNow: () => ExchangeFailed | null): Promise<Conn> {
    const cfg = this.cfg;
    const what = `${this.cfg.method} ${url.href}`;
    deadlines.set('connect', cfg.timeouts.connect);
    let d;
    this.connecting++;
    try {
      d = await dial(url, what, cfg, this.secureContext, t, intr, {
        beforeConnect: (i) => this.gate.enter(i),
        clock: this.clock,
        connected: () => {
          deadlines.clear('connect');
          if (url.protocol === 'https:') deadlines.set('tls', cfg.timeouts.tls);
        },
      });
    } finally {
      this.connecting--;
      deadlines.clear('connect');
      deadlines.clear('tls');
    }
    const f = firedNow();
    if (f) {
      d.socket.destroy();
      throw f;
    }
    if (t.connectSplit) this.noteConnect(t.connectEnd - t.connectStart, t.connectSplit);
    const id = ++this.opened;
    // HTTP/2 as negotiated by ALPN over TLS, or with prior knowledge (h2c) on plain TCP.
    const h2 = d.alpn === 'h2' || (cfg.h2c && url.protocol === 'http:');
    const conn: Conn = h2
      ? new H2Conn(id, d.socket, `${url.protocol}//${url.host}`, d.remote, d.local, d.tls, cfg.keepAlive)
      : new H1Conn(id, d.socket, d.remote, d.local, d.tls, cfg.keepAlive, d.reads);
    this.all.add(conn);
    return conn;
  }

  private takeIdle(key: string): Conn | undefined {
    const list = this.idle.get(key);
    if (!list) return undefined;
    while (list.length) {
      const c = list.pop()!;
      if (c.usable()) return c;
      this.forget(c);
    }
    return undefined;
  }

  private putIdle(key: string, conn: Conn): void {
    let list = this.idle.get(key);
    if (!list) this.idle.set(key, (list = []));
    list.push(conn);
  }

  private forget(conn: Conn): void {
    this.all.delete(conn);
  }
}
