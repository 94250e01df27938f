// Turning what the user typed into something to read: a live service (base URL), one
// profile URL, a file, or stdin.

import { statSync } from 'node:fs';
import { UserError, UsageError } from '../errors.js';
import { oneLine } from '../lib/text.js';

export type SourceKind = 'service' | 'url' | 'file' | 'stdin';

export interface Source {
  kind: SourceKind;
  /** Exactly as the user typed it. */
  input: string;
  /** 'service': base URL (pprof lives under `<base>/debug/pprof/`); 'url': the full URL. */
  url?: URL;
  /** 'file': the path as typed. */
  path?: string;
}

const INPUT_HINT = "give a file, '-' for stdin, or a service URL like http://127.0.0.1:6060";

/** `scheme://...` */
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
/** Bare `host:port`, `[v6]:port`, optionally followed by a path: `localhost:6060/debug/pprof/heap`. */
const HOST_PORT_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)?:(\d+)(\/.*)?$/;
/** A path that is (or is under some prefix) the pprof index. */
const PPROF_INDEX_RE = /^(.*?)\/debug\/pprof\/?$/;
/** A path inside pprof: the prefix before it, if any. */
const PPROF_INSIDE_RE = /^(.*?)\/debug\/pprof(?:\/|$)/;

/**
 * Classify a command-line input.
 * - `-` is stdin;
 * - `http(s)://host[:port]` with an empty path, `/`, or ending in `/debug/pprof[/]` is a service
 *   (a prefix before /debug/pprof is kept: `http://h/admin/debug/pprof` -> base `http://h/admin`);
 * - any other http(s) URL is one profile URL;
 * - bare `host:port` (also `[::1]:6060` and Go-style `:6060`) is `http://host:port`;
 * - anything else is a file, which must exist.
 * Malformed URLs throw UsageError; a missing file throws UserError.
 */
export function resolveSource(arg: string): Source {
  if (arg === '-') return { kind: 'stdin', input: arg };
  if (arg.trim() === '') throw new UsageError(`empty input argument (${INPUT_HINT})`);

  const scheme = SCHEME_RE.exec(arg);
  if (scheme) {
    const proto = scheme[1]!.toLowerCase();
    if (proto !== 'http' && proto !== 'https') {
      throw new UsageError(`${arg}: unsupported URL scheme "${scheme[1]}://" (use http:// or https://, e.g. http://127.0.0.1:6060)`);
    }
    return fromUrl(arg, arg);
  }

  const hp = HOST_PORT_RE.exec(arg);
  if (hp) {
    // Go's ":6060" means all interfaces; the loopback address reaches it without DNS.
    const host = hp[1] ?? '127.0.0.1';
    return fromUrl(`http://${host}:${hp[2]}${hp[3] ?? ''}`, arg);
  }

  return fromFile(arg);
}

function fromUrl(text: string, input: string): Source {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${input}: not a valid URL: check the host and port (e.g. http://127.0.0.1:6060)`);
  }
  if (url.hostname === '') throw new UsageError(`${input}: URL has no host (e.g. http://127.0.0.1:6060)`);
  if (url.port === '0') throw new UsageError(`${input}: port 0 is not a valid port to connect to`);
  url.hash = '';

  const path = url.pathname;
  const index = path === '' || path === '/' ? [path, ''] : PPROF_INDEX_RE.exec(path);
  if (index) {
    const base = new URL(url.href);
    base.pathname = trimSlashes(index[1]!) || '/';
    base.search = '';
    return { kind: 'service', input, url: base };
  }
  return { kind: 'url', input, url };
}

function fromFile(arg: string): Source {
  let st;
  try {
    st = statSync(arg, { throwIfNoEntry: false });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') st = undefined;
    else if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${arg}: permission denied (check the file's permissions)`);
    else throw new UserError(`${arg}: cannot open: ${code ?? oneLine(String((err as Error).message))} (${INPUT_HINT})`);
  }
  if (!st) throw new UserError(`${arg}: no such file (${INPUT_HINT})`);
  if (st.isDirectory()) throw new UserError(`${arg}: is a directory (${INPUT_HINT})`);
  return { kind: 'file', input: arg, path: arg };
}

/**
 * The URL of one pprof endpoint of a service: `profileUrl(src, 'goroutine', {debug: '1'})`
 * -> `<base>/debug/pprof/goroutine?debug=1`. For a 'url' source the base is derived from
 * its /debug/pprof/ prefix. Files and stdin throw UsageError (they are not a live service).
 */
export function profileUrl(source: Source, profile: string, params: Record<string, string> = {}): URL {
  const base = serviceBase(source);
  const url = new URL(base.href);
  const name = profile.split('/').map(encodeURIComponent).join('/');
  url.pathname = trimSlashes(base.pathname) + '/debug/pprof/' + name;
  url.search = '';
  url.hash = '';
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url;
}

/** The service base URL of a 'service' source, or of a 'url' source that points inside /debug/pprof/. */
export function serviceBase(source: Source): URL {
  if (source.kind === 'service' && source.url) return source.url;
  if (source.kind === 'url' && source.url) {
    const m = PPROF_INSIDE_RE.exec(source.url.pathname);
    if (m) {
      const base = new URL(source.url.href);
      base.pathname = trimSlashes(m[1]!) || '/';
      base.search = '';
      base.hash = '';
      return base;
    }
    throw new UsageError(`${source.input}: not a pprof URL; give the service address instead (e.g. http://127.0.0.1:6060)`);
  }
  throw new UsageError(`${source.input}: not a live service; this needs a service URL like http://127.0.0.1:6060`);
}

function trimSlashes(p: string): string {
  return p.replace(/\/+$/, '');
}
