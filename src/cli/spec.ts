// The command table's types: one spec per command says what it takes (flags with their
// help, arguments) and what it does (run). The parser (args.ts) and the help (help.ts) are
// generated from the same spec, so a flag cannot exist without help text, and help cannot
// list a flag the parser refuses.
import type { Io } from './common.js';

export interface FlagDef {
  type: 'string' | 'boolean';
  /** One character: `-o` for `--output`. */
  short?: string;
  /** Repeatable: every value is kept, in order (`-H a -H b`). */
  multiple?: boolean;
  /**
   * Filled in when the flag is not given, and shown in the help as "(default X)". Flags
   * whose default depends on other flags say so in their help instead.
   */
  default?: string;
  /** The value's placeholder in the help: D (a duration), N, RE, FILE… (default VALUE). */
  arg?: string;
  /** One line or more of help; the help wraps it. Required: no flag without help. */
  help: string;
  /** The heading it is listed under (default "flags"), for commands with many flags. */
  section?: string;
}

export type FlagDefs = Readonly<Record<string, FlagDef>>;

type FlagValue<D extends FlagDef> = D['type'] extends 'boolean'
  ? boolean
  : D extends { multiple: true }
    ? string[]
    : D extends { default: string }
      ? string
      : string | undefined;

/** Parsed flag values: booleans are false and repeatable flags [] when not given. */
export type FlagValues<F extends FlagDefs> = { -readonly [K in keyof F]: FlagValue<F[K]> };

export interface Invocation<F extends FlagDefs> {
  flags: FlagValues<F>;
  positionals: string[];
  /** The flags the user gave (a default fills a flag in but does not count as given). */
  given: ReadonlySet<string>;
  io: Io;
}

export interface CommandSpec<F extends FlagDefs> {
  /** As typed: "top", "goroutines diff". */
  name: string;
  /** What follows the name in the command list: "<profile>...". */
  args: string;
  /** One line for `goscope --help`. */
  summary: string;
  /** Usage lines without "goscope ", e.g. "top <profile>... [flags]". */
  usage: string[];
  /** What the command does, as written (already wrapped). */
  description: string;
  /** Preformatted blocks between the description and the flags ("types:\n  cpu …"). */
  before?: string[];
  flags: F;
  /** Preformatted blocks between the flags and the exit codes ("rules: …"). */
  after?: string[];
  /** The command's exit codes, as written. */
  exits: string;
  run(inv: Invocation<F>): Promise<number>;
}

/** A spec with its flag types erased: what the table, the parser and the help work on. */
export interface Command {
  name: string;
  args: string;
  summary: string;
  usage: string[];
  description: string;
  before?: string[];
  /** The spec's flags, plus -h/--help. */
  flags: FlagDefs;
  after?: string[];
  exits: string;
  /** Runs with the values the parser made from this command's flags. */
  run(inv: ParsedInvocation): Promise<number>;
}

/** What the parser hands a command: values of its flags, not yet typed per flag. */
export interface ParsedInvocation extends Omit<Invocation<FlagDefs>, 'flags'> {
  flags: Record<string, string | boolean | string[] | undefined>;
}

export const HELP_FLAG = { type: 'boolean', short: 'h', help: 'show this help' } as const satisfies FlagDef;

/** A command for the table; its run sees typed flag values. */
export function defineCommand<const F extends FlagDefs>(spec: CommandSpec<F>): Command {
  if ('help' in spec.flags) throw new Error(`${spec.name}: --help is added to every command`);
  // -h goes under the last heading, after the command's own flags.
  const last = Object.values<FlagDef>(spec.flags).pop()?.section;
  const help: FlagDef = last ? { ...HELP_FLAG, section: last } : HELP_FLAG;
  // The parser fills in every flag of the spec by its type (args.ts), which is what FlagValues<F> says.
  return { ...spec, flags: { ...spec.flags, help }, run: spec.run as unknown as Command['run'] };
}

// Flags several commands share, with one wording.
export const JSON_FLAG = (schema: string) => ({ type: 'boolean', help: `machine-readable output (schema ${schema})` }) as const;
export const OUT_FLAG = (help = 'capture folder (default ./goscope-captures/<host_port>-<time>/)') => ({ type: 'string', arg: 'DIR', help }) as const;
export const TIMEOUT_FLAG = (help: string) => ({ type: 'string', arg: 'D', help }) as const;
