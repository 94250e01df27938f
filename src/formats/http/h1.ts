// HTTP/1.1 on the wire (RFC 9112): the request head goscope sends, the response head it
// receives, and the body framing that decides where a response ends. Pure and
// incremental: bytes go in as the socket delivers them, nothing assumes a whole message.

export type HeaderList = [name: string, value: string][];

export interface ResponseHead {
  /** "HTTP/1.1" or "HTTP/1.0". */
  version: string;
  status: number;
  reason: string;
  /** Header lines in the order received (names as sent). */
  headers: HeaderList;
  /** Bytes of the head including the blank line. */
  size: number;
  /** The fields that decide framing, joined with ", " when repeated (undefined when absent). */
  transferEncoding: string | undefined;
  contentLength: string | undefined;
  connection: string | undefined;
}

/** A response that is not HTTP/1.x; `problem` is one line for the user. */
export class ProtocolError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'ProtocolError';
  }
}

/** Largest response head accepted (Go's default MaxResponseHeaderBytes is 10 MB, Node's 16 KiB). */
export const MAX_HEAD_BYTES = 256 * 1024;

/** Index just past the blank line ending a head in buf[from, end), or -1. Accepts bare LF. */
export function headEnd(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (buf[i] !== 10) continue;
    if (i + 1 < end && buf[i + 1] === 10) return i + 2;
    if (i + 2 < end && buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
  }
  return -1;
}

/**
 * Parses a complete response head (status line, header lines, blank line) from buf[0, size).
 * With `keepHeaders` false only the status and the framing fields are decoded (load
 * runs need nothing else, and making strings of every header was their largest cost).
 */
export function parseResponseHead(buf: Buffer, size: number, keepHeaders = true): ResponseHead {
  // Byte scanning rather than split/regex: this runs once per response, 20,000 times a
  // second under load.
  let eol = indexOfLf(buf, 0, size);
  const lineEnd = (e: number) => (e > 0 && buf[e - 1] === 13 ? e - 1 : e);
  const firstEnd = lineEnd(eol < 0 ? size : eol);
  // "HTTP/1.x SSS[ reason]"
  const ok =
    firstEnd >= 12 &&
    buf[0] === 72 &&
    buf[1] === 84 &&
    buf[2] === 84 &&
    buf[3] === 80 &&
    buf[4] === 47 &&
    buf[5] === 49 &&
    buf[6] === 46 &&
    (buf[7] === 48 || buf[7] === 49) &&
    buf[8] === 32 &&
    isDigit(buf[9]!) &&
    isDigit(buf[10]!) &&
    isDigit(buf[11]!) &&
    (firstEnd === 12 || buf[12] === 32);
  if (!ok) {
    const shown = buf.toString('latin1', 0, Math.min(firstEnd, 60)).replace(/[^\x20-\x7e]/g, '?');
    throw new ProtocolError(`the reply is not HTTP/1.x (it starts "${shown}")`);
  }
  const version = buf[7] === 49 ? 'HTTP/1.1' : 'HTTP/1.0';
  const statusCode = (buf[9]! - 48) * 100 + (buf[10]! - 48) * 10 + (buf[11]! - 48);
  const reason = firstEnd > 13 ? buf.toString('latin1', 13, firstEnd) : '';
  const headers: HeaderList = [];
  let te: string | undefined;
  let cl: string | undefined;
  let conn: string | undefined;
  let pos = eol + 1;
  while (pos < size) {
    eol = indexOfLf(buf, pos, size);
    const end = lineEnd(eol < 0 ? size : eol);
    if (end === pos) break;
    const c = buf[pos];
    if (c === 32 || c === 9) {
      // obs-fold: a continuation of the previous field (RFC 9112 5.2 lets a client replace it with a space).
      const last = headers[headers.length - 1];
      if (!last) throw new ProtocolError('the response head starts with a folded line');
      last[1] += ' ' + buf.toString('latin1', pos, end).trim();
    } else {
      let colon = -1;
      for (let i = pos; i < end; i++) {
        const b = buf[i];
        if (b === 58) {
          colon = i;
          break;
        }
        if (b === 32 || b === 9) break;
      }
      if (colon <= pos)
        throw new ProtocolError(
          `malformed response header line "${buf
            .toString('latin1', pos, end)
            .replace(/[^\x20-\x7e]/g, '?')
            .slice(0, 60)}"`,
        );
      let v0 = colon + 1;
      let v1 = end;
      while (v0 < v1 && (buf[v0] === 32 || buf[v0] === 9)) v0++;
      while (v1 > v0 && (buf[v1 - 1] === 32 || buf[v1 - 1] === 9)) v1--;
      if (keepHeaders) headers.push([buf.toString('latin1', pos, colon), buf.toString('latin1', v0, v1)]);
      // The three fields framing depends on, found by length and bytes, without a string per name.
      const len = colon - pos;
      if (len === 17 && sameName(buf, pos, TE)) te = te === undefined ? buf.toString('latin1', v0, v1) : `${te}, ${buf.toString('latin1', v0, v1)}`;
      else if (len === 14 && sameName(buf, pos, CL)) cl = cl === undefined ? buf.toString('latin1', v0, v1) : `${cl}, ${buf.toString('latin1', v0, v1)}`;
      else if (len === 10 && sameName(buf, pos, CONN))
        conn = conn === undefined ? buf.toString('latin1', v0, v1) : `${conn}, ${buf.toString('latin1', v0, v1)}`;
    }
    if (eol < 0) break;
    pos = eol + 1;
  }
  return { version, status: statusCode, reason, headers, size, transferEncoding: te, contentLength: cl, connection: conn };
}

