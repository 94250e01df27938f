// `go tool trace -http` as an oracle: `go tool trace -http=127.0.0.1:0 FILE` is started on a
// free loopback port, its URL read from the line it logs on stderr ("Trace viewer is
// listening on http://…"), its pages fetched (HTML as text, or JSON parsed), and it is
// stopped at the end. BROWSER=true keeps it from starting a real browser (cmd/trace "opens"
// the URL with /bin/true, which exits at once).
//
// The server runs in its own process group (`go tool` runs the trace tool as a child), so
// stopping it kills that group and nothing else. Time is bounded throughout: starting
// (startMs), each request (fetchMs), and the server's whole life (lifetimeMs, after which the
// group is killed even if nobody calls close()); the group is also killed when this process
// exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { goToolEnv } from './go-tool.js';

export interface GoTraceServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** GET path (e.g. "/goroutines") and return the body; a non-2xx status throws. */
  get(pathAndQuery: string): Promise<string>;
  /** GET path (e.g. "/mmu?mode=plot&flags=stw") and parse the JSON answer. */
  getJSON(pathAndQuery: string): Promise<unknown>;
  /** Kills the server's process group and waits for `go tool trace` to exit. */
  close(): Promise<void>;
}

export interface GoTraceServerOptions {
  /** How long it may take to print its URL (default 60 s). */
  startMs?: number;
  /** How long it may live at all (default 2 min). */
  lifetimeMs?: number;
  /** How long one request may take (default 30 s). */
  fetchMs?: number;
}

/** Starts `go tool trace -http=127.0.0.1:0 FILE`; resolves once it listens, rejects if it has no URL within startMs. */
export function startGoTraceServer(file: string, opts: GoTraceServerOptions = {}): Promise<GoTraceServer> {
  const startMs = opts.startMs ?? 60_000;
  const lifetimeMs = opts.lifetimeMs ?? 120_000;
  const fetchMs = opts.fetchMs ?? 30_000;
  const env: NodeJS.ProcessEnv = { ...goToolEnv(), BROWSER: 'true' };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child: ChildProcess = spawn('go', ['tool', 'trace', '-http=127.0.0.1:0', file], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });

  /** Signals the whole group; no-op once it is gone. */
  const kill = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // ESRCH: already gone
    }
  };
  const killOnExit = (): void => kill('SIGKILL');
  process.once('exit', killOnExit);
  let killedForLifetime = false;
  const killer = setTimeout(() => {
    killedForLifetime = true;
    kill('SIGKILL');
  }, lifetimeMs);
  killer.unref();
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    const done = (): void => {
      exited = true;
      clearTimeout(killer);
      resolve();
    };
    child.once('exit', done);
    // A failed spawn has no process (and may emit no 'exit').
    child.once('error', () => {
      if (child.pid === undefined) done();
    });
  });
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (!exited) {
        kill('SIGTERM');
        const t = setTimeout(() => kill('SIGKILL'), 3000);
        await exit;
        clearTimeout(t);
      }
      // The trace tool itself, should it outlive `go`.
      kill('SIGKILL');
      process.removeListener('exit', killOnExit);
    })());

  let stderr = '';
  const tail = (): string => stderr.slice(-4000);
  child.stderr!.setEncoding('utf8');

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (msg: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void close().then(() => reject(new Error(`go tool trace: ${msg}\n${tail()}`)));
    };
    const timer = setTimeout(() => fail(`no URL within ${startMs} ms`), startMs);
    child.stderr!.on('data', (s: string) => {
      stderr = (stderr + s).slice(-64_000);
      if (settled) return;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (!m) return;
      settled = true;
      clearTimeout(timer);
      const url = m[1]!;
      const get = async (p: string): Promise<string> => {
        // Only paths on this server: "@host/…" or "//host/…" would name another host.
        if (!p.startsWith('/') || p.startsWith('//')) throw new Error(`not a path: ${p}`);
        let res: Response;
        try {
          res = await fetch(url + p, { signal: AbortSignal.timeout(fetchMs) });
        } catch (err) {
          const why = killedForLifetime ? ` (the server was killed after ${lifetimeMs} ms)` : exited ? ' (the server has exited)' : '';
          throw new Error(`GET ${p}: ${String(err)}${why}\n${tail()}`);
        }
        const body = await res.text();
        if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${body.slice(0, 500)}`);
        return body;
      };
      resolve({ url, get, getJSON: async (p) => JSON.parse(await get(p)) as unknown, close });
    });
    child.once('error', (err) => fail(String(err)));
    child.once('exit', (code, sig) => fail(`exited before listening (${code ?? sig})`));
  });
}

/** The text of HTML as html/template escapes it (&#34; &lt; &gt; &amp; &#39; &#43;). */
export function htmlText(s: string): string {
  return s
    .replace(/<[^>]*>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&amp;/g, '&');
}
