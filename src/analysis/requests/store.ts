// Span records on their way to the analysis: held in memory up to a threshold, past it
// spilled to temporary files partitioned by trace id (lib/spill.ts), then handed to the
// analysis one trace at a time, one partition at a time. A million spans held as records
// and trees take well over a gigabyte; spilled, memory holds one partition (1/64 of the
// traces) plus the summaries' two numbers per span.
import { Spill } from '../../lib/spill.js';
import type { TraceGroup } from './analyse.js';
import { groupsOf } from './analyse.js';
import type { SpanRec } from './model.js';

/** Spans held in memory before the store spills (the guide: any command within a few hundred MB). */
export const SPILL_ABOVE = 200_000;
export const SPILL_PARTS = 64;

export interface SpanStoreOptions {
  /** Spill once more than this many spans were added (default SPILL_ABOVE). */
  spillAbove?: number;
  /** Partitions (default SPILL_PARTS). */
  parts?: number;
  /** Folder for the temporary files (default: the OS temporary folder). */
  tmpDir?: string;
}

/** One record as a line: every field, times as decimal strings, with its order in the input. */
export function encodeRec(r: SpanRec, seq: number): string {
  return JSON.stringify([
    seq,
    r.traceId,
    r.spanId,
    r.parentId,
    r.name,
    r.service,
    r.kind,
    r.start.toString(),
    r.end.toString(),
    r.status,
    r.statusMessage,
    r.exceptions,
    r.httpStatus,
    r.peer,
  ]);
}

export function decodeRec(line: string): { seq: number; rec: SpanRec } {
  const a = JSON.parse(line) as [number, string, string, string, string, string, number, string, string, number, string, string[], number | null, string];
  return {
    seq: a[0],
    rec: {
      traceId: a[1],
      spanId: a[2],
      parentId: a[3],
      name: a[4],
      service: a[5],
      kind: a[6],
      start: BigInt(a[7]),
      end: BigInt(a[8]),
      status: a[9],
      statusMessage: a[10],
      exceptions: a[11],
      httpStatus: a[12],
      peer: a[13],
    },
  };
}

export class SpanStore {
  private recs: SpanRec[] = [];
  private spill: Spill | null = null;
  private n = 0;
  private readonly spillAbove: number;
  private readonly parts: number;
  private readonly tmpDir: string | undefined;

  constructor(opts: SpanStoreOptions = {}) {
    this.spillAbove = opts.spillAbove ?? SPILL_ABOVE;
    this.parts = opts.parts ?? SPILL_PARTS;
    this.tmpDir = opts.tmpDir;
  }

  get size(): number {
    return this.n;
  }

  /** Spilled to files (more than spillAbove spans). */
  get spilled(): boolean {
    return this.spill !== null;
  }

  /** Bytes written to the temporary files. */
  get spilledBytes(): number {
    return this.spill?.bytes ?? 0;
  }

  add(r: SpanRec): void {
    if (this.spill) {
      this.spill.add(r.traceId, encodeRec(r, this.n++));
      return;
    }
    this.recs.push(r);
    this.n++;
    if (this.recs.length > this.spillAbove) {
      const spill = new Spill({ parts: this.parts, dir: this.tmpDir, prefix: 'goscope-traces-' });
      this.recs.forEach((x, i) => spill.add(x.traceId, encodeRec(x, i)));
      this.recs = [];
      this.spill = spill;
    }
  }

  /**
   * Every trace's records: in memory, in order of first appearance; spilled, partition by
   * partition (each trace's records in input order, `seq` its first span's index).
   */
  *groups(): Generator<TraceGroup> {
    if (!this.spill) {
      yield* groupsOf(this.recs);
      return;
    }
    const spill = this.spill;
    spill.finish();
    for (let p = 0; p < spill.parts; p++) {
      const by = new Map<string, TraceGroup>();
      for (const line of spill.lines(p)) {
        const { seq, rec } = decodeRec(line);
        const g = by.get(rec.traceId);
        if (g) g.recs.push(rec);
        else by.set(rec.traceId, { traceId: rec.traceId, recs: [rec], seq });
      }
      yield* by.values();
    }
  }

  /** Removes the temporary files. */
  close(): void {
    this.spill?.close();
    this.spill = null;
    this.recs = [];
  }
}
