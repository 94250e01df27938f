// Command-line parsing with node:util parseArgs, strict: an unknown flag, a value given to
// a boolean or a missing value is a usage error (exit 2) naming the flag. The value
// helpers below turn durations, integers and regexes into one-line usage errors too.
import { parseArgs as nodeParseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { Command, FlagDefs } from './spec.js';

export interface Parsed {
  flags: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  given: Set<string>;
}

/**
 * `--focus -foo` and `-o -`: parseArgs reads a value that starts with "-" as a missing
 * value (it asks for `--focus=-foo`). goscope has always taken the next word as the
 * value of a flag that needs one, whatever it starts with (so did Go's flag package and
 * pprof): rewrite those pairs to the `--name=value` form parseArgs reads as meant.
 */
function joinValues(argv: readonly string[], flags: FlagDefs): string[] {
  const byShort = new Map<string, string>();
  for (const [name, f] of Object.entries(flags)) if (f.short) byShort.set(f.short, name);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') ? (a.includes('=') ? undefined : a.slice(2)) : /^-[^-]$/.test(a) ? byShort.get(a[1]!) : undefined;
    if (name !== undefined && flags[name]?.type === 'string' && i + 1 < argv.length) {
      out.push(`--${name}=${argv[++i]!}`);
    } else out.push(a);
  }
  return out;
}

/** How parseArgs names a flag in its messages ("'-o, --output <value>'"): our spelling. */
function flagIn(message: string): string {
  const m = /'(-[^' ]*)(?:, (--[^' ]+))?(?: <value>)?'/.exec(message);
  return m ? (m[2] ?? m[1]!) : '';
}

export function parseCommandLine(argv: readonly string[], cmd: Pick<Command, 'name' | 'flags'>): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string }> = {};
  for (const [name, f] of Object.entries(cmd.flags)) {
    options[name] = { type: f.type };
    if (f.short) options[name].short = f.short;
    if (f.multiple) options[name].multiple = true;
  }
  const see = `(see goscope ${cmd.name} --help)`;
  let parsed;
  try {
    parsed = nodeParseArgs({ args: joinValues(argv, cmd.flags), options, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const flag = flagIn(err.message);
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${cmd.name}: unknown flag ${flag} ${see}`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      if (/does not take an argument/.test(err.message)) throw new UsageError(`${cmd.name}: ${flag} takes no value ${see}`);
      // Only the last word can lack its value (joinValues gives every other one the next word): name it as typed.
      if (/argument missing/.test(err.message)) throw new UsageError(`${cmd.name}: ${argv[argv.length - 1] ?? flag} needs a value ${see}`);
    }
    throw new UsageError(`${cmd.name}: ${err.message.split('\n')[0]} ${see}`);
  }
  const given = new Set<string>();
  for (const t of parsed.tokens ?? []) if (t.kind === 'option') given.add(t.name);
  const flags: Parsed['flags'] = {};
  for (const [name, f] of Object.entries(cmd.flags)) {
    const v = (parsed.values as Record<string, string | boolean | string[] | undefined>)[name];
    if (v !== undefined) flags[name] = v;
    else if (f.type === 'boolean') flags[name] = false;
    else if (f.multiple) flags[name] = [];
    else flags[name] = f.default;
  }
  return { flags, positionals: parsed.positionals, given };
}

/** "5s", "1m", "250ms", "1m30s", or a bare number of seconds -> milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(t))) {
    const n = Number(m[1]);
    total += n * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : m[2] === 'm' ? 60000 : 3600000);
    end = re.lastIndex;
  }
  if (end !== t.length || end === 0) throw new UsageError(`--${flag}: not a duration: "${text}" (use e.g. 500ms, 5s, 1m)`);
  return Math.round(total);
}

export function parseInteger(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag}: expected an integer >= ${min}, got "${text}"`);
  return n;
}

export function parseRegex(text: string, flag: string): RegExp {
  try {
    return new RegExp(text);
  } catch (e) {
    throw new UsageError(`--${flag}: invalid regular expression: ${(e as Error).message}`);
  }
}
