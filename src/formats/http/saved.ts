// A saved `goscope http --json` result (goscope.http/v1), read back for `goscope traces
// --http FILE`: the client's side of traced requests (trace id, start, phases), so the
// server's spans can be shown under the request that caused them.
import { FormatError } from '../../errors.js';
import type { Phases } from './exchange.js';

export interface ClientRequest {
  traceId: string;
  method: string;
  url: string;
  status: number | null;
  /** Unix ms, null when the file predates it or came from a load run's slowest list. */
  startedAtUnixMs: number | null;
  /** The full phase breakdown for a single request; a load run's slowest entries have only total. */
  phases: Phases | null;
  totalMs: number | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The traced requests in one goscope.http/v1 document (single run: one; load run: its slowest). */
export function readSavedHttp(text: string, input: string): ClientRequest[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new FormatError(input, '', `not JSON (${(e as Error).message})`, 'pass a file written by goscope http --json');
  }
  if (!isObj(doc) || doc.schema !== 'goscope.http/v1')
    throw new FormatError(input, '', 'not a goscope http --json result (no "schema": "goscope.http/v1")', 'pass a file written by goscope http --json');
  const method = str(doc.method) || 'GET';
  const url = str(doc.url);
  if (doc.mode === 'single') {
    const id = str(doc.traceId);
    if (!/^[0-9a-f]{32}$/.test(id)) return [];
    const p = isObj(doc.phases) ? doc.phases : {};
    const phases: Phases = {
      dns: num(p.dns),
      connect: num(p.connect),
      tls: num(p.tls),
      requestWrite: num(p.requestWrite),
      serverProcessing: num(p.serverProcessing),
      transfer: num(p.transfer),
      ttfb: num(p.ttfb),
      total: num(p.total),
    };
    return [{ traceId: id, method, url, status: num(doc.status), startedAtUnixMs: num(doc.startedAtUnixMs), phases, totalMs: phases.total }];
  }
  const out: ClientRequest[] = [];
  for (const x of Array.isArray(doc.slowest) ? doc.slowest : []) {
    if (!isObj(x) || !/^[0-9a-f]{32}$/.test(str(x.traceId))) continue;
    out.push({ traceId: str(x.traceId), method, url, status: num(x.status), startedAtUnixMs: null, phases: null, totalMs: num(x.totalMs) });
  }
  return out;
}
