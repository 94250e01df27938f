// HTTP/1.1 over one socket, parsed by formats/http/h1 as bytes arrive. Owning the parser
// is what lets goscope stamp GotFirstResponseByte on the chunk that carried it (Node's
// http client only reports the response once the whole head is parsed) and keeps the
// per-request cost low enough to load a service as fast as Go's own client.
import type net from 'node:net';
import type tls from 'node:tls';
import type { TlsFacts } from '../../formats/http/exchange.js';
import {
  BodyReader,
  fillTemplate,
  framingOf,
  headEnd,
  keepsAlive,
  MAX_HEAD_BYTES,
  parseResponseHead,
  ProtocolError,
  requestHead,
  type ResponseHead,
} from '../../formats/http/h1.js';
import type { Conn, ExchangeHooks, InResponse, OutRequest } from './conn.js';
import { BodyCapture } from './conn.js';
import type { Interrupt, Reads } from './dial.js';
import { ExchangeFailed, fail, fromSystemError } from './failure.js';
import { now, type HopTimer } from './timer.js';

interface Pending {
  req: OutRequest;
  what: string;
  t: HopTimer;
  hooks: ExchangeHooks;
  intr: Interrupt;
  resolve(r: InResponse): void;
  reject(e: ExchangeFailed): void;
  head: Buffer | null;
  parsed: ResponseHead | null;
  reader: BodyReader | null;
  capture: BodyCapture | null;
  requestDump: string | null;
  responseDump: string;
  received: number;
}

const EMPTY = Buffer.alloc(0);

export class H1Conn implements Conn {
  readonly protocol = 'HTTP/1.1';
  idleSince = 0;

