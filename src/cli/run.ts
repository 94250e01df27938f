// The command table and the dispatcher: finds the command's spec, parses its flags,
// answers --help from the spec, and runs it. Kept apart from main.ts so tests can call it
// in-process.
import { UsageError } from '../errors.js';
import { termSafe } from '../lib/text.js';
import { parseCommandLine } from './args.js';
import { goscopeVersion, write, type Io } from './common.js';
import { commandHelp, mainHelp } from './help.js';
import type { Command } from './spec.js';

/**
 * Every command, in the order `goscope --help` lists them, loaded only when needed: each
 * command module pulls in its parsers, analyses and reports, and loading all of them costs
 * more than the search `logs --trace-id` does on a big file. The name here must be the
 * spec's (test/cli-args.test.ts checks it).
 */
const TABLE: readonly { name: string; load: () => Promise<Command> }[] = [
  { name: 'diagnose', load: async () => (await import('./diagnose.js')).diagnoseSpec },
  { name: 'profile', load: async () => (await import('./profile.js')).profileSpec },
  { name: 'top', load: async () => (await import('./top.js')).topSpec },
  { name: 'diff', load: async () => (await import('./top.js')).diffSpec },
  { name: 'flame', load: async () => (await import('./flame.js')).flameSpec },
  { name: 'goroutines', load: async () => (await import('./goroutines.js')).goroutinesSpec },
  { name: 'goroutines diff', load: async () => (await import('./goroutines.js')).goroutinesDiffSpec },
  { name: 'leak', load: async () => (await import('./leak.js')).leakSpec },
  { name: 'trace', load: async () => (await import('./trace.js')).traceSpec },
  { name: 'http', load: async () => (await import('./http.js')).httpSpec },
  { name: 'metrics', load: async () => (await import('./metrics.js')).metricsSpec },
  { name: 'traces', load: async () => (await import('./traces.js')).tracesSpec },
  { name: 'logs', load: async () => (await import('./logs.js')).logsSpec },
  { name: 'otlp', load: async () => (await import('./otlp.js')).otlpSpec },
];

/** The names of every command, in the table's order. */
export const COMMAND_NAMES: readonly string[] = TABLE.map((e) => e.name);

/** Every command's spec (loads every command module: for help and tests). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(TABLE.map((e) => e.load()));
}

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

/** `goscope --help`. */
export async function goscopeHelp(): Promise<string> {
  return mainHelp(await loadCommands(), FOOTER);
}

/** The command `argv` names (the longest match: "goroutines diff" before "goroutines"), and the rest. */
export async function findCommand(argv: readonly string[]): Promise<{ cmd: Command; rest: string[] } | null> {
  let best: (typeof TABLE)[number] | null = null;
  let bestWords = 0;
  for (const e of TABLE) {
    const words = e.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && words.length > bestWords) [best, bestWords] = [e, words.length];
  }
  return best ? { cmd: await best.load(), rest: argv.slice(bestWords) } : null;
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
      write(io, await goscopeHelp());
      return first === undefined ? 2 : 0;
    case 'help': {
      if (rest.length === 0) {
        write(io, await goscopeHelp());
        return 0;
      }
      const found = await findCommand(rest);
      if (!found || found.rest.length) throw unknownCommand(rest);
      write(io, commandHelp(found.cmd));
      return 0;
    }
    case '--version':
    case 'version':
      write(io, `goscope ${goscopeVersion()}`);
      return 0;
  }
  const found = await findCommand(argv);
  if (!found) throw unknownCommand([first]);
  const { cmd } = found;
  const { flags, positionals, given } = parseCommandLine(found.rest, cmd);
  if (flags.help) {
    write(io, commandHelp(cmd));
    return 0;
  }
  return cmd.run({ flags, positionals, given, io });
}
