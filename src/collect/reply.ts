// Naming a 2xx reply that is not what was asked for (a web page, JSON, a login form), the
// same way for every command: "a reply starting "<!doctype html>…"", "an empty reply" or
// "N bytes of binary data".
import { open } from 'node:fs/promises';

export function describeReply(head: Uint8Array, size: number): string {
  if (size === 0) return 'an empty reply';
  const text = Buffer.from(head.subarray(0, 40))
    .toString('latin1')
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return text ? `a reply starting ${JSON.stringify(text)}` : `${size} bytes of binary data`;
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
