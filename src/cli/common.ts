// What every command shares: output streams, colour, JSON printing, writing output files.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { colorFor, style, type Style } from '../report/term.js';

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

export function printJson(io: Io, value: unknown): void {
  io.out.write(JSON.stringify(value, null, 2) + '\n');
}

export function write(io: Io, text: string): void {
  io.out.write(text.endsWith('\n') ? text : text + '\n');
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
