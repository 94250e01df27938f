// Reading a Prometheus exposition in any of its three formats, as a stream.
import { FormatError } from '../../errors.js';
import type { ExpositionFormat, ExpositionSink, ParseSummary } from './model.js';
import { ProtobufParser } from './protobuf.js';
import { TextParser } from './text.js';

export * from './model.js';
export { parseValue } from './text.js';

/** Media types, as a scraper asks for them and a service names them in Content-Type. */
export const MEDIA_TYPES: Record<ExpositionFormat, string> = {
  text: 'text/plain;version=0.0.4',
  openmetrics: 'application/openmetrics-text;version=1.0.0',
  protobuf: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
};

/** The format a Content-Type names, or undefined when it names none of them. */
export function formatOfContentType(contentType: string | undefined): ExpositionFormat | undefined {
  if (!contentType) return undefined;
  const [type = '', ...params] = contentType
    .toLowerCase()
    .split(';')
    .map((s) => s.trim());
  const param = (k: string) =>
    params
      .find((p) => p.startsWith(k + '='))
      ?.slice(k.length + 1)
      .replace(/^"|"$/g, '');
  if (type === 'application/openmetrics-text') return 'openmetrics';
  if (type === 'application/vnd.google.protobuf') {
    return param('proto') === 'io.prometheus.client.metricfamily' && param('encoding') === 'delimited' ? 'protobuf' : undefined;
  }
  if (type === 'text/plain') return 'text';
  return undefined;
}

/**
 * The format of an exposition from its first bytes (and, for a file, its last): protobuf
 * when the start is a length prefix and a family's name field rather than text; else
 * OpenMetrics when something only OpenMetrics has shows (# EOF at the end, # UNIT, the
 * unknown/info/stateset/gaugehistogram types, an exemplar); else the text format.
 */
export function sniffFormat(head: Uint8Array, tail?: Uint8Array): ExpositionFormat {
  if (head.length >= 2) {
    const b0 = head[0]!;
    const printable = b0 === 9 || b0 === 10 || b0 === 13 || (b0 >= 0x20 && b0 < 0x7f);
    let i = 0;
    while (i < head.length && i < 5 && head[i]! >= 0x80) i++;
    const afterPrefix = head[i + 1];
    if (!printable && afterPrefix === 0x0a) return 'protobuf';
    if (printable && b0 !== 0x23 && b0 !== 0x20 && b0 !== 0x09 && b0 !== 0x0a && head[1] === 0x0a) return 'protobuf';
  }
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1');
  const end = tail ? Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).toString('latin1') : '';
  if (/(^|\n)# EOF\n?$/.test(end) || /(^|\n)# EOF\n?$/.test(text)) return 'openmetrics';
  if (
    /(^|\n)# UNIT \S/.test(text) ||
    /(^|\n)# TYPE \S+ (unknown|info|stateset|gaugehistogram)\n/.test(text) ||
    /\} \S+ # \{/.test(text) ||
    / \S+ # \{[^}\n]*\} \S/.test(text)
  ) {
    return 'openmetrics';
  }
  return 'text';
}

/** Bytes looked at to recognise the format of an input that does not say. */
const SNIFF = 64 * 1024;

export interface ReadOptions {
  /** The input's name for messages (file, URL, "stdin"). */
  input: string;
  /** Known format (from Content-Type or --format); sniffed from the first chunk when absent. */
  format?: ExpositionFormat;
  /** The last bytes of a file, for sniffing. */
  tail?: Uint8Array;
  /** Called with the bytes read so far (progress). */
  onBytes?: (n: number) => void;
}

/** Streams an exposition through the matching parser into `sink`. Throws FormatError on malformed input. */
export async function readExposition(chunks: AsyncIterable<Uint8Array>, opts: ReadOptions, sink: ExpositionSink): Promise<ParseSummary> {
  let parser: TextParser | ProtobufParser | undefined;
  let read = 0;
  // Without a known format, the first SNIFF bytes (or all, if fewer) decide it.
  let head: Uint8Array[] = [];
  let headBytes = 0;
  const start = (first: Uint8Array): TextParser | ProtobufParser => {
    const format = opts.format ?? sniffFormat(first, opts.tail);
    return format === 'protobuf' ? new ProtobufParser(opts.input, sink) : new TextParser(opts.input, format === 'openmetrics', sink);
  };
  for await (const chunk of chunks) {
    if (chunk.byteLength === 0) continue;
    read += chunk.byteLength;
    opts.onBytes?.(read);
    if (!parser) {
      if (opts.format === undefined && headBytes + chunk.byteLength < SNIFF) {
        head.push(Buffer.from(chunk)); // a copy: the caller may reuse its chunk
        headBytes += chunk.byteLength;
        continue;
      }
      const first = head.length ? Buffer.concat([...head, chunk]) : chunk;
      head = [];
      parser = start(first);
      parser.push(first);
      continue;
    }
    parser.push(chunk);
  }
  if (!parser && headBytes > 0) {
    const first = Buffer.concat(head);
    parser = start(first);
    parser.push(first);
  }
  if (!parser) {
    if (opts.format === 'openmetrics') throw new FormatError(opts.input, '', 'empty OpenMetrics exposition: no "# EOF"', 'the reply was empty');
    return { format: opts.format ?? 'text', families: [], samples: 0, bytes: 0 };
  }
  return parser.end();
}
