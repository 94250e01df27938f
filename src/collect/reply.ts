// Naming a 2xx reply that is not what was asked for (a web page, JSON, a login form), the
// same way for every command: "a reply starting "<!doctype html>…"", "an empty reply" or
// "N bytes of binary data".
import { open } from 'node:fs/promises';
import { FormatError, UserError } from '../errors.js';
import { mayBeGoroutineDump } from '../formats/goroutines/parse.js';

export function describeReply(head: Uint8Array, size: number): string {
  if (size === 0) return 'an empty reply';
  const text = Buffer.from(head.subarray(0, 40))
    .toString('latin1')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return text ? `a reply starting ${JSON.stringify(text)}` : `${size} bytes of binary data`;
}

/** "<url>: not <asked> but a reply starting … (saved to …): is this …?": one wording for every command. */
export function notWhatWasAsked(url: string, asked: string, head: Uint8Array, size: number, savedTo: string): string {
  return `${url}: not ${asked} but ${describeReply(head, size)} (saved to ${savedTo}): is this a Go service serving net/http/pprof?`;
}

/**
 * What to throw when a goroutine capture fetched from `url` (and decoded under that name)
 * fails to decode: one line that names the URL, never only the file the reply was saved
 * to. A reply that cannot be a goroutine dump at all (a web page, JSON) is described as
 * such; otherwise the decoder's reason stands (a gzip bomb, a damaged dump) with where the
 * reply was saved. Anything but a FormatError is returned as it is.
 */
export function unreadableDump(e: unknown, url: string, savedTo: string, head: Uint8Array, size: number): unknown {
  if (!(e instanceof FormatError)) return e;
  if (!mayBeGoroutineDump(head)) return new UserError(notWhatWasAsked(url, 'a goroutine dump', head, size, savedTo));
  return withSavedTo(e, savedTo);
}

/** A decoding failure of a reply decoded under its URL's name, with where the reply was saved; anything else as it is. */
export function withSavedTo(e: unknown, savedTo: string): unknown {
  return e instanceof FormatError && !e.message.includes(savedTo) ? new UserError(`${e.message} (saved to ${savedTo})`) : e;
}

/** The first `n` bytes of a saved capture and its size. */
export async function readHead(path: string, n = 4096): Promise<{ head: Buffer; size: number }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(n, size));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), size };
  } finally {
    await fh.close();
  }
}
