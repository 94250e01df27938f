// `go tool trace -http` as an oracle: start it on a loopback port, fetch its HTML pages,
// stop it. The server runs in its own process group (`go tool` runs the trace tool as a
// child), so stopping it kills that group and nothing else.
import { spawn, type ChildProcess } from 'node:child_process';
import { goToolEnv } from './go-tool.js';

export interface GoTraceServer {
  url: string;
  get(pathAndQuery: string): Promise<string>;
  stop(): void;
}

/** Starts `go tool trace -http=127.0.0.1:0 FILE` and resolves once it listens (bounded by timeoutMs). */
export function startGoTraceServer(file: string, timeoutMs = 60_000): Promise<GoTraceServer> {
  return new Promise((resolve, reject) => {
    // BROWSER=true: cmd/trace "opens a browser" with /bin/true, which exits at once.
    const child: ChildProcess = spawn('go', ['tool', 'trace', '-http=127.0.0.1:0', file], {
      env: { ...goToolEnv(), BROWSER: 'true' },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    let done = false;
    const stop = (): void => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    };
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      stop();
      reject(new Error(`go tool trace did not start in ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      stderr += s;
      const r = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (r && !done) {
        done = true;
        clearTimeout(timer);
        const url = r[1]!;
        resolve({
          url,
          stop,
          async get(p: string): Promise<string> {
            const res = await fetch(url + p, { signal: AbortSignal.timeout(20_000) });
            const body = await res.text();
            if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${body.slice(0, 200)}`);
            return body;
          },
        });
      }
    });
    child.on('error', (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`go tool trace exited (${code}) before listening:\n${stderr}`));
    });
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