const TE = Buffer.from('transfer-encoding');
const CL = Buffer.from('content-length');
const CONN = Buffer.from('connection');

/** buf[pos, pos + lower.length) equals `lower` ignoring ASCII case. */
function sameName(buf: Uint8Array, pos: number, lower: Uint8Array): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = buf[pos + i]!;
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower[i]) return false;
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function indexOfLf(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === 10) return i;
  return -1;
}

/** All values of a field joined with ", " (names compared case-insensitively; `name` in lowercase). */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (h[0].length === name.length && h[0].toLowerCase() === name) out = out === undefined ? h[1] : `${out}, ${h[1]}`;
  }
  return out;
}

/** How the body of a response is delimited. */
export type Framing = { kind: 'none' } | { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

/** RFC 9112 6.3: which framing applies to this response to this request method. */
export function framingOf(head: ResponseHead, method: string): Framing {
  if (method === 'HEAD' || (head.status >= 100 && head.status < 200) || head.status === 204 || head.status === 304) return { kind: 'none' };
  const te = head.transferEncoding;
  if (te !== undefined) {
    const codings = te.split(',').map((s) => s.trim().toLowerCase());
    return codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  }
  const cl = head.contentLength;
  if (cl !== undefined) {
    let v = cl;
    if (cl.includes(',')) {
      const values = new Set(cl.split(',').map((s) => s.trim()));
      if (values.size !== 1) throw new ProtocolError(`conflicting Content-Length values "${cl.slice(0, 60)}"`);
      v = [...values][0]!;
    }
    if (!/^\d{1,15}$/.test(v)) throw new ProtocolError(`invalid Content-Length "${v.slice(0, 40)}"`);
    return { kind: 'length', length: Number(v) };
  }
  return { kind: 'close' };
}

/** Whether the connection may carry another request after this response. */
export function keepsAlive(head: ResponseHead, framing: Framing): boolean {
  if (framing.kind === 'close') return false;
  if (head.connection === undefined) return head.version !== 'HTTP/1.0';
  const conn = head.connection.toLowerCase();
  if (/(^|,)\s*close\s*(,|$)/.test(conn)) return false;
  if (head.version === 'HTTP/1.0') return /(^|,)\s*keep-alive\s*(,|$)/.test(conn);
  return true;
}

const enum Chunk {
  Size,
  SizeExt,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLine,
  Done,
}

/**
 * Finds the end of a body as bytes arrive. `feed` returns how many bytes of the input
 * belong to the body (the rest is the next response, which a client that does not
 * pipeline never receives). `bytes` counts the body's payload (chunk framing excluded).
 */
export class BodyReader {
  bytes = 0;
  done: boolean;
  private remaining: number;
  private state = Chunk.Size;
  private size = 0;
  private sizeDigits = 0;
  private lineLen = 0;

  constructor(
    readonly framing: Framing,
    /** Called with each payload slice (for keeping a bounded copy of the body). */
    private readonly onData?: (buf: Uint8Array, start: number, end: number) => void,
  ) {
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    this.done = framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0);
  }

  feed(buf: Uint8Array, start: number, end: number): number {
    if (this.done) return 0;
    switch (this.framing.kind) {
      case 'length': {
        const n = Math.min(this.remaining, end - start);
        this.remaining -= n;
        this.bytes += n;
        if (n > 0) this.onData?.(buf, start, start + n);
        if (this.remaining === 0) this.done = true;
        return n;
      }
      case 'close':
        this.bytes += end - start;
        if (end > start) this.onData?.(buf, start, end);
        return end - start;
      case 'chunked':
        return this.chunked(buf, start, end);
      default:
        return 0;
    }
  }

  /** The peer closed the connection: the end of a close-delimited body, an error for others. */
  eof(): boolean {
    if (this.framing.kind === 'close') this.done = true;
    return this.done;
  }

  private chunked(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    while (i < end && this.state !== Chunk.Done) {
      const c = buf[i]!;
      switch (this.state) {
        case Chunk.Size: {
          const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (d >= 0) {
            if (++this.sizeDigits > 13) throw new ProtocolError('chunk size too large');
            this.size = this.size * 16 + d;
            i++;
          } else if (this.sizeDigits === 0) {
            throw new ProtocolError('malformed chunked body (expected a hex chunk size)');
          } else if (c === 59 || c === 32 || c === 9) {
            this.state = Chunk.SizeExt;
            i++;
          } else if (c === 13) {
            this.state = Chunk.SizeLf;
            i++;
          } else if (c === 10) {
            i++;
            this.endSize();
          } else throw new ProtocolError('malformed chunked body (bad character after the chunk size)');
          break;
        }
        case Chunk.SizeExt:
          if (c === 10) this.endSize();
          else if (++this.lineLen > 4096) throw new ProtocolError('chunk extension too long');
          i++;
          break;
        case Chunk.SizeLf:
          if (c !== 10) throw new ProtocolError('malformed chunked body (CR without LF after the chunk size)');
          i++;
          this.endSize();
          break;
        case Chunk.Data: {
          const n = Math.min(this.size, end - i);
          if (n > 0) this.onData?.(buf, i, i + n);
          this.size -= n;
          this.bytes += n;
          i += n;
          if (this.size === 0) this.state = Chunk.DataCr;
          break;
        }
        case Chunk.DataCr:
          if (c === 13) this.state = Chunk.DataLf;
          else if (c === 10) this.state = Chunk.Size;
          else throw new ProtocolError('malformed chunked body (chunk longer than its size)');
          i++;
          break;
        case Chunk.DataLf:
          if (c !== 10) throw new ProtocolError('malformed chunked body (CR without LF after chunk data)');
          this.state = Chunk.Size;
          i++;
          break;
        case Chunk.Trailer:
          // At the start of a trailer line: an empty line ends the body.
          if (c === 13) {
            i++;
          } else if (c === 10) {
            i++;
            this.state = Chunk.Done;
            this.done = true;
          } else {
            this.state = Chunk.TrailerLine;
            this.lineLen = 0;
          }
          break;
        case Chunk.TrailerLine:
          if (c === 10) this.state = Chunk.Trailer;
          else if (++this.lineLen > 16384) throw new ProtocolError('trailer line too long');
          i++;
          break;
      }
    }
    return i - start;
  }

  private endSize(): void {
    this.lineLen = 0;
    this.sizeDigits = 0;
    if (this.size === 0) this.state = Chunk.Trailer;
    else this.state = Chunk.Data;
  }
}

