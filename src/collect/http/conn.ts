// A connection that carries requests one at a time: HTTP/1.1 on a socket goscope parses
// itself (so the first response byte is timed where it arrives), or one HTTP/2 session.
import type { TlsFacts } from '../../formats/http/exchange.js';
import type { HeaderList, RequestTemplate } from '../../formats/http/h1.js';
import type { Interrupt } from './dial.js';
import type { HopTimer } from './timer.js';

export interface OutRequest {
  method: string;
  url: URL;
  /**
   * Every header field to send, in order (Host first for HTTP/1.1; HTTP/2 turns it into
   * :authority). A traceparent with an empty value stands for `traceparent`.
   */
  headers: HeaderList;
  traceparent: string;
  body: Buffer | null;
  /** HTTP/1.1 only: the request's bytes around the traceparent, when prebuilt (load runs). */
  template: RequestTemplate | null;
  /** Keep the request and response heads as text (for --dump and the single-request report). */
  captureHeads: boolean;
  /** Decode the response header fields (else only status and framing: load runs). */
  keepHeaders: boolean;
  /** Keep at most this many body bytes (0: count only). */
  bodyCap: number;
}

export interface InResponse {
  protocol: string;
  status: number;
  reason: string;
  headers: HeaderList;
  bodyBytes: number;
  body: Buffer | null;
  bodyTruncated: boolean;
  requestDump: string | null;
  responseDump: string | null;
}

export interface ExchangeHooks {
  /** The request has been handed to the kernel (WroteRequest). */
  wrote(): void;
  /** The response head is complete. */
  head(): void;
}

export interface Conn {
  readonly id: number;
  readonly protocol: string;
  readonly remote: string;
  readonly local: string;
  readonly tls: TlsFacts | null;
  /** When the last response on it completed (for GotConnInfo.IdleTime). */
  idleSince: number;
  /** Can carry another request. */
  usable(): boolean;
  exchange(req: OutRequest, t: HopTimer, hooks: ExchangeHooks, intr: Interrupt): Promise<InResponse>;
  close(): void;
}

/** Keeps the first `cap` bytes of a body. */
export class BodyCapture {
  private parts: Buffer[] = [];
  private kept = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  add(buf: Uint8Array, start: number, end: number): void {
    const room = this.cap - this.kept;
    if (room <= 0) {
      if (end > start) this.truncated = true;
      return;
    }
    const n = Math.min(room, end - start);
    this.parts.push(Buffer.from(buf.subarray(start, start + n)));
    this.kept += n;
    if (n < end - start) this.truncated = true;
  }
  result(): Buffer | null {
    return this.cap > 0 ? Buffer.concat(this.parts) : null;
  }
}
