// Jaeger v1.75.0 all-in-one (memory storage) as a running peer: the one launcher the Jaeger
// tests and the side-by-side benchmarks share. It writes Jaeger's config (its OTLP receiver
// and query API only, on loopback ports chosen here) to a temporary folder, starts it, waits
// for the query API to answer, and stops it (SIGTERM, then SIGKILL past a deadline).
//
// Jaeger v2 traces its own query API by default (jaeger_query enable_tracing), exporting to
// the OTLP default 127.0.0.1:4317: whatever listens there (a goscope otlp on its default
// port, in another test) would receive Jaeger's spans, and with nothing there its exporter
// holds SIGTERM for 10 s while it retries. It is turned off.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { installJaeger } from './go.js';

export interface JaegerOptions {
  /** The binary; installJaeger()'s by default. */
  bin?: string;
  /** Traces the memory store keeps (it drops the oldest past this). Default 10,000. */
  maxTraces?: number;
  /** The OTLP receivers to open. Default both. */
  protocols?: readonly ('http' | 'grpc')[];
  /** The query API's clock-skew adjustment; '0s' (Jaeger's default) keeps the times as sent. */
  maxClockSkewAdjust?: string;
  /** Jaeger's own log level. Default 'warn': what is kept for errors is then about errors. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The batch processor's timeout (e.g. '100ms'); Jaeger's default (200ms) when absent. */
  batchTimeout?: string;
  /** The OTLP/HTTP receiver's body limit in bytes; Jaeger's default (20 MiB) when absent. */
  maxRequestBodySize?: number;
  /**
   * A command Jaeger runs under (e.g. ['/usr/bin/time', '-v']): the wrapper is the spawned
   * process, in its own process group, and stop() signals Jaeger itself, so the wrapper
   * lives to write its figures (into log()).
   */
  wrap?: readonly string[];
  /** How long Jaeger has to answer /api/services. Default 60 s. */
  startMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 10 s. */
  stopMs?: number;
  /** How much of Jaeger's output (stdout and stderr) is kept, in characters. Default 20,000. */
  keepChars?: number;
}

export interface Jaeger {
  /** The query API, e.g. http://127.0.0.1:PORT (GET /api/traces/ID). */
  queryUrl: string;
  /** The OTLP/HTTP receiver's base URL (POST /v1/traces), if opened. */
  otlpHttpUrl: string | undefined;
  /** The OTLP/gRPC receiver's host:port, if opened. */
  otlpGrpcAddr: string | undefined;
  /** The last keepChars characters of the output (Jaeger's and the wrapper's). */
  log(): string;
  /** SIGTERM, SIGKILL after stopMs; removes the temporary folder. Safe to call twice. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

interface Ports {
  otlpHttp: number;
  otlpGrpc: number;
  query: number;
  queryGrpc: number;
}

function config(o: JaegerOptions, p: Ports): string {
  const protocols = o.protocols ?? ['http', 'grpc'];
  const receivers: string[] = [];
  if (protocols.includes('grpc')) receivers.push(`      grpc:\n        endpoint: 127.0.0.1:${p.otlpGrpc}`);
  if (protocols.includes('http'))
    receivers.push(
      `      http:\n        endpoint: 127.0.0.1:${p.otlpHttp}` + (o.maxRequestBodySize ? `\n        max_request_body_size: ${o.maxRequestBodySize}` : ''),
    );
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: ${o.logLevel ?? 'warn'}
extensions:
  jaeger_query:
    storage:
      traces: mem
    max_clock_skew_adjust: ${o.maxClockSkewAdjust ?? '0s'}
    enable_tracing: false
    http:
      endpoint: 127.0.0.1:${p.query}
    grpc:
      endpoint: 127.0.0.1:${p.queryGrpc}
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: ${o.maxTraces ?? 10_000}
receivers:
  otlp:
    protocols:
${receivers.join('\n')}
processors:
  batch:${o.batchTimeout ? `\n    timeout: ${o.batchTimeout}` : ''}
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`;
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((r) => {
    p.once('exit', (code, signal) => r({ code, signal }));
    // A binary that could not be started has no exit to wait for.
    p.once('error', () => p.pid === undefined && r({ code: null, signal: null }));
  });
}

/**
 * Starts Jaeger and resolves once its query API answers; rejects with the end of its output
 * when it exits first or misses the deadline. A port taken between choosing it and Jaeger
 * binding it is retried with new ports (twice).
 */
export async function startJaeger(opts: JaegerOptions = {}): Promise<Jaeger> {
  const bin = opts.bin ?? (await installJaeger());
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, opts);
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function startOnce(bin: string, o: JaegerOptions): Promise<Jaeger> {
  const keep = o.keepChars ?? 20_000;
  const ports: Ports = { otlpHttp: await freePort(), otlpGrpc: await freePort(), query: await freePort(), queryGrpc: await freePort() };
  const dir = mkdtempSync(path.join(tmpdir(), 'goscope-jaeger-'));
  const file = path.join(dir, 'jaeger.yaml');
  writeFileSync(file, config(o, ports));
  // `file:` names the provider: a bare path holding a colon would be read as a URI scheme.
  const args = ['--config', `file:${file}`];
  const wrap = o.wrap ?? [];
  const p = wrap.length
    ? spawn(wrap[0]!, [...wrap.slice(1), bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const add = (b: Buffer) => {
    out += b.toString();
    if (out.length > 2 * keep) out = out.slice(-keep);
  };
  p.stdout!.on('data', add);
  p.stderr!.on('data', add);
  const log = () => out.slice(-keep);
  const done = exited(p);
  let spawnError: Error | undefined;
  p.on('error', (e) => (spawnError = e));

  const kill = (signal: NodeJS.Signals, target: 'jaeger' | 'all') => {
    if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return;
    try {
      if (!wrap.length) p.kill(signal);
      else if (target === 'all') process.kill(-p.pid, signal);
      else {
        // Jaeger is the wrapper's one child.
        const child = Number(readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
        if (child > 0) process.kill(child, signal);
        else process.kill(-p.pid, signal);
      }
    } catch {
      // already gone
    }
  };
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      kill('SIGTERM', 'jaeger');
      const t = setTimeout(() => kill('SIGKILL', 'all'), o.stopMs ?? 10_000);
      try {
        return await done;
      } finally {
        clearTimeout(t);
        rmSync(dir, { recursive: true, force: true });
      }
    })());

  const queryUrl = `http://127.0.0.1:${ports.query}`;
  const deadline = Date.now() + (o.startMs ?? 60_000);
  try {
    for (;;) {
      const ok = await fetch(`${queryUrl}/api/services`, { signal: AbortSignal.timeout(5_000) }).then(
        async (r) => (await r.arrayBuffer(), r.ok),
        () => false,
      );
      if (ok) break;
      if (spawnError) throw new Error(`Jaeger could not be started (${bin}): ${spawnError.message}`);
      if (p.exitCode !== null || p.signalCode !== null)
        throw new Error(`Jaeger exited (${p.exitCode ?? p.signalCode}) before its query API answered:\n${log().slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`Jaeger's query API did not answer within ${(o.startMs ?? 60_000) / 1000} s:\n${log().slice(-4000)}`);
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const protocols = o.protocols ?? ['http', 'grpc'];
  return {
    queryUrl,
    otlpHttpUrl: protocols.includes('http') ? `http://127.0.0.1:${ports.otlpHttp}` : undefined,
    otlpGrpcAddr: protocols.includes('grpc') ? `127.0.0.1:${ports.otlpGrpc}` : undefined,
    log,
    stop,
  };
}
