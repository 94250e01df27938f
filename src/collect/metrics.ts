// Scraping a service's /metrics as Prometheus does: the Accept header of Prometheus 3
// (v0.316.0: OpenMetrics 1.0 first, then OpenMetrics 0.0.1, the text format 1.0.0 and
// 0.0.4, UTF-8 names allowed), gzip, one deadline for the whole request, and a cap on
// the decompressed size (GOSCOPE_MAX_METRICS). The body is decompressed while it streams
// to `<dir>/metrics…` and saved before anything parses it; the Content-Type names the
// format.
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { FormatError, UserError } from '../errors.js';
import { formatOfContentType, type ExpositionFormat } from '../formats/prometheus/index.js';
import { limit } from '../lib/limits.js';
import { oneLine } from '../lib/text.js';
import { saveCaptureStream } from './capture.js';
import { fetchWithHeaders, FetchError, tooLarge } from './fetch.js';
import { describeReply, withSavedTo } from '../formats/reply.js';
import { readHead } from './reply.js';

/** Prometheus's media types for the scrape protocols, in its own words (config.ScrapeProtocolsHeaders). */
const PROTOCOLS: Record<ExpositionFormat | 'openmetrics-0.0.1' | 'text-1.0.0', string> = {
  openmetrics: 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8',
  'openmetrics-0.0.1': 'application/openmetrics-text;version=0.0.1',
  'text-1.0.0': 'text/plain;version=1.0.0;escaping=allow-utf-8',
  text: 'text/plain;version=0.0.4',
  // Prometheus adds no escaping parameter here; goscope asks for names as they are.
  protobuf: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=allow-utf-8',
};

/** Accept as Prometheus 3 sends it by default (acceptHeader with DefaultScrapeProtocols), or for one format. */
export function acceptHeader(only?: ExpositionFormat): string {
  const order =
    only === 'protobuf'
      ? ['protobuf']
      : only === 'text'
        ? ['text-1.0.0', 'text']
        : only === 'openmetrics'
          ? ['openmetrics', 'openmetrics-0.0.1']
          : ['openmetrics', 'openmetrics-0.0.1', 'text-1.0.0', 'text'];
  let weight = 7;
  const vals = order.map((k) => `${PROTOCOLS[k as keyof typeof PROTOCOLS]};q=0.${weight--}`);
  vals.push(`*/*;q=0.${weight}`);
  return vals.join(',');
}

/**
 * The URL goscope scrapes: a service's metrics at <base>/metrics (the base keeps a path
 * prefix, as pprof's does: http://h/admin/debug/pprof/ -> http://h/admin/metrics); any
 * other URL is used as given.
 */
export function metricsUrl(url: URL, service: boolean): URL {
  if (!service) return url;
  const u = new URL(url.href);
  u.pathname = url.pathname.replace(/\/+$/, '') + '/metrics';
  u.search = '';
  return u;
}

export interface ScrapeOptions {
  dir: string;
  timeoutMs?: number;
  /** Ask for this format only. */
  format?: ExpositionFormat;
  signal?: AbortSignal;
}

export interface Scraped {
  url: string;
  path: string;
  size: number;
  /** From Content-Type; undefined when it names no exposition format (then the bytes are sniffed). */
  format: ExpositionFormat | undefined;
  contentType: string;
  gzip: boolean;
  at: Date;
}

/** File name of a scrape by format: a saved scrape is read back by sniffing its bytes. */
function fileName(format: ExpositionFormat | undefined): string {
  return format === 'protobuf' ? 'metrics.pb' : format === 'openmetrics' ? 'metrics.om.txt' : 'metrics.txt';
}

