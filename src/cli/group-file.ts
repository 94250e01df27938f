// Grouping a large dump file on every core: the file is cut at goroutine boundaries
// ("\n\ngoroutine N ["), each part is parsed and grouped in a worker thread, and the groups
// are merged. Small, compressed or non-text inputs take the single-threaded path, and so
// does any part that fails (the sequential run then reports the error with exact lines).
import { open } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readFileChunks } from '../collect/acquire.js';
import { parseGoroutines, type ParseOptions } from '../formats/goroutines/parse.js';
import type { DumpInfo, Skipped } from '../formats/goroutines/model.js';
import { Grouper, mergeGroups, type GoroutineGroup, type Similarity } from '../analysis/goroutines/group.js';

export interface GroupFileOptions extends ParseOptions {
  /** Worker threads (default: the cores available, at most 4; GOSCOPE_THREADS overrides). */
  threads?: number;
  /**
   * 'auto' (default): split text files of 64 MiB or more, at the stack-only levels.
   * 'always': split whenever a cut point exists (tests use it on small real dumps).
   */
  split?: 'auto' | 'always';
}

export interface Grouped {
  info: DumpInfo;
  groups: GoroutineGroup[];
  /** How many parts were grouped in parallel (1: a single pass). */
  parts: number;
}

export interface PartRequest {
  path: string;
  input: string;
  start: number;
  end: number;
  sim: Similarity;
  opts: ParseOptions;
}

/** Parses and groups one part; runs in a worker, or inline for the sequential path. */
export async function groupPart(req: PartRequest): Promise<Grouped> {
  const gr = new Grouper(req.sim);
  const info = await parseGoroutines(readFileChunks(req.path, { start: req.start, end: req.end }), req.input, (g) => gr.add(g), req.opts);
  return { info, groups: gr.groups(), parts: 1 };
}

const HEAD = Buffer.from('\ngoroutine ');

/** Offsets where goroutine blocks start (after a blank line), near `parts` evenly spaced points. */
async function cutPoints(path: string, size: number, parts: number): Promise<number[]> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(64);
    await fh.read(head, 0, 64, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return []; // gzip: stream it
    const cuts: number[] = [];
    const win = Buffer.alloc(4 << 20);
    for (let k = 1; k < parts; k++) {
      const at = Math.floor((size * k) / parts);
      const { bytesRead } = await fh.read(win, 0, win.length, at);
      let i = win.subarray(0, bytesRead).indexOf(HEAD);
      while (i >= 0) {
        const digit = win[i + HEAD.length];
        const blankBefore = i > 0 && (win[i - 1] === 0x0a || (win[i - 1] === 0x0d && i > 1 && win[i - 2] === 0x0a));
        if (blankBefore && digit !== undefined && digit >= 0x30 && digit <= 0x39) break;
        i = win.subarray(0, bytesRead).indexOf(HEAD, i + 1);
      }
      if (i < 0) continue; // no boundary nearby (a giant goroutine, or not a text dump)
      const cut = at + i + 1;
      // A long goroutine can span two cut points: use fewer parts.
      if (!cuts.length || cut > cuts[cuts.length - 1]!) cuts.push(cut);
    }
    return cuts;
  } finally {
    await fh.close();
  }
}

function threadsWanted(opts: GroupFileOptions): number {
  const env = Number(process.env.GOSCOPE_THREADS);
  if (Number.isInteger(env) && env >= 1) return env;
  return opts.threads ?? Math.min(4, availableParallelism());
}

export async function groupFile(path: string, input: string, size: number, sim: Similarity, opts: GroupFileOptions = {}): Promise<Grouped> {
  const threads = threadsWanted(opts);
  const sequential = () => groupPart({ path, input, start: 0, end: size, sim, opts: parseOpts(opts) });
  if (threads < 2) return sequential();
  if (opts.split !== 'always') {
    if (size < 64 << 20) return sequential();
    // Where arguments count, groups can number in the hundreds of thousands: copying them
    // between threads and merging costs more time and memory than the split saves.
    if (sim === 'pointer' || sim === 'exact') return sequential();
  }
  const cuts = (await cutPoints(path, size, threads)).filter((c) => c < size);
  if (cuts.length === 0) return sequential();
  const bounds = [0, ...cuts, size];
  const reqs: PartRequest[] = bounds.slice(0, -1).map((start, i) => ({
    path,
    input,
    start,
    end: bounds[i + 1]!,
    sim,
    opts: parseOpts(opts),
  }));
  let parts: Grouped[];
  try {
    parts = await Promise.all(reqs.map(runWorker));
  } catch {
    return sequential();
  }
  const first = parts[0]!.info;
  const last = parts[parts.length - 1]!.info;
  const info: DumpInfo = {
    ...first,
    total: parts.reduce((n, p) => n + p.info.total, 0),
    records: parts.reduce((n, p) => n + p.info.records, 0),
    bytes: parts.reduce((n, p) => n + p.info.bytes, 0),
    truncated: last.truncated,
    crash: parts.map((p) => p.info.crash).find((c) => c !== null) ?? null,
    signal: parts.map((p) => p.info.signal).find((c) => c !== null) ?? null,
    lines: parts.reduce((n, p) => n + p.info.lines, 0),
    skipped: mergeSkipped(parts.map((p) => p.info)),
  };
  if (parts.some((p) => p.info.format !== 'text')) return sequential();
  return {
    info,
    groups: mergeGroups(
      parts.map((p) => p.groups),
      sim,
    ),
    parts: parts.length,
  };
}

/** Each part numbers its lines from 1; parts start at line boundaries, so offsets add up. */
function mergeSkipped(infos: readonly DumpInfo[]): Skipped | null {
  let out: Skipped | null = null;
  let offset = 0;
  for (const i of infos) {
    const k = i.skipped;
    if (k) {
      out ??= { lines: 0, goroutines: 0, stackless: 0, first: [] };
      out.lines += k.lines;
      out.goroutines += k.goroutines;
      out.stackless += k.stackless;
      for (const x of k.first) if (out.first.length < 5) out.first.push({ ...x, line: x.line + offset });
    }
    offset += i.lines;
  }
  return out;
}

function parseOpts(o: GroupFileOptions): ParseOptions {
  const p: ParseOptions = {};
  if (o.allowPartial !== undefined) p.allowPartial = o.allowPartial;
  if (o.maxInflatedBytes !== undefined) p.maxInflatedBytes = o.maxInflatedBytes;
  if (o.args !== undefined) p.args = o.args;
  return p;
}

function runWorker(req: PartRequest): Promise<Grouped> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./group-worker.js', import.meta.url), { workerData: req });
    w.once('message', (m: { ok: true; result: Grouped } | { ok: false; error: string }) => {
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
    });
  });
}
