// goscope otlp: receive OTLP (HTTP and gRPC) until Ctrl-C, saving everything to --out as
// OTLP JSON Lines, then summarise what came.
import { UsageError } from '../errors.js';
import { parseSize } from '../lib/limits.js';
import { captureDir } from '../collect/capture.js';
import { DEFAULT_GRPC_LISTEN, DEFAULT_HTTP_LISTEN, startReceiver } from '../collect/otlp/receiver.js';
import { progress } from '../report/progress.js';
import { clean } from '../report/term.js';
import { liveLine, otlpJson, renderOtlpText } from '../report/otlp.js';
import { parseDuration } from './args.js';
import { note, printJson, wantsProgress, write } from './common.js';
import { graceful } from './interrupt.js';
import { defineCommand, JSON_FLAG, OUT_FLAG } from './spec.js';

export const otlpSpec = defineCommand({
  name: 'otlp',
  args: '',
  summary: 'receive OpenTelemetry traces, logs and metrics (OTLP/HTTP and gRPC) and save them',
  usage: ['otlp [--listen ADDR] [--grpc-listen ADDR] [--out DIR] [flags]'],
  description: `Receives OTLP like a collector: OTLP/HTTP on /v1/traces, /v1/logs and /v1/metrics
(protobuf or JSON, gzip) and OTLP/gRPC (gzip), on loopback by default. Point a service's
exporter at it (OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318). Everything accepted is
written to --out as OTLP JSON Lines (traces.jsonl, logs.jsonl, metrics.jsonl: the
collector file exporter's format) before it is answered; read them with goscope traces.
Runs until Ctrl-C (or --duration), showing live counts on a terminal, then summarises:
services, spans, traces, time range. Oversized requests get 413 / RESOURCE_EXHAUSTED and
an overload 429 with Retry-After / RESOURCE_EXHAUSTED with RetryInfo, which exporters
retry: memory stays bounded.`,
  flags: {
    listen: { type: 'string', arg: 'ADDR', default: DEFAULT_HTTP_LISTEN, help: 'OTLP/HTTP address (HOST:PORT; "off" for none)' },
    'grpc-listen': { type: 'string', arg: 'ADDR', default: DEFAULT_GRPC_LISTEN, help: 'OTLP/gRPC address (HOST:PORT; "off" for none)' },
    out: OUT_FLAG('folder for the received data (default ./goscope-captures/otlp-<time>/)'),
    duration: { type: 'string', arg: 'D', help: 'stop after D (e.g. 30s, 5m) instead of at Ctrl-C' },
    'max-request': { type: 'string', arg: 'SIZE', default: '16MiB', help: 'largest request body, compressed or inflated (413 above)' },
    json: JSON_FLAG('goscope.otlp/v1'),
  },
  exits: `exit codes: 0 stopped by Ctrl-C, SIGTERM or --duration with everything received saved,
            1 failure (cannot listen, cannot write --out), 2 usage`,
  async run({ flags, positionals, io }) {
    if (positionals.length) throw new UsageError(`otlp: unexpected argument "${clean(positionals[0]!)}" (see goscope otlp --help)`);
    const off = (v: string) => (v === 'off' || v === '' ? null : v);
    const httpListen = off(flags.listen);
    const grpcListen = off(flags['grpc-listen']);
    if (!httpListen && !grpcListen) throw new UsageError('otlp: --listen and --grpc-listen are both off: nothing to receive on');
    const maxRequest = parseSize(flags['max-request']);
    if (!maxRequest) throw new UsageError(`--max-request: not a size: "${clean(flags['max-request'])}" (use e.g. 16MiB)`);
    const durationMs = flags.duration !== undefined ? parseDuration(flags.duration, 'duration') : null;
    const out = await captureDir(flags.out, 'otlp');

    const recv = await startReceiver({ httpListen, grpcListen, outDir: out, maxRequestBytes: maxRequest });
    const started = performance.now();
    const where = [recv.httpAddress && `OTLP/HTTP on ${recv.httpAddress}`, recv.grpcAddress && `OTLP/gRPC on ${recv.grpcAddress}`].filter(Boolean).join(', ');
    note(io, `goscope: receiving ${where}; saving to ${clean(out)}; ${durationMs !== null ? `stopping after ${flags.duration}` : 'Ctrl-C to stop'}`);

    const prog = progress({ enabled: wantsProgress(io, flags.json), stream: io.err });
    const stop = graceful();
    let stoppedBy: 'interrupt' | 'duration' = 'interrupt';
    const tick = setInterval(() => prog.update(liveLine(recv.state, performance.now() - started)), 250);
    try {
      await new Promise<void>((resolve) => {
        if (stop.signal.aborted) return resolve();
        stop.signal.addEventListener('abort', () => resolve(), { once: true });
        if (durationMs !== null) {
          setTimeout(() => {
            stoppedBy = 'duration';
            resolve();
          }, durationMs).unref();
        }
        // Keeps the process alive while the servers idle (they are referenced anyway).
      });
    } finally {
      clearInterval(tick);
      prog.done();
    }
    // A second Ctrl-C while flushing ends the process at once (interrupt.ts).
    try {
      await recv.close();
    } finally {
      stop.release();
    }
    const report = otlpJson(recv.state, {
      http: recv.httpAddress,
      grpc: recv.grpcAddress,
      out,
      files: await recv.store.paths(),
      elapsedMs: performance.now() - started,
      stoppedBy,
    });
    if (flags.json) printJson(io, report);
    else write(io, renderOtlpText(report));
    return 0;
  },
});
