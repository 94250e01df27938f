// What a label value looks like, when it looks like something that has no bound: ids,
// UUIDs, IP addresses, e-mail addresses, timestamps, URL paths with ids in them. Such
// values make a new series per user, request or moment, and a family grows without end.

export type ValueKind = 'uuid' | 'email' | 'ip' | 'timestamp' | 'id' | 'path';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i;
const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?$/;
const IPV6 = /^\[?[0-9a-f]*:[0-9a-f:]*:[0-9a-f.]*\]?(?::\d{1,5})?$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const DIGITS = /^\d+$/;
const HEX_ID = /^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}$/i;
const PREFIXED_ID = /^[a-z]+[-_:]\d{4,}$/i;
const PATH_ID_SEGMENT = /\/(?:\d{2,}|[0-9a-f]{8}-[0-9a-f-]{27,}|(?=[0-9a-f]*\d)[0-9a-f]{12,}|[a-z]+[-_]\d{3,})(?=\/|$|\?)/i;

/** Epoch seconds or milliseconds between 2001 and 2100. */
function isEpoch(v: string): boolean {
  if (v.length !== 10 && v.length !== 13) return false;
  const n = Number(v.length === 13 ? v.slice(0, 10) : v);
  return n >= 978307200 && n < 4102444800;
}

export function classify(v: string): ValueKind | undefined {
  const n = v.length;
  if (n < 4 || n > 512) return undefined;
  const c = v.charCodeAt(0);
  if (c === 47 /* / */) return PATH_ID_SEGMENT.test(v) ? 'path' : undefined;
  if (DIGITS.test(v)) {
    if (isEpoch(v)) return 'timestamp';
    return n >= 4 ? 'id' : undefined;
  }
  if (/^\d{10}(?:\.\d+)$/.test(v) && isEpoch(v.slice(0, 10))) return 'timestamp';
  if (ISO_TIME.test(v)) return 'timestamp';
  if (UUID.test(v)) return 'uuid';
  if (v.includes('@') && EMAIL.test(v)) return 'email';
  if (IPV4.test(v) || (v.includes(':') && IPV6.test(v) && v.split(':').length >= 3)) return 'ip';
  if (HEX_ID.test(v) || PREFIXED_ID.test(v)) return 'id';
  if (/^https?:\/\//i.test(v)) {
    const path = v.replace(/^https?:\/\/[^/]*/i, '');
    return PATH_ID_SEGMENT.test(path) ? 'path' : undefined;
  }
  return undefined;
}

/**
 * How many distinct values of one kind make a label unbounded: a single UUID or
 * e-mail address is already a per-entity value; numbers and addresses need more to
 * tell them from a small fixed set (ports, shard numbers, a few hosts).
 */
export const KIND_MIN: Record<ValueKind, number> = { uuid: 2, email: 2, timestamp: 2, path: 5, id: 20, ip: 20 };

/** Values classified per label: enough to judge, bounded in cost. */
export const CLASSIFY_MAX = 2000;
