// Where the receiver puts what it receives, before anything looks at it: one OTLP JSON Lines
// file per signal (traces.jsonl, logs.jsonl, metrics.jsonl; one Export*ServiceRequest per
// line, the collector file exporter's format), appended in arrival order. A request is
// acknowledged only once its line is written, so what an exporter saw accepted is on disk.
// The bytes waiting to be written are counted: the receiver refuses new requests (429 /
// RESOURCE_EXHAUSTED) while they exceed its bound, so a slow disk never grows memory.

import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { Signal } from '../../formats/otlp/schema.js';

export class OtlpStore {
  private readonly files = new Map<Signal, Promise<{ fh: FileHandle; path: string }>>();
  private chain: Promise<void> = Promise.resolve();
  /** Bytes handed to append() and not yet written. */
  pendingBytes = 0;
  /** Bytes written, per signal. */
  readonly written: Record<Signal, number> = { traces: 0, logs: 0, metrics: 0 };
  private failure: Error | null = null;

  constructor(readonly dir: string) {}

  /** The files created so far, by signal. */
  async paths(): Promise<Partial<Record<Signal, string>>> {
    const out: Partial<Record<Signal, string>> = {};
    for (const [sig, p] of this.files) out[sig] = (await p).path;
    return out;
  }

  private file(signal: Signal): Promise<{ fh: FileHandle; path: string }> {
    let f = this.files.get(signal);
    if (!f) {
      f = createUnique(this.dir, signal);
      this.files.set(signal, f);
    }
    return f;
  }

  /** Appends one line (without its newline); resolves once it is written. */
  append(signal: Signal, line: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const data = Buffer.from(line + '\n');
    this.pendingBytes += data.length;
    const p = this.chain.then(async () => {
      try {
        const { fh } = await this.file(signal);
        await fh.write(data);
        this.written[signal] += data.length;
      } catch (e) {
        this.failure ??= new UserError(`${this.dir}: cannot write what was received (${(e as Error).message})`);
        throw this.failure;
      } finally {
        this.pendingBytes -= data.length;
      }
    });
    this.chain = p.catch(() => {});
    return p;
  }

  /** Waits for every pending line, syncs and closes the files. */
  async close(): Promise<void> {
    await this.chain;
    for (const f of this.files.values()) {
      const { fh } = await f;
      await fh.sync().catch(() => {});
      await fh.close();
    }
  }
}

/** `<signal>.jsonl`, or `<signal>-2.jsonl`, …: a capture already in the folder is never appended to. */
async function createUnique(dir: string, signal: Signal): Promise<{ fh: FileHandle; path: string }> {
  for (let i = 1; i < 1000; i++) {
    const p = path.join(dir, i === 1 ? `${signal}.jsonl` : `${signal}-${i}.jsonl`);
    try {
      return { fh: await open(p, 'wx'), path: p };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
  }
  throw new UserError(`${dir}: too many ${signal} captures already (choose another --out directory)`);
}