export async function scrapeMetrics(url: URL, opts: ScrapeOptions): Promise<Scraped> {
  const at = new Date();
  const res = await fetchWithHeaders(url, {
    timeoutMs: opts.timeoutMs,
    limit: 'metrics',
    signal: opts.signal,
    headers: { Accept: acceptHeader(opts.format), 'Accept-Encoding': 'gzip' },
  });
  const contentType = String(res.headers['content-type'] ?? '');
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const gzip = encoding === 'gzip' || encoding === 'x-gzip';
  if (encoding && !gzip && encoding !== 'identity') {
    await drain(res.body);
    throw new UserError(`${res.url}: the reply is compressed with "${oneLine(encoding, 40)}", which goscope did not ask for (it accepts gzip)`);
  }
  const format = formatOfContentType(contentType);
  let size = 0;
  const body = gzip ? gunzip(res.body, res.url) : res.body;
  const path = await saveCaptureStream(
    opts.dir,
    fileName(format),
    counted(body, (n) => (size += n)),
  );
  if (!format && /^\s*(text\/html|application\/json)/i.test(contentType)) {
    throw new UserError(await notAnExposition(res.url, contentType, path));
  }
  return { url: res.url, path, size, format, contentType, gzip, at };
}

async function* counted(chunks: AsyncIterable<Buffer>, add: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const c of chunks) {
    add(c.length);
    yield c;
  }
}

/** Inflates a gzip body as it streams, capped at the metrics limit after inflation (a gzip bomb stops there). */
async function* gunzip(body: AsyncIterable<Buffer>, shown: string): AsyncGenerator<Buffer> {
  const max = limit('metrics');
  const z = createGunzip();
  const src = Readable.from(body);
  let sourceError: unknown;
  src.on('error', (e) => {
    sourceError = e;
    z.destroy(e);
  });
  src.pipe(z);
  let out = 0;
  try {
    for await (const c of z) {
      out += (c as Buffer).length;
      if (out > max) throw tooLarge(shown, max, 'metrics');
      yield c as Buffer;
    }
  } catch (e) {
    if (sourceError) throw sourceError;
    if (e instanceof FetchError || e instanceof UserError) throw e;
    throw new UserError(`${shown}: the gzip-compressed reply is corrupt (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    src.destroy();
    z.destroy();
  }
}

/** Stops reading a body (releases the connection). */
async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  await body[Symbol.asyncIterator]().return?.();
}

/**
 * What to throw when a scraped exposition cannot be read: a reply whose Content-Type named
 * no exposition format and that fails on its first line is not one (a web page, binary
 * data), and is called so; otherwise the parser's line (which names the URL, line and
 * column) stands, with where the reply was saved. Anything but a FormatError as it is.
 */
export async function unreadableScrape(e: unknown, sc: Scraped): Promise<unknown> {
  if (!(e instanceof FormatError)) return e;
  if (sc.format === undefined && /: (line 1|byte 0)\b/.test(e.message)) {
    return new UserError(await notAnExposition(sc.url, sc.contentType, sc.path));
  }
  return withSavedTo(e, sc.path);
}

/** "<url>: not a Prometheus exposition but a reply starting … (Content-Type …; saved to …): is this the right URL? …" */
async function notAnExposition(url: string, contentType: string, path: string): Promise<string> {
  const { head, size } = await readHead(path, 64);
  const type = contentType ? `Content-Type ${oneLine(contentType, 60)}; ` : '';
  // gzip without Content-Encoding: a pprof profile (a /debug/pprof/ URL given by mistake) or a file.
  const what = head[0] === 0x1f && head[1] === 0x8b ? `${size} bytes of gzip-compressed data` : describeReply(head, size);
  return `${url}: not a Prometheus exposition but ${what} (${type}saved to ${path}): is this the right URL? goscope reads <service>/metrics`;
}

/** The last bytes of a saved exposition, for recognising OpenMetrics by its "# EOF" (readExposition's `tail`). */
export async function expositionTail(path: string): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const { size } = await fh.stat();
    const n = Math.min(size, 16);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, size - n);
    return buf;
  } finally {
    await fh.close();
  }
}