/** The request line and header block goscope writes, ending with the blank line. */
export function requestHead(method: string, target: string, headers: HeaderList): string {
  let s = `${method} ${target} HTTP/1.1\r\n`;
  for (const [n, v] of headers) s += `${n}: ${v}\r\n`;
  return s + '\r\n';
}

/**
 * A request's bytes split around its traceparent value: under load the same head is sent
 * tens of thousands of times a second, and copying two buffers around a fresh 55-byte
 * traceparent is far cheaper than building and encoding the head again.
 */
export interface RequestTemplate {
  prefix: Buffer;
  suffix: Buffer;
  /** False when the request carries no traceparent: `prefix` is then the whole request. */
  traced: boolean;
}

/** `headers` carries a traceparent field with an empty value, where each request's goes. */
export function requestTemplate(method: string, target: string, headers: HeaderList, body: Buffer | null): RequestTemplate {
  const marker = '\u0000'.repeat(55);
  const head = requestHead(
    method,
    target,
    headers.map(([n, v]) => (n === 'traceparent' && v === '' ? [n, marker] : [n, v])),
  );
  const at = head.indexOf(marker);
  if (at < 0) return { prefix: Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]), suffix: Buffer.alloc(0), traced: false };
  return {
    prefix: Buffer.from(head.slice(0, at), 'latin1'),
    suffix: Buffer.concat([Buffer.from(head.slice(at + 55), 'latin1'), body ?? Buffer.alloc(0)]),
    traced: true,
  };
}

/** The request's bytes with this (55-character, version 00) traceparent. */
export function fillTemplate(t: RequestTemplate, traceparent: string): Buffer {
  // Untraced: the same bytes every time (written, never changed, so they can be shared).
  if (!t.traced) return t.prefix;
  const out = Buffer.allocUnsafe(t.prefix.length + 55 + t.suffix.length);
  t.prefix.copy(out, 0);
  out.write(traceparent, t.prefix.length, 55, 'latin1');
  t.suffix.copy(out, t.prefix.length + 55);
  return out;
}
