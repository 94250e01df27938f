// Where `goscope traces` gets spans: a folder (every file in it: what `goscope otlp --out`
// or the collector's file exporter wrote), one file, or Jaeger's query API (a trace or
// search URL; the reply is saved to the capture folder before it is read).
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { UsageError, UserError } from '../errors.js';
import type { Span } from '../formats/otlp/model.js';
import { fileChunks, newReadStats, readSpans, type OtlpReadStats } from '../formats/otlp/read.js';
import { captureDir, saveCaptureStream, serviceLabel } from './capture.js';
import { display, fetchStream } from './fetch.js';

export interface SpanInput {
  /** As the user named it. */
  arg: string;
  /** The files read (a Jaeger reply: where it was saved). */
  files: string[];
  stats: OtlpReadStats[];
}

/** Jaeger's trace URL for `base` (a query service URL) and a trace id, or the URL as given when it names an API path. */
export function jaegerUrl(arg: string, traceId: string | undefined): URL {
  let u: URL;
  try {
    u = new URL(arg);
  } catch {
    throw new UsageError(`traces: ${arg} is not a URL`);
  }
  if (u.pathname.includes('/api/traces')) return u;
  if (!traceId)
    throw new UsageError(`traces: ${display(u)} is a Jaeger address: add --trace-id ID, or give a search URL (${u.origin}/api/traces?service=NAME&limit=100)`);
  return new URL(`${u.pathname.replace(/\/+$/, '')}/api/traces/${traceId}`, u);
}

async function filesOf(arg: string): Promise<string[]> {
  let st;
  try {
    st = await fsp.stat(arg);
  } catch (e) {
    throw new UserError(`traces: cannot read ${arg}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`);
  }
  if (!st.isDirectory()) return [arg];
  const names = (await fsp.readdir(arg, { withFileTypes: true }))
    .filter((d) => d.isFile() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  if (!names.length) throw new UserError(`traces: ${arg} is an empty folder (expected OTLP JSON Lines files, e.g. from goscope otlp --out ${arg})`);
  return names.map((n) => path.join(arg, n));
}

/** Every span of the input, in file order. `input.files` and `input.stats` fill in as it goes. */
export async function* spansOf(
  input: SpanInput,
  opts: { traceId?: string; timeoutMs?: number; outDir?: string; onSaved?: (file: string) => void },
): AsyncGenerator<Span> {
  const arg = input.arg;
  let files: string[];
  if (/^https?:\/\//i.test(arg)) {
    const url = jaegerUrl(arg, opts.traceId);
    const dir = await captureDir(opts.outDir, serviceLabel(url));
    const body = await fetchStream(url, { timeoutMs: opts.timeoutMs, limit: 'trace' });
    const saved = await saveCaptureStream(dir, 'jaeger-traces.json', body);
    opts.onSaved?.(saved);
    files = [saved];
  } else {
    files = await filesOf(arg);
  }
  for (const f of files) {
    input.files.push(f);
    const stats = newReadStats();
    input.stats.push(stats);
    yield* readSpans(fileChunks(f), f, { stats });
  }
}
