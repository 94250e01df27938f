// `go tool trace -http=127.0.0.1:0 FILE` as an oracle for the GC analysis tests: started on
// loopback only, its URL read from the log line it prints on stderr ("Trace viewer is
// listening on http://…"), queried with fetch, killed at the end (and after a time limit in
// any case). BROWSER=true keeps it from starting a real browser.
import { spawn, type ChildProcess } from 'node:child_process';
import { goToolEnv } from './go-tool.js';

export interface GoTraceServer {
  url: string;
  /** GET path (e.g. "/mmu?mode=plot&flags=stw") and parse the JSON answer. */
  getJSON(path: string): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts `go tool trace` on a free loopback port; rejects if it has no URL within startMs. */
export function startGoTraceServer(file: string, opts: { startMs?: number; lifetimeMs?: number } = {}): Promise<GoTraceServer> {
  const startMs = opts.startMs ?? 60_000;
  const lifetimeMs = opts.lifetimeMs ?? 120_000;
  const env = goToolEnv();
  env.BROWSER = 'true';
  delete env.DISPLAY;
  // Its own process group: `go tool trace` runs the trace binary as a child, and both must go.
  const child: ChildProcess = spawn('go', ['tool', 'trace', '-http=127.0.0.1:0', file], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const kill = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const killer = setTimeout(() => kill('SIGKILL'), lifetimeMs);
  killer.unref();
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), clearTimeout(killer), resolve())));
  const close = async (): Promise<void> => {
    if (!exited) {
      kill('SIGTERM');
      const t = setTimeout(() => kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(t);
    }
  };
  return new Promise((resolve, reject) => {
    let stderr = '';
    let failed = false;
    const fail = (msg: string): void => {
      if (failed) return;
      failed = true;
      void close().then(() => reject(new Error(`go tool trace: ${msg}\n${stderr.slice(-4000)}`)));
    };
    const timer = setTimeout(() => fail(`no URL within ${startMs}ms`), startMs);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      stderr += s;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m && timer) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        const url = m[1]!;
        resolve({
          url,
          async getJSON(p: string): Promise<unknown> {
            const res = await fetch(url + p, { signal: AbortSignal.timeout(30_000) });
            const text = await res.text();
            if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${text.slice(0, 500)}`);
            return JSON.parse(text);
          },
          close,
        });
      }
    });
    child.once('error', (err) => fail(String(err)));
    child.once('exit', (code) => fail(`exited early (${code})`));
  });
}
