// Help text generated from the command specs: `goscope --help` lists the commands,
// `goscope CMD --help` (the same as `goscope help CMD`) shows one command's usage, what it
// does, every flag with its help, and its exit codes.
import type { Command, FlagDef } from './spec.js';

const WIDTH = 90;
const MAIN_WIDTH = 112;
/** Help starts at most this far right; a longer flag puts its help after two spaces. */
const MAX_COLUMN = 27;

/** Words of `text` in lines of at most `width` characters, the first `first` shorter. */
export function wrap(text: string, width: number, first = width): string[] {
  const lines: string[] = [];
  let line = '';
  let room = first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = width;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

/** `label` in a column, `text` wrapped beside it, continuation lines under the text. */
function columns(rows: readonly [string, string][], col: number, width = WIDTH): string[] {
  const out: string[] = [];
  for (const [label, text] of rows) {
    const head = '  ' + label;
    const start = head.length + 2 > col ? head.length + 2 : col;
    const [firstLine, ...rest] = wrap(text, width - col, width - start);
    out.push(head.padEnd(start) + firstLine);
    for (const l of rest) out.push(' '.repeat(col) + l);
  }
  return out;
}

export function flagLabel(name: string, f: FlagDef): string {
  const value = f.type === 'string' ? ` ${f.arg ?? 'VALUE'}` : '';
  return `${f.short ? `-${f.short}, ` : ''}--${name}${value}`;
}

/** The flag's help, with its default unless the help already says it. */
export function flagHelp(f: FlagDef): string {
  return f.default !== undefined && !/\bdefault\b/.test(f.help) ? `${f.help} (default ${f.default})` : f.help;
}

/** One command's help: what `goscope CMD --help` and `goscope help CMD` print. */
export function commandHelp(cmd: Command): string {
  const usage = cmd.usage.map((u, i) => `${i === 0 ? 'usage: ' : '       '}goscope ${u}`);
  const sections = new Map<string, [string, string][]>();
  for (const [name, f] of Object.entries(cmd.flags)) {
    const s = f.section ?? 'flags';
    if (!sections.has(s)) sections.set(s, []);
    sections.get(s)!.push([flagLabel(name, f), flagHelp(f)]);
  }
  // One column for every section, so the flags line up across headings.
  const all = [...sections.values()].flat();
  const col = Math.min(MAX_COLUMN, Math.max(...all.map(([l]) => 2 + l.length + 2)));
  const blocks = [usage.join('\n'), cmd.description, ...(cmd.before ?? [])];
  for (const [title, rows] of sections) blocks.push(`${title}:\n${columns(rows, col).join('\n')}`);
  blocks.push(...(cmd.after ?? []), cmd.exits);
  return blocks.join('\n\n');
}

/** `goscope --help`: the commands with their summaries, then what they share. */
export function mainHelp(commands: readonly Command[], footer: string): string {
  const rows = commands.map((c): [string, string] => [`${c.name} ${c.args}`, c.summary]);
  const col = 2 + Math.max(...rows.map(([l]) => l.length)) + 2;
  // Wider than a command's help: one line per command, as the list is read down the left.
  return [
    'goscope — diagnose Go services from the outside',
    'usage: goscope <command> [arguments] [flags]',
    `commands:\n${columns(rows, col, MAIN_WIDTH).join('\n')}`,
    footer,
  ].join('\n\n');
}
