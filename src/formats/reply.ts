// Naming a 2xx reply that is not what was asked for (a web page, JSON, a login form), the
// same way for every command: "a reply starting "<!doctype html>…"", "an empty reply" or
// "N bytes of binary data". Bytes in, words out: every layer that reads a capture uses it
// (collect/reply.ts adds reading a saved file's head).
import { FormatError, UserError } from '../errors.js';
import { mayBeGoroutineDump } from './goroutines/parse.js';

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
