// The body of an endpoint that echoes the request it received, in the shapes such
// endpoints use: goscope's demo /echo ({"headers": [[name, value], ...], "host": ...}),
// httpbin and postman-echo ({"headers": {"Name": "value" | ["v1", "v2"]}}).
import type { HeaderList } from './h1.js';

export interface Echoed {
  headers: HeaderList;
  /** The Host the server saw, when the echo reports it apart from the headers (Go does). */
  host: string | null;
}

export function parseEcho(body: Buffer | null): Echoed | { error: string } {
  if (!body || body.length === 0) return { error: 'the response body is empty' };
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return { error: 'the response body is not JSON' };
  }
  if (!v || typeof v !== 'object') return { error: 'the response body is not a JSON object' };
  const o = v as Record<string, unknown>;
  const raw = o.headers;
  const headers: HeaderList = [];
  if (Array.isArray(raw)) {
    for (const e of raw) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || typeof e[1] !== 'string')
        return { error: '"headers" is an array but not of [name, value] pairs' };
      headers.push([e[0], e[1]]);
    }
  } else if (raw && typeof raw === 'object') {
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof value === 'string') headers.push([name, value]);
      else if (Array.isArray(value) && value.every((x) => typeof x === 'string')) for (const x of value as string[]) headers.push([name, x]);
      else return { error: `header "${name.slice(0, 40)}" is neither a string nor a list of strings` };
    }
  } else return { error: 'it has no "headers" field: is this an endpoint that echoes request headers?' };
  const host = typeof o.host === 'string' ? o.host : null;
  return { headers, host };
}
