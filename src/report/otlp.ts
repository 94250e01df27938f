// What `goscope otlp` received: the live status line, the final summary and its JSON
// (goscope.otlp/v1). Service names come from the exporters: untrusted, cleaned here.
import type { Signal } from '../formats/otlp/schema.js';
import { formatBytes } from '../lib/limits.js';
import { clean, plural, table } from './term.js';

/** What the receiver counted (collect/otlp/ingest.ts ReceiverSummaryState has this shape). */
export interface ReceiverSummaryState {
  counts: { requests: number; spans: number; logs: number; metricPoints: number; rejectedItems: number; rejectedRequests: number; bytes: number };
  services: ReadonlyMap<string, { spans: number; logs: number }>;
  traces: { readonly size: number };
  tracesCapped: boolean;
  firstNs: string;
  lastNs: string;
}

export interface OtlpRunInfo {
  http: string | null;
  grpc: string | null;
  out: string;
  files: Partial<Record<Signal, string>>;
  elapsedMs: number;
  stoppedBy: 'interrupt' | 'duration';
}

export interface OtlpJson {
  schema: 'goscope.otlp/v1';
  listen: { http: string | null; grpc: string | null };
  out: string;
  files: Partial<Record<Signal, string>>;
  elapsedMs: number;
  stoppedBy: 'interrupt' | 'duration';
  requests: number;
  bytes: number;
  spans: number;
  /** Distinct trace ids; a floor when tracesCapped. */
  traces: number;
  tracesCapped: boolean;
  logs: number;
  metricPoints: number;
  rejected: { items: number; requests: number };
  /** Earliest span start, latest span end: Unix ns as decimal strings (null before any span). */
  firstNs: string | null;
  lastNs: string | null;
  services: Array<{ name: string; spans: number; logs: number }>;
}

export function otlpJson(s: ReceiverSummaryState, info: OtlpRunInfo): OtlpJson {
  const c = s.counts;
  return {
    schema: 'goscope.otlp/v1',
    listen: { http: info.http, grpc: info.grpc },
    out: info.out,
    files: info.files,
    elapsedMs: Math.round(info.elapsedMs),
    stoppedBy: info.stoppedBy,
    requests: c.requests,
    bytes: c.bytes,
    spans: c.spans,
    traces: s.traces.size,
    tracesCapped: s.tracesCapped,
    logs: c.logs,
    metricPoints: c.metricPoints,
    rejected: { items: c.rejectedItems, requests: c.rejectedRequests },
    firstNs: s.firstNs || null,
    lastNs: s.lastNs || null,
    services: [...s.services].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.spans + b.logs - (a.spans + a.logs) || (a.name < b.name ? -1 : 1)),
  };
}

/** The live line: requests, spans, logs, metric points, rejected, bytes. */
export function liveLine(s: ReceiverSummaryState, elapsedMs: number): string {
  const c = s.counts;
  const rate = elapsedMs > 0 ? Math.round((c.spans * 1000) / elapsedMs) : 0;
  return `${c.requests} requests, ${c.spans} spans (${rate}/s), ${c.logs} logs, ${c.metricPoints} metric points, ${c.rejectedItems + c.rejectedRequests} rejected, ${formatBytes(c.bytes)} — Ctrl-C to stop`;
}

function isoNs(ns: string): string {
  const b = BigInt(ns);
  const ms = Number(b / 1_000_000n);
  const frac = String(b % 1_000_000_000n).padStart(9, '0');
  return new Date(ms).toISOString().slice(0, 19) + '.' + frac + 'Z';
}

export function renderOtlpText(j: OtlpJson): string {
  const lines: string[] = [];
  const traces = j.tracesCapped ? `at least ${plural(j.traces, 'trace')}` : plural(j.traces, 'trace');
  lines.push(`received ${plural(j.spans, 'span')} in ${traces}, ${plural(j.logs, 'log record')}, ${plural(j.metricPoints, 'metric point')}`);
  lines.push(
    `  ${plural(j.requests, 'request')} (${formatBytes(j.bytes)}) in ${(j.elapsedMs / 1000).toFixed(1)}s; rejected: ${plural(j.rejected.items, 'item')} in accepted requests, ${plural(j.rejected.requests, 'whole request')}`,
  );
  if (j.firstNs && j.lastNs) {
    const span = Number(BigInt(j.lastNs) - BigInt(j.firstNs)) / 1e9;
    lines.push(`  spans from ${isoNs(j.firstNs)} to ${isoNs(j.lastNs)} (${span.toFixed(3)}s)`);
  }
  if (j.services.length) {
    lines.push('', 'services:');
    for (const row of table([['service', 'spans', 'logs'], ...j.services.slice(0, 50).map((s) => [clean(s.name), String(s.spans), String(s.logs)])]))
      lines.push('  ' + row);
    if (j.services.length > 50) lines.push(`  … and ${j.services.length - 50} more (--json lists all)`);
  }
  const files = Object.values(j.files);
  lines.push('');
  if (files.length) {
    lines.push(`saved: ${files.map(clean).join(', ')}`);
    if (j.spans) lines.push(`next: goscope traces ${clean(j.out)}`);
  } else
    lines.push(
      'nothing received: point an OTLP exporter at ' +
        [j.listen.http && `http://${j.listen.http}`, j.listen.grpc && `grpc ${j.listen.grpc}`].filter(Boolean).join(' or '),
    );
  return lines.join('\n');
}
