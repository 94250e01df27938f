// Go (RE2) regular expressions, as pprof's -focus/-ignore/-hide/-show/-tagfocus take them,
// compiled to JavaScript RegExps with the same meaning.
//
// The syntaxes mostly agree. Handled here: leading flag groups ("(?i)", "(?s)", "(?m)"),
// \Q…\E quoting, \A and \z, POSIX classes ([[:alpha:]]), Go's ASCII-only \s, "." and
// (?m) anchors that only know "\n" as a line end, \x{…} and \a escapes, escaped
// punctuation that JavaScript's unicode mode rejects, and (?P<name>…). What RE2 rejects
// (backreferences, lookaround) is rejected too, so a pattern means the same in both tools
// or fails in both. Flag groups in the middle of a pattern ("a(?i)b") are refused.
import { UsageError } from '../../errors.js';

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

// Characters JavaScript's unicode mode accepts after a backslash as themselves.
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
// Letter escapes both syntaxes share.
const SHARED_ESCAPES = new Set('fnrtvdDwWbB'.split(''));

/** A Go Unicode class name as JavaScript spells it: categories as they are, scripts with Script=. */
function unicodeClass(name: string, problem: (what: string) => never): string {
  if (name === 'Any') return 'Any';
  for (const n of [name, 'Script=' + name]) {
    try {
      new RegExp(`\\p{${n}}`, 'u');
      return n;
    } catch {
      // try the next spelling
    }
  }
  return problem('invalid character class range');
}

interface Translation {
  source: string;
  flags: string;
}

function literal(ch: string): string {
  const c = ch.codePointAt(0)!;
  if (c > 0x7f || /[0-9A-Za-z_ ]/.test(ch)) return ch;
  return '\\x' + c.toString(16).padStart(2, '0');
}

function translate(pattern: string, problem: (what: string) => never): Translation {
  let i = 0;
  let ignoreCase = false;
  let dotAll = false;
  let multiline = false;
  for (let m: RegExpExecArray | null; (m = /^\(\?([imsU]+)\)/.exec(pattern.slice(i))); i += m[0].length) {
    for (const f of m[1]!) {
      if (f === 'i') ignoreCase = true;
      else if (f === 's') dotAll = true;
      else if (f === 'm') multiline = true;
      else problem('ungreedy mode (?U) is not supported by goscope');
    }
  }
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) problem('trailing backslash at end of expression');
      i += 2;
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i);
        for (const c of end < 0 ? pattern.slice(i) : pattern.slice(i, end)) out += literal(c);
        i = end < 0 ? pattern.length : end + 2;
      } else if (next === 'A' && !inClass) out += '(?<![\\s\\S])';
      else if (next === 'z' && !inClass) out += '(?![\\s\\S])';
      else if (next === 's') out += inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
      else if (next === 'S' && !inClass) out += '[^\\t\\n\\f\\r ]';
      else if (next === 'a') out += '\\x07';
      else if (next === 'x') {
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i);
          if (end < 0) problem('invalid escape sequence');
          out += '\\u{' + pattern.slice(i + 1, end) + '}';
          i = end + 1;
        } else out += '\\x';
      } else if (next === 'p' || next === 'P') {
        // \pL, \p{Lu}, \p{Greek}, \p{^Greek}: JavaScript wants braces, and Script= for scripts.
        let name: string;
        if (pattern[i] === '{') {
          const end = pattern.indexOf('}', i);
          if (end < 0) problem('invalid character class range');
          name = pattern.slice(i + 1, end);
          i = end + 1;
        } else {
          if (i >= pattern.length) problem('invalid character class range');
          name = pattern[i]!;
          i++;
        }
        let negated = next === 'P';
        if (name.startsWith('^')) {
          negated = !negated;
          name = name.slice(1);
        }
        out += `\\${negated ? 'P' : 'p'}{${unicodeClass(name, problem)}}`;
      } else if (/[0-9A-Za-z]/.test(next)) {
        if (!SHARED_ESCAPES.has(next) && !(next === 'S' && inClass)) problem('invalid escape sequence');
        out += '\\' + next;
      } else if (JS_SYNTAX.has(next) || (inClass && next === '-')) out += '\\' + next;
      else out += literal(next);
      continue;
    }
    if (inClass) {
      if (ch === '[' && pattern[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(pattern.slice(i));
        if (m && POSIX[m[2]!] !== undefined) {
          if (m[1]) problem('negated POSIX classes inside a class are not supported by goscope');
          out += POSIX[m[2]!];
          i += m[0].length;
          continue;
        }
      }
      if (ch === ']') inClass = false;
      out += ch === '[' ? '\\[' : ch;
      i++;
      continue;
    }
    if (ch === '[') {
      const m = /^\[\[:(\^?)([a-z]+):\]\]/.exec(pattern.slice(i));
      if (m && POSIX[m[2]!] !== undefined) {
        out += `[${m[1]}${POSIX[m[2]!]}]`;
        i += m[0].length;
        continue;
      }
      inClass = true;
      out += '[';
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      if (pattern[i] === ']') {
        // A "]" first in a class is a literal in RE2.
        out += '\\]';
        i++;
      }
      continue;
    }
    if (ch === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 4;
      } else if (rest.startsWith(':') || (rest.startsWith('<') && !/^<[=!]/.test(rest))) {
        out += '(?' + rest[0];
        i += 3;
      } else if (/^[imsU-]+[:)]/.test(rest)) {
        problem('flag groups are only supported at the start of the pattern');
      } else {
        problem('invalid or unsupported Perl syntax');
      }
      continue;
    }
    if (ch === '{' || ch === '}') {
      // RE2 reads a brace that does not start a repetition as a literal.
      const m = ch === '{' ? /^\{\d+(,\d*)?\}/.exec(pattern.slice(i)) : null;
      if (m) {
        out += m[0];
        i += m[0].length;
      } else {
        out += '\\' + ch;
        i++;
      }
      continue;
    }
    if (ch === '.' && !dotAll) out += '[^\\n]';
    else if (ch === '^' && multiline) out += '(?:(?<![\\s\\S])|(?<=\\n))';
    else if (ch === '$' && multiline) out += '(?=\\n|(?![\\s\\S]))';
    else out += ch;
    i++;
  }
  if (ignoreCase) out = '(?:' + out + ')';
  return { source: out, flags: 'u' + (ignoreCase ? 'i' : '') + (dotAll ? 's' : '') };
}

// RE2's wording for the errors JavaScript reports in its own words.
const RE2_WORDING: [RegExp, string][] = [
  [/unterminated group/i, 'missing closing )'],
  [/unmatched '\)'/i, 'unexpected )'],
  [/nothing to repeat/i, 'missing argument to repetition operator'],
  [/unterminated character class/i, 'missing closing ]'],
  [/out of order in \{\}/i, 'invalid repeat count'],
  [/range out of order/i, 'invalid character class range'],
  [/invalid (escape|unicode escape|property name)/i, 'invalid escape sequence'],
];

/**
 * Compiles a Go regular expression. `what` names the option in errors, which read like
 * pprof's: "parsing focus regexp: error parsing regexp: missing closing ): `(`".
 */
export function compileGoRegexp(pattern: string, what: string): RegExp {
  const problem = (p: string): never => {
    throw new UsageError(`parsing ${what} regexp: error parsing regexp: ${p}: \`${pattern}\``);
  };
  const t = translate(pattern, problem);
  try {
    return new RegExp(t.source, t.flags);
  } catch (e) {
    const msg = (e as Error).message.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '');
    return problem(RE2_WORDING.find(([re]) => re.test(msg))?.[1] ?? msg.toLowerCase());
  }
}
