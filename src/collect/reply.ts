// Reading back the head of a saved reply, to say what it is when it is not what was asked
// for (the wording is formats/reply.ts's).
import { open } from 'node:fs/promises';

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
