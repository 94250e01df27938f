// One goroutine snapshot read for the leak verdicts: grouped at the `value` level, and for
// a debug=2 dump its members followed by id (members.ts), in the same streaming pass.
import type { Chunks } from '../../formats/input.js';
import type { DumpInfo } from '../../formats/goroutines/model.js';
import { parseGoroutines } from '../../formats/goroutines/parse.js';
import { Grouper, type GoroutineGroup } from './group.js';
import { MemberCollector, type MemberDump } from './members.js';

export interface Snapshot {
  groups: GoroutineGroup[];
  total: number;
  info: DumpInfo;
  /** With `members`: the dump's members (empty for forms without goroutine ids). */
  members?: MemberDump;
}

export interface SnapshotOptions {
  /** Accept a dump cut off mid-goroutine (pprof stops debug=2 at 64 MiB). */
  partial?: boolean;
  /** Follow members: the dump's time (ms since the first sample) and the ids earlier dumps follow. */
  members?: { t: number; follow?: ReadonlySet<number> };
}

export async function readSnapshot(chunks: Chunks, input: string, opts: SnapshotOptions = {}): Promise<Snapshot> {
  const gr = new Grouper('value');
  const mc = opts.members ? new MemberCollector(opts.members.follow ?? null) : null;
  const info = await parseGoroutines(
    chunks,
    input,
    (g) => {
      if (mc) {
        mc.add(g);
        // Arguments only serve the member comparison: groups stay as without them.
        for (const f of g.frames) f.args = undefined;
      }
      gr.add(g);
    },
    { allowPartial: opts.partial ?? false, args: !!mc },
  );
  const snap: Snapshot = { groups: gr.groups(), total: info.total, info };
  if (mc) snap.members = mc.dump(opts.members!.t, info.truncated);
  return snap;
}
