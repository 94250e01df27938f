// The command table and the dispatcher: finds the command's spec, parses its flags,
// answers --help from the spec, and runs it. Kept apart from main.ts so tests can call it
// in-process.
import { UsageError } from '../errors.js';
import { termSafe } from '../lib/text.js';
import { parseCommandLine } from './args.js';
import { goscopeVersion, write, type Io } from './common.js';
import { commandHelp, mainHelp } from './help.js';
import type { Command } from './spec.js';
import { diagnoseSpec } from './diagnose.js';
import { diffSpec, topSpec } from './top.js';
import { flameSpec } from './flame.js';
import { goroutinesDiffSpec, goroutinesSpec } from './goroutines.js';
import { httpSpec } from './http.js';
import { leakSpec } from './leak.js';
import { profileSpec } from './profile.js';
import { metricsSpec } from './metrics.js';
import { traceSpec } from './trace.js';
import { otlpSpec } from './otlp.js';
import { logsSpec } from './logs.js';
import { tracesSpec } from './traces.js';

/** Every command, in the order `goscope --help` lists them. */
export const COMMANDS: readonly Command[] = [
  diagnoseSpec,
  profileSpec,
  topSpec,
  diffSpec,
  flameSpec,
  goroutinesSpec,
  goroutinesDiffSpec,
  leakSpec,
  traceSpec,
  httpSpec,
  metricsSpec,
  tracesSpec,
  logsSpec,
  otlpSpec,
];

const FOOTER = `<source> is a service URL (http://127.0.0.1:6060), a profile URL, a file or - (stdin);
<profile> a .pb.gz file, a profile URL or -. Every command takes --help (goscope help
<command> prints the same); every one that prints findings takes --json (flame writes
files instead).

exit codes: 0 ok, 1 failure, 2 usage error, 3 findings (leak suspects in leak and diagnose, metrics
            problems, request findings in traces, a crash in logs), 4 SLO breached (http --slo),
            130 interrupted (Ctrl-C; 143 for SIGTERM)

Requests to a service: --timeout is each whole request's deadline; sizes are capped by
kind (GOSCOPE_MAX_PROFILE, GOSCOPE_MAX_DUMP, GOSCOPE_MAX_TRACE, GOSCOPE_MAX_INFLATE,
GOSCOPE_MAX_METRICS, GOSCOPE_MAX_OTLP).`;

export const HELP = mainHelp(COMMANDS, FOOTER);

/** The command `argv` names (the longest match: "goroutines diff" before "goroutines"), and the rest. */
export function findCommand(argv: readonly string[]): { cmd: Command; rest: string[] } | null {
  let best: Command | null = null;
  for (const c of COMMANDS) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.name.split(' ').length)) best = c;
  }
  return best ? { cmd: best, rest: argv.slice(best.name.split(' ').length) } : null;
}

function unknownCommand(words: readonly string[]): UsageError {
  return new UsageError(`unknown command "${termSafe(words.join(' '))}" (see goscope --help)`);
}

export async function run(argv: string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
    case '-h':
    case '--help':
      write(io, HELP);
      return first === undefined ? 2 : 0;
    case 'help': {
      if (rest.length === 0) {
        write(io, HELP);
        return 0;
      }
      const found = findCommand(rest);
      if (!found || found.rest.length) throw unknownCommand(rest);
      write(io, commandHelp(found.cmd));
      return 0;
    }
    case '--version':
    case 'version':
      write(io, `goscope ${goscopeVersion()}`);
      return 0;
  }
  const found = findCommand(argv);
  if (!found) throw unknownCommand([first]);
  const { cmd } = found;
  const { flags, positionals, given } = parseCommandLine(found.rest, cmd);
  if (flags.help) {
    write(io, commandHelp(cmd));
    return 0;
  }
  return cmd.run({ flags, positionals, given, io });
}
