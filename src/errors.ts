// Errors a user can cause (bad input, unreachable service, bad flags). The CLI prints
// exactly one line for these and exits with `exitCode`; anything else is a bug and
// keeps its stack trace.
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** An input that could not be decoded. `input` names the file/URL, `where` the position. */
export class FormatError extends UserError {
  constructor(input: string, where: string, problem: string, hint?: string) {
    super(`${input}: ${where ? where + ': ' : ''}${problem}${hint ? ' (' + hint + ')' : ''}`);
    this.name = 'FormatError';
  }
}
