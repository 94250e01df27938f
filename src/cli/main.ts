// Entry point: runs one command, turns user errors into one line and an exit code.
import { UserError } from '../errors.js';
import { termSafe } from '../lib/text.js';
import { note, stdio } from './common.js';
import { installInterruptHandler } from './interrupt.js';
import { run } from './run.js';

async function main(): Promise<void> {
  const io = stdio();
  installInterruptHandler((line) => note(io, line));
  // A closed pipe (goscope … | head) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  let code: number;
  try {
    code = await run(process.argv.slice(2), io);
  } catch (e) {
    if (e instanceof UserError) {
      // Messages quote inputs and replies: the last line of defence for the terminal.
      note(io, `goscope: ${termSafe(e.message)}`);
      code = e.exitCode;
    } else {
      // A stack keeps its lines; anything else in it is escaped by note.
      note(io, `goscope: internal error (please report): ${(e as Error)?.stack ?? String(e)}`);
      code = 1;
    }
  }
  process.exitCode = code;
}

await main();
