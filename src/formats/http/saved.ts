// A saved `goscope http --json` result (goscope.http/v1), read back for `goscope traces
// --http FILE`: the client's side of traced requests (trace id, its span id, start, phases,
// the timeouts it was given and the one that fired), so the server's spans can be shown
// under the request that caused them and a client timeout can be the request's budget.
import { FormatError } from '../../errors.js';
import type { Phases } from './exchange.js';

export type ClientTimeout = 'connect' | 'tls' | 'header' | 'total';

export interface ClientRequest {
  traceId: string;
  /** The traceparent's parent-id: the client's span, parent of the first server span; '' when unknown. */
  spanId: string;
  method: string;
  url: string;
  status: number | null;
  /** Unix ms, null when the file predates it or came from a load run's slowest list. */
  startedAtUnixMs: number | null;
  /** The full phase breakdown for a single request; a load run's slowest entries have only total. */
  phases: Phases | null;
  totalMs: number | null;
  /** The timeouts the request was given, ms (null: none, or a file that predates them). */
  timeouts: Record<ClientTimeout, number | null> | null;
  /** The timeout that fired, null when none did. */
  timedOut: ClientTimeout | null;
  /** The failure's message (a timeout, a reset, …), null when it got an answer. */
  error: string | null;
}

const TIMEOUTS: ClientTimeout[] = ['connect', 'tls', 'header', 'total'];

function timeoutsOf(v: unknown): ClientRequest['timeouts'] {
  if (!isObj(v)) return null;
  const out = { connect: null, tls: null, header: null, total: null } as Record<ClientTimeout, number | null>;
  for (const k of TIMEOUTS) out[k] = num(v[k]);
  return out;
}

const HEX16 = /^[0-9a-f]{16}$/;

/** The client's span id: the spanId field, else the traceparent's parent-id. */
function spanIdOf(doc: Record<string, unknown>): string {
  const id = str(doc.spanId);
  if (HEX16.test(id)) return id;
  const tp = str(doc.traceparent);
  const m = /^[0-9a-f]{2}-[0-9a-f]{32}-([0-9a-f]{16})-[0-9a-f]{2}/.exec(tp);
  return m ? m[1]! : '';
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
    const err = isObj(doc.error) ? doc.error : null;
    const fired = err && err.kind === 'timeout' && TIMEOUTS.includes(err.timeout as ClientTimeout) ? (err.timeout as ClientTimeout) : null;
    return [
      {
        traceId: id,
        spanId: spanIdOf(doc),
        method,
        url,
        status: num(doc.status),
        startedAtUnixMs: num(doc.startedAtUnixMs),
        phases,
        totalMs: phases.total,
        timeouts: timeoutsOf(doc.timeouts),
        timedOut: fired,
        error: err ? str(err.message) || 'failed' : null,
      },
    ];
  }
  const out: ClientRequest[] = [];
  for (const x of Array.isArray(doc.slowest) ? doc.slowest : []) {
    if (!isObj(x) || !/^[0-9a-f]{32}$/.test(str(x.traceId))) continue;
    out.push({
      traceId: str(x.traceId),
      spanId: '',
      method,
      url,
      status: num(x.status),
      startedAtUnixMs: null,
      phases: null,
      totalMs: num(x.totalMs),
      timeouts: timeoutsOf(doc.timeouts),
      timedOut: null,
      error: null,
    });
  }
  return out;
}