  get tls(): TlsFacts | null {
    return this.tlsFacts?.() ?? null;
  }
  private dead = false;
  private reusable: boolean;
  private pending: Pending | null = null;
  private lastError: NodeJS.ErrnoException | null = null;
  private readonly secure: boolean;

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    readonly remote: string,
    readonly local: string,
    private readonly tlsFacts: (() => TlsFacts | null) | null,
    keepAlive: boolean,
    reads: Reads | null,
  ) {
    this.reusable = keepAlive;
    this.secure = (socket as tls.TLSSocket).encrypted === true;
    if (reads) reads.to = (chunk) => this.onData(chunk);
    else socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.lastError = err;
    });
    socket.on('end', () => this.onClose());
    socket.on('close', () => this.onClose());
  }

  usable(): boolean {
    return !this.dead && this.reusable && this.pending === null;
  }

  close(): void {
    this.dead = true;
    this.socket.destroy();
  }

  exchange(req: OutRequest, t: HopTimer, hooks: ExchangeHooks, intr: Interrupt): Promise<InResponse> {
    const what = `${req.method} ${req.url.href}`;
    return new Promise<InResponse>((resolve, reject) => {
      if (this.dead) {
        reject(fail('reset', 'requestWrite', `${what}: the connection was closed before the request was sent`, 'ECONNRESET'));
        return;
      }
      const headText = req.template ? '' : requestHead(req.method, req.url.pathname + req.url.search || '/', req.headers);
      const p: Pending = {
        req,
        what,
        t,
        hooks,
        intr,
        resolve,
        reject,
        head: null,
        parsed: null,
        reader: null,
        capture: req.bodyCap > 0 ? new BodyCapture(req.bodyCap) : null,
        requestDump: req.captureHeads ? headText : null,
        responseDump: '',
        received: 0,
      };
      this.pending = p;
      intr.abort = (err) => {
        // The certificate facts cannot be read from a closed socket: keep them for the report.
        if (req.captureHeads) this.tlsFacts?.();
        this.settle(p, err);
        this.close();
      };
      let out: Buffer;
      if (req.template) out = fillTemplate(req.template, req.traceparent);
      else {
        const head = Buffer.from(headText, 'latin1');
        out = req.body && req.body.length > 0 ? Buffer.concat([head, req.body]) : head;
      }
      const wrote = () => {
        if (Number.isNaN(t.wrote)) t.wrote = now();
        if (this.pending === p) hooks.wrote();
      };
      const socket = this.socket;
      // WroteRequest is when the request's bytes are handed to the kernel. A TLS socket
      // encrypts and writes asynchronously, so only the write callback knows that moment
      // (it emits 'drain' only after a write that returned false, never for a request).
      if (this.secure) socket.write(out, wrote);
      else {
        // On plain TCP the kernel nearly always takes the whole request inside write():
        // nothing is left buffered, and no callback (one nextTick per request) is needed.
        socket.write(out);
        if (socket.writableLength === 0) wrote();
        // Otherwise an empty write queued behind it completes once all of it went out.
        else socket.write(EMPTY, wrote);
      }
    });
  }

  private settle(p: Pending, err: ExchangeFailed | null, res?: InResponse): void {
    if (this.pending !== p) return;
    this.pending = null;
    p.intr.abort = null;
    if (err) {
      this.dead = true;
      p.reject(err);
    } else p.resolve(res!);
  }

  private onData(chunk: Buffer): void {
    const p = this.pending;
    if (!p) {
      // Bytes nobody asked for (a 408 on an idle connection, garbage): never reuse it.
      this.close();
      return;
    }
    const t = p.t;
    if (Number.isNaN(t.firstByte)) {
      t.firstByte = now();
      if (Number.isNaN(t.wrote)) t.wrote = t.firstByte;
    }
    p.received += chunk.length;
    try {
      let buf = chunk;
      let off = 0;
      while (!p.reader) {
        buf = p.head ? Buffer.concat([p.head, buf.subarray(off)]) : off ? buf.subarray(off) : buf;
        off = 0;
        const end = headEnd(buf, p.head ? Math.max(0, p.head.length - 3) : 0, buf.length);
        if (end < 0) {
          if (buf.length > MAX_HEAD_BYTES) throw new ProtocolError(`the response head is larger than ${MAX_HEAD_BYTES / 1024} KiB`);
          // Keep a copy: with `reads` the socket reuses its buffer for the next read.
          p.head = Buffer.from(buf);
          return;
        }
        p.head = null;
        const head = parseResponseHead(buf, end, p.req.keepHeaders);
        if (p.req.captureHeads) p.responseDump += buf.toString('latin1', 0, end);
        off = end;
        if (head.status >= 100 && head.status < 200 && head.status !== 101) continue; // 100 Continue, 103 Early Hints
        if (head.status === 101) throw new ProtocolError('the server switched protocols (101), which goscope does not follow');
        p.parsed = head;
        const framing = framingOf(head, p.req.method);
        p.reader = new BodyReader(framing, p.capture ? (b, s, e) => p.capture!.add(b, s, e) : undefined);
        p.hooks.head();
      }
      const used = p.reader.feed(buf, off, buf.length);
      if (off + used < buf.length) this.reusable = false; // more than one response: do not trust this connection
      if (p.reader.done) this.finish(p);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.settle(
        p,
        fail(
          'protocol',
          Number.isNaN(p.t.firstByte) || !p.parsed ? 'serverProcessing' : 'transfer',
          `${p.what}: ${e.problem}: is this the right port (http vs https)?`,
        ),
      );
      this.close();
    }
  }

  private finish(p: Pending): void {
    const head = p.parsed!;
    p.t.end = now();
    this.idleSince = p.t.end;
    if (!keepsAlive(head, p.reader!.framing)) this.reusable = false;
    const res: InResponse = {
      protocol: head.version,
      status: head.status,
      reason: head.reason,
      headers: head.headers,
      bodyBytes: p.reader!.bytes,
      body: p.capture?.result() ?? null,
      bodyTruncated: p.capture?.truncated ?? false,
      requestDump: p.requestDump,
      responseDump: p.req.captureHeads ? p.responseDump : null,
    };
    this.pending = null;
    p.intr.abort = null;
    if (!this.reusable) this.close();
    p.resolve(res);
  }

  private onClose(): void {
    const p = this.pending;
    this.dead = true;
    if (!p) return;
    if (p.reader && p.reader.eof()) {
      this.finish(p);
      return;
    }
    const err = this.lastError;
    if (p.parsed) {
      const got = p.reader!.bytes;
      const of = p.reader!.framing.kind === 'length' ? ` of ${p.reader!.framing.length}` : '';
      this.settle(
        p,
        fail(
          'truncated',
          'transfer',
          `${p.what}: the body ended early: the connection closed after ${got}${of} bytes${err?.code ? ` (${err.code})` : ''}`,
          err?.code ?? null,
        ),
      );
    } else if (err) {
      this.settle(p, fromSystemError(p.what, p.t.phase(), err, this.remote));
    } else if (p.received > 0) {
      this.settle(p, fail('protocol', 'serverProcessing', `${p.what}: the connection closed in the middle of the response head`));
    } else {
      this.settle(
        p,
        fail(
          'reset',
          p.t.phase(),
          `${p.what}: the server closed the connection without a response: is this the right port (http vs https), and is the service healthy?`,
          'EOF',
        ),
      );
    }
  }
}
