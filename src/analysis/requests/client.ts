// The client's side of a request (a saved `goscope http --json`, --http) as a span of its
// trace: goscope http sent a traceparent whose parent-id is its own span id, so the first
// server span names it as parent. Joined, the server span is no longer an orphan, the
// waterfall starts where the client started, and a client timeout that fired is the
// request's budget (the timeout finding's ledger starts at the client).
import type { ClientRequest } from '../../formats/http/saved.js';
import { SpanKind, StatusCode } from '../../formats/otlp/model.js';
import type { SpanRec } from './model.js';

/** The service name the client's span carries. */
export const CLIENT_SERVICE = 'goscope http';

const msToNs = (ms: number): bigint => BigInt(Math.round(ms * 1000)) * 1000n;

/**
 * The client's request as a span, or null when it cannot be placed (no span id or start: a
 * load run's slowest list, or a file from before goscope http wrote them). A failed request
 * has no total: it ends when its timeout fired, or (another failure) after the phases it
 * finished, a lower bound.
 */
export function clientRec(c: ClientRequest): SpanRec | null {
  if (!c.spanId || c.startedAtUnixMs === null) return null;
  const start = msToNs(c.startedAtUnixMs);
  let budgetNs: bigint | undefined;
  const t = c.timeouts;
  if (c.timedOut === 'total' && t?.total != null) budgetNs = msToNs(t.total);
  else if (c.timedOut === 'header' && t?.header != null && c.phases) {
    // Go's ResponseHeaderTimeout starts once the request is written.
    const p = c.phases;
    budgetNs = msToNs((p.dns ?? 0) + (p.connect ?? 0) + (p.tls ?? 0) + (p.requestWrite ?? 0) + t.header);
  }
  let durNs: bigint;
  if (c.totalMs !== null) durNs = msToNs(c.totalMs);
  else if (budgetNs !== undefined) durNs = budgetNs;
  else if (c.phases) {
    const p = c.phases;
    durNs = msToNs((p.dns ?? 0) + (p.connect ?? 0) + (p.tls ?? 0) + (p.requestWrite ?? 0) + (p.serverProcessing ?? 0) + (p.transfer ?? 0));
  } else return null;
  const rec: SpanRec = {
    traceId: c.traceId,
    spanId: c.spanId,
    parentId: '',
    name: `${c.method} ${c.url}`,
    service: CLIENT_SERVICE,
    kind: SpanKind.client,
    start,
    end: start + durNs,
    status: c.error !== null ? StatusCode.error : StatusCode.unset,
    statusMessage: c.error ?? '',
    exceptions: [],
    httpStatus: c.status,
    peer: '',
    client: true,
  };
  if (budgetNs !== undefined) rec.budgetNs = budgetNs;
  return rec;
}

/** The placeable client requests by trace id. */
export function clientRecsByTrace(clients: readonly ClientRequest[]): Map<string, SpanRec[]> {
  const out = new Map<string, SpanRec[]>();
  for (const c of clients) {
    const r = clientRec(c);
    if (!r) continue;
    const list = out.get(r.traceId);
    if (list) list.push(r);
    else out.set(r.traceId, [r]);
  }
  return out;
}
