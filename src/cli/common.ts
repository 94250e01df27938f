// What every command shares: output streams, colour, JSON printing, writing output files.
//
// What reaches the terminal goes through one of four writers here, and nothing else in
// src/cli or src/report writes to a stream (test/term-safe.test.ts checks the sources):
//   write   human output on stdout     terminalText: controls escaped, own colours kept
//   note    warnings and notes, stderr  the same
//   printJson --json                    JSON, with the controls JSON.stringify leaves raw escaped
//   writeData data asked for on stdout  as is: folded stacks, speedscope JSON (flame -o -)
// (Progress lines, report/progress.ts, draw on stderr themselves, through oneLine.)
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { jsonPieces } from '../lib/json-stream.js';
import { colorFor, style, terminalText, type Style } from '../report/term.js';

export interface Io {
  out: NodeJS.WriteStream;
  err: NodeJS.WriteStream;
}

export function stdio(): Io {
  return { out: process.stdout, err: process.stderr };
}

export function outStyle(io: Io): Style {
  return style(colorFor(io.out));
}

/** Progress only where a person watches: stderr is a TTY and output is not JSON. */
export function wantsProgress(io: Io, json: boolean): boolean {
  return !json && !!io.err.isTTY;
}

// JSON.stringify escapes C0 controls but leaves DEL, C1 (U+0080-U+009F, read as CSI/OSC by
// some terminals), the line separators and the bidi controls raw. As \uNNNN escapes they
// parse to the same strings, and --json on a terminal is inert too.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printJson(io: Io, value: unknown): void {
  const text = JSON.stringify(value, null, 2).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  io.out.write(text + '\n');
}

/**
 * printJson for big documents: the same text, written in pieces of about 64 KiB with the
 * stream's back-pressure, never held as one string.
 */
export async function printJsonStream(io: Io, value: unknown): Promise<void> {
  let buf = '';
  const flush = async (): Promise<void> => {
    const text = buf.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    buf = '';
    if (!io.out.write(text)) await new Promise<void>((r) => io.out.once('drain', r));
  };
  for (const p of jsonPieces(value)) {
    buf += p;
    if (buf.length >= 65_536) await flush();
  }
  buf += '\n';
  await flush();
}

const line = (text: string): string => (text.endsWith('\n') ? text : text + '\n');

/** Human output on stdout, through the terminal choke point (report/term.ts terminalText). */
export function write(io: Io, text: string): void {
  io.out.write(terminalText(line(text), colorFor(io.out)));
}

/** A warning or a note for the user on stderr ("saved …", "goscope: warning: …"), through the same choke point. */
export function note(io: Io, text: string): void {
  io.err.write(terminalText(line(text), colorFor(io.err)));
}

/** Data the user asked for on stdout (flame --format folded/speedscope): written as it is. */
export function writeData(io: Io, data: string | Uint8Array): void {
  io.out.write(data);
}

/** Writes a file the user named (a report, a flame graph, a profile); failures are one line. */
export async function writeOutput(path: string, data: string | Uint8Array, what = ''): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (e) {
    throw new UserError(`${path}: cannot write${what ? ' ' + what : ''} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** goscope's version from package.json. */
export function goscopeVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}
