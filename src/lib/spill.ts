// Records too many to hold in memory, partitioned by key into temporary files: every record
// of one key lands in the same partition, so a caller can read the partitions back one at a
// time and hold only one partition's records (`goscope traces` on a million spans: one
// partition of traces at a time, not every span).
//
// Records are lines of text (no '\n' in them: the caller encodes). Writes are buffered per
// partition and flushed synchronously past `flushBytes`, so memory holds at most
// parts x flushBytes of pending output. The folder is removed by close(), and at exit if
// the process ends first.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SpillOptions {
  /** Number of partitions (files). */
  parts: number;
  /** Where the temporary folder goes (default: the OS temporary folder). */
  dir?: string;
  /** Folder name prefix. */
  prefix?: string;
  /** Pending bytes per partition before it is written (default 256 KiB). */
  flushBytes?: number;
}

const live = new Set<string>();
let hooked = false;

function removeAtExit(dir: string): void {
  live.add(dir);
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const d of live) rmSync(d, { recursive: true, force: true });
  });
}

/** FNV-1a over the key's UTF-16 code units: the same key, the same partition. */
export function partitionOf(key: string, parts: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % parts;
}

export class Spill {
  readonly parts: number;
  readonly dir: string;
  private readonly fds: number[] = [];
  private readonly pending: string[][] = [];
  private readonly pendingBytes: number[] = [];
  private readonly flushBytes: number;
  private readonly counts: number[] = [];
  private closed = false;
  /** Bytes written to the partitions so far. */
  bytes = 0;

  constructor(opts: SpillOptions) {
    if (!Number.isInteger(opts.parts) || opts.parts < 1) throw new RangeError(`spill: parts must be a positive integer, not ${opts.parts}`);
    this.parts = opts.parts;
    this.flushBytes = opts.flushBytes ?? 256 * 1024;
    this.dir = mkdtempSync(path.join(opts.dir ?? tmpdir(), opts.prefix ?? 'goscope-spill-'));
    removeAtExit(this.dir);
    for (let i = 0; i < this.parts; i++) {
      this.fds.push(openSync(path.join(this.dir, `part-${String(i).padStart(4, '0')}`), 'w+', 0o600));
      this.pending.push([]);
      this.pendingBytes.push(0);
      this.counts.push(0);
    }
  }

  /** Adds one record (a line without '\n') to the partition of `key`. */
  add(key: string, line: string): void {
    if (this.closed) throw new Error('spill: add after close');
    const p = partitionOf(key, this.parts);
    this.pending[p]!.push(line);
    this.pendingBytes[p]! += line.length + 1;
    this.counts[p]!++;
    if (this.pendingBytes[p]! >= this.flushBytes) this.flush(p);
  }

  /** Records in partition `p`. */
  count(p: number): number {
    return this.counts[p]!;
  }

  private flush(p: number): void {
    const list = this.pending[p]!;
    if (!list.length) return;
    const buf = Buffer.from(list.join('\n') + '\n', 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fds[p]!, buf, off, buf.length - off);
    this.bytes += buf.length;
    this.pending[p] = [];
    this.pendingBytes[p] = 0;
  }

  /** Writes what is pending; call before reading. */
  finish(): void {
    for (let i = 0; i < this.parts; i++) this.flush(i);
  }

  /** The lines of partition `p`, in the order they were added (reads 1 MiB at a time). */
  *lines(p: number): Generator<string> {
    this.flush(p);
    const fd = this.fds[p]!;
    const chunk = Buffer.allocUnsafe(1 << 20);
    // A line longer than a chunk: its bytes so far (decoded once whole: a chunk may end inside a UTF-8 sequence).
    let carry: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      pos += n;
      const last = chunk.lastIndexOf(10, n - 1);
      if (last < 0) {
        carry.push(Buffer.from(chunk.subarray(0, n)));
        continue;
      }
      // Bytes after the last newline are read again with the next chunk.
      pos -= n - last - 1;
      const text = carry.length ? Buffer.concat([...carry, chunk.subarray(0, last)]).toString('utf8') : chunk.toString('utf8', 0, last);
      carry = [];
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) {
          yield text.slice(start);
          break;
        }
        yield text.slice(start, nl);
        start = nl + 1;
      }
    }
    // add() ends every line with '\n': anything left is a line cut short (not written by add).
    if (carry.length) yield Buffer.concat(carry).toString('utf8');
  }

  /** Closes and removes the files. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds) closeSync(fd);
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this.dir);
  }
}
