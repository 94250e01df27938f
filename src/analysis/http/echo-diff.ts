// What happened to the request headers between goscope and the service: added, dropped or
// changed by proxies and middleware, and whether trace context survived the trip.
import type { HeaderList } from '../../formats/http/h1.js';
import { parseTraceparent } from '../../formats/http/traceparent.js';
import type { Echoed } from '../../formats/http/echo.js';

export interface HeaderChange {
  /** Canonical (lowercase) field name. */
  name: string;
  change: 'added' | 'dropped' | 'changed' | 'unchanged';
  sent: string | null;
  received: string | null;
}

export interface EchoDiff {
  changes: HeaderChange[];
  /** What became of the traceparent goscope sent ('not-sent': the user removed it). */
  traceContext: {
    verdict: 'intact' | 'new-span' | 'dropped' | 'replaced' | 'invalid' | 'not-sent';
    detail: string;
  };
}

/** Several lines of one field, joined as RFC 9110 allows (cookies with "; "). */
function fields(list: HeaderList): Map<string, string> {
  const out = new Map<string, string>();
  for (const [n, v] of list) {
    const k = n.toLowerCase();
    const prev = out.get(k);
    out.set(k, prev === undefined ? v : `${prev}${k === 'cookie' ? '; ' : ', '}${v}`);
  }
  return out;
}

export function echoDiff(sent: HeaderList, echoed: Echoed, sentTraceparent: string): EchoDiff {
  const a = fields(sent);
  const b = fields(echoed.headers);
  // Go's server moves Host out of the header map; compare it when the echo reports it.
  if (!b.has('host')) {
    if (echoed.host !== null) b.set('host', echoed.host);
    else a.delete('host');
  }
  const changes: HeaderChange[] = [];
  for (const [name, v] of a) {
    const r = b.get(name);
    changes.push({ name, change: r === undefined ? 'dropped' : r === v ? 'unchanged' : 'changed', sent: v, received: r ?? null });
  }
  for (const [name, r] of b) if (!a.has(name)) changes.push({ name, change: 'added', sent: null, received: r });
  const rank = { dropped: 0, changed: 1, added: 2, unchanged: 3 };
  changes.sort((x, y) => rank[x.change] - rank[y.change] || x.name.localeCompare(y.name));
  return { changes, traceContext: traceVerdict(sentTraceparent, b.get('traceparent')) };
}

function traceVerdict(sent: string, received: string | undefined): EchoDiff['traceContext'] {
  if (sent === '') {
    if (received === undefined) return { verdict: 'not-sent', detail: "no traceparent sent (-H 'traceparent:') and none arrived" };
    return {
      verdict: 'not-sent',
      detail: `no traceparent sent (-H 'traceparent:'), but one arrived (${received.slice(0, 60)}): something on the way starts traces`,
    };
  }
  if (received === undefined)
    return { verdict: 'dropped', detail: 'traceparent did not reach the service: something on the way strips it, so this request starts a new trace there' };
  if (received === sent) return { verdict: 'intact', detail: 'traceparent arrived unchanged' };
  const r = parseTraceparent(received);
  if ('error' in r) return { verdict: 'invalid', detail: `traceparent arrived but is invalid (${r.error}): the service will start a new trace` };
  if (r.traceId === sent.slice(3, 35))
    return { verdict: 'new-span', detail: `same trace-id, new parent-id ${r.parentId}: a traced proxy added its own span (expected)` };
  return {
    verdict: 'replaced',
    detail: `trace-id changed to ${r.traceId}: something on the way started a new trace, so the service's spans will not join goscope's`,
  };
}
