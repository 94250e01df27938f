// A small, strict argument parser: --flag value, --flag=value, booleans, positionals.
// Unknown flags are usage errors (exit 2), never silently ignored.
import { UsageError } from '../errors.js';

export interface FlagSpec {
  /** 'list': repeatable, collected in order into `lists`. */
  [name: string]: { type: 'string' | 'boolean' | 'list'; short?: string };
}

export interface Parsed {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** Values of repeatable ('list') flags, in the order given. */
  lists: Record<string, string[]>;
}

export function parseArgs(argv: readonly string[], spec: FlagSpec, command: string): Parsed {
  const flags: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  const lists: Record<string, string[]> = {};
  const shorts = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short) shorts.set(s.short, name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-' || !a.startsWith('-')) {
      positionals.push(a);
      continue;
    }
    let name: string;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) value = a.slice(eq + 1);
    } else {
      const s = shorts.get(a.slice(1));
      if (!s) throw new UsageError(`${command}: unknown flag ${a} (see goscope ${command} --help)`);
      name = s;
    }
    const s = spec[name];
    if (!s) throw new UsageError(`${command}: unknown flag --${name} (see goscope ${command} --help)`);
    if (s.type === 'boolean') {
      if (value !== undefined) throw new UsageError(`${command}: --${name} takes no value`);
      flags[name] = true;
    } else {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
      }
      if (s.type === 'list') (lists[name] ??= []).push(value);
      else flags[name] = value;
    }
  }
  return { flags, positionals, lists };
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
