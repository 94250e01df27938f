// Dispatches to one command. Kept apart from main.ts so tests can call it in-process.
import { goroutinesCommand, GOROUTINES_HELP } from './goroutines.js';
import { leakCommand, LEAK_HELP } from './leak.js';
import { topCommand, TOP_HELP, DIFF_HELP } from './top.js';
import { flameCommand, FLAME_HELP } from './flame.js';
import { profileCommand, PROFILE_HELP } from './profile.js';
import { diagnoseCommand, DIAGNOSE_HELP } from './diagnose.js';
import { traceCommand, TRACE_HELP } from './trace.js';
import { goscopeVersion, note, stdio, write, type Io } from './common.js';
import { clean } from '../report/term.js';
import { httpCommand, HTTP_HELP } from './http.js';
import { metricsCommand, METRICS_HELP } from './metrics.js';

const HELP = `goscope — diagnose Go services from the outside

usage: goscope <command> [arguments] [flags]

commands:
  diagnose <service-url>            capture everything once: verdict, hot spots, leaks, report.html
  profile <service-url> --type T    capture one profile (cpu, heap, allocs, mutex, block, …) and show its top
  top <profile>...                  where the cost goes, like go tool pprof -top (same rows and numbers)
  diff <base> <new>                 what changed between two profiles (go tool pprof -diff_base)
  flame <profile>...                flame graph: self-contained HTML, speedscope JSON or folded stacks
  goroutines <source>               group goroutines by stack: why they wait, where, who made them
  goroutines diff <before> <after>  what changed between two goroutine snapshots
  leak <service-url>                sample a live service and name the goroutine leaks
  trace <service-url|file|->        execution trace: events, goroutines, where they blocked (-pprof profiles)
  http <url>                        time a request by phase (dns, connect, tls, server, transfer); -n/-c load,
                                    timeouts by phase, --slo, W3C traceparent, --dump, --echo-diff
  metrics <url|file|->              lint Prometheus metrics: promlint's rules, label values, cardinality
                                    per label, histograms, units, changes across scrapes, Go runtime facts

<source> is a service URL (http://127.0.0.1:6060), a profile URL, a file or - (stdin);
<profile> a .pb.gz file, a profile URL or -. Every command takes --help; every one that
prints findings takes --json (flame writes files instead).

exit codes: 0 ok, 1 failure, 2 usage error, 3 leak suspects found (leak, diagnose) or metrics problems,
            4 SLO breached (http --slo), 130 interrupted (Ctrl-C; 143 for SIGTERM)

Requests to a service: --timeout is each whole request's deadline; sizes are capped by
kind (GOSCOPE_MAX_PROFILE, GOSCOPE_MAX_DUMP, GOSCOPE_MAX_TRACE, GOSCOPE_MAX_INFLATE,
GOSCOPE_MAX_METRICS).`;

export async function run(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
    case '-h':
    case '--help':
      write(io, HELP);
      return cmd === undefined ? 2 : 0;
    case 'help': {
      const topic = rest[0];
      const helps: Record<string, string> = { goroutines: GOROUTINES_HELP, leak: LEAK_HELP, top: TOP_HELP, diff: DIFF_HELP, flame: FLAME_HELP, profile: PROFILE_HELP, diagnose: DIAGNOSE_HELP, trace: TRACE_HELP, http: HTTP_HELP, metrics: METRICS_HELP };
      write(io, (topic && helps[topic]) || HELP);
      return 0;
    }
    case '--version':
    case 'version':
      write(io, `goscope ${goscopeVersion()}`);
      return 0;
    case 'goroutines':
      return goroutinesCommand(rest, io);
    case 'leak':
      return leakCommand(rest, io);
    case 'top':
      return topCommand(rest, io, 'top');
    case 'diff':
      return topCommand(rest, io, 'diff');
    case 'flame':
      return flameCommand(rest, io);
    case 'profile':
      return profileCommand(rest, io);
    case 'diagnose':
      return diagnoseCommand(rest, io);
    case 'trace':
      return traceCommand(rest, io);
    case 'http':
      return httpCommand(rest, io);
    case 'metrics':
      return metricsCommand(rest, io);
    default:
      note(io, `goscope: unknown command "${clean(cmd)}" (see goscope --help)`);
      return 2;
  }
}

