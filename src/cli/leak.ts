// goscope leak <url>: sample a live service's goroutines over time and name the leaks.
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError, UserError } from '../errors.js';
import { termSafe } from '../lib/text.js';
import { resolveSource, profileUrl, serviceBase } from '../collect/source.js';
import { readFileChunks, sessionDir } from '../collect/acquire.js';
import { captureGoroutineText, captureLeakProfile } from '../collect/profiles.js';
import { sample } from '../collect/sampler.js';
import { fromBuffer } from '../formats/input.js';
import type { GoroutineGroup } from '../analysis/goroutines/group.js';
import { analyzeLeaks, type LeakSample } from '../analysis/goroutines/leak.js';
import { followedIds, type MemberDump } from '../analysis/goroutines/members.js';
import { readSnapshot, type Snapshot } from '../analysis/goroutines/snapshot.js';
import { MIN_TREND_POINTS } from '../analysis/trend.js';
import { readHead } from '../collect/reply.js';
import { unreadableDump } from '../formats/reply.js';
import { notLeakJson, renderLeak, suspectJson, type DumpFacts } from '../report/goroutines.js';
import { progress } from '../report/progress.js';
import { parseDuration, parseInteger } from './args.js';
import { note, outStyle, printJson, wantsProgress, write } from './common.js';
import { EXIT_INTERRUPTED, graceful } from './interrupt.js';
import { defineCommand, JSON_FLAG, OUT_FLAG, TIMEOUT_FLAG, type FlagDefs, type Invocation } from './spec.js';

const MIN_SAMPLES = MIN_TREND_POINTS;

const LEAK_FLAGS = {
  interval: { type: 'string', arg: 'D', default: '5s', help: 'time between samples' },
  duration: { type: 'string', arg: 'D', help: 'sampling window (default 1m); or' },
  samples: { type: 'string', arg: 'N', help: `number of samples (>= ${MIN_SAMPLES}: fewer cannot show a significant trend)` },
  timeout: TIMEOUT_FLAG('deadline of each whole request, body included (default 30s)'),
  out: OUT_FLAG(),
  json: JSON_FLAG('goscope.leak/v1'),
} as const satisfies FlagDefs;

export const leakSpec = defineCommand({
  name: 'leak',
  args: '<service-url>',
  summary: 'sample a live service and name the goroutine leaks',
  usage: ['leak <service-url> [--interval 5s] [--duration 1m | --samples N] [flags]'],
  description: `Samples the service's goroutines (cheap debug=0 profiles) N times at a fixed interval,
keeps a count series per stack, and flags stacks whose count keeps growing (Mann-Kendall
trend test) while blocked on a channel, select, mutex, WaitGroup or Cond in your code,
and whose goroutines persist: a debug=2 dump at the first sample and one after the last
follow them by id, and a leak's stay blocked at the same place (same stack, same
arguments) where those of in-flight requests move on ("grows with load, members turn
over": not a leak). A group that began after the first dump is followed into one more
dump an interval later. The last dump adds states, wait times and creators; where the
service serves Go's goroutineleak profile (Go 1.26 + GOEXPERIMENT=goroutineleakprofile,
Go 1.27+) it confirms suspects. Every snapshot is saved in the capture folder first.`,
  flags: LEAK_FLAGS,
  exits: `exit codes: 0 no suspects, 3 leak suspects found, 1 failure, 2 usage, 130 interrupted
(Ctrl-C: the samples taken are analysed)`,
  run: leak,
});

async function leak({ flags, positionals, io }: Invocation<typeof LEAK_FLAGS>): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('leak: expected one <service-url>, e.g. http://127.0.0.1:6060; see goscope leak --help');
  const source = resolveSource(positionals[0]!);
  if (source.kind === 'file' || source.kind === 'stdin') {
    throw new UsageError(
      `leak: ${source.input} is not a live service: leak detection samples a running service (use goscope goroutines diff for two saved dumps)`,
    );
  }
  const intervalMs = parseDuration(flags.interval, 'interval');
  if (intervalMs < 100) throw new UsageError('--interval: at least 100ms');
  if (flags.duration !== undefined && flags.samples !== undefined) throw new UsageError('leak: give --duration or --samples, not both');
  let samples: number;
  if (flags.samples !== undefined) samples = parseInteger(flags.samples, 'samples', MIN_SAMPLES);
  else {
    const durationMs = flags.duration !== undefined ? parseDuration(flags.duration, 'duration') : 60000;
    samples = Math.floor(durationMs / intervalMs) + 1;
    if (samples < MIN_SAMPLES) {
      throw new UsageError(
        `leak: --duration ${flags.duration ?? '1m'} at --interval ${flags.interval} gives ${samples} samples; at least ${MIN_SAMPLES} are needed (a shorter --interval or a longer --duration)`,
      );
    }
  }
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, 'timeout') : undefined;
  const json = flags.json;
  const prog = progress({ enabled: wantsProgress(io, json), stream: io.err });
  const dir = await sessionDir(source, { path: null }, flags.out);
  let stopped = false;

  const base = serviceBase(source);
  // Ctrl-C ends sampling early; what was taken is still analysed (exit 130).
  const stop = graceful();
  const taken: LeakSample[] = [];
  const totals: number[] = [];
  const sampleTimes: { at: string; offsetSeconds: number; total: number; savedTo: string }[] = [];
  // debug=2 dumps: members followed by id (the persistence rule), the last one's groups as detail.
  const members: MemberDump[] = [];
  const dumps: DumpFacts[] = [];
  let firstAt = 0;
  const takeDump = async (name: string, signal?: AbortSignal): Promise<Snapshot> => {
    const cap = await captureGoroutineText(base, { dir, name, timeoutMs, signal });
    const t = cap.requestedAt.getTime() - firstAt;
    const snap = await readSnapshot(readFileChunks(cap.path), cap.url, { partial: true, members: { t, follow: followedIds(members) } }).catch(
      async (e: unknown) => {
        const { head, size } = await readHead(cap.path);
        throw unreadableDump(e, cap.url, cap.path, head, size);
      },
    );
    members.push(snap.members!);
    dumps.push({ file: cap.path, offsetSeconds: t / 1000, goroutines: snap.total, truncated: snap.info.truncated });
    return snap;
  };
  const warn = (line: string): void => {
    if (!json) note(io, `goscope: warning: ${termSafe(line)}`);
  };
  try {
    const url = profileUrl(source, 'goroutine', { debug: '0' });
    for await (const snap of sample({
      url,
      samples,
      intervalMs,
      dir,
      name: (i) => `goroutine-${String(i + 1).padStart(3, '0')}.pb.gz`,
      timeoutMs,
      signal: stop.signal,
      onWait: (i, left) => prog.update(`sample ${i + 1}/${samples} in ${Math.ceil(left / 1000)}s · goroutines ${totals.join(' ')}`),
    })) {
      const { groups, total } = await readSnapshot(fromBuffer(snap.bytes), url.href).catch((e: unknown) => {
        throw unreadableDump(e, url.href, snap.savedTo, snap.bytes, snap.bytes.length);
      });
      if (snap.index === 0) firstAt = snap.at.getTime();
      taken.push({ t: snap.t, groups });
      totals.push(total);
      sampleTimes.push({ at: snap.at.toISOString(), offsetSeconds: snap.t / 1000, total, savedTo: snap.savedTo });
      prog.update(`sample ${snap.index + 1}/${samples} · goroutines ${totals.join(' ')}`);
      if (snap.index === 0) {
        prog.update('first debug=2 dump (goroutine ids to follow)…');
        try {
          await takeDump('goroutine-first.debug2.txt', stop.signal);
        } catch (e) {
          // Ctrl-C during the dump ends sampling like any other moment.
          if (!stop.signal.aborted) {
            if (!(e instanceof UserError)) throw e;
            warn(`no first debug=2 dump (${e.message}): groups are followed from the last dump only`);
          }
        }
      }
    }
  } catch (e) {
    // A service that stops answering mid-run (a restart, a timeout): keep what was taken.
    if (!(e instanceof UserError) || taken.length < 3) throw e;
    prog.done();
    warn(`sampling stopped after ${taken.length} samples: ${e.message}`);
  } finally {
    stop.release();
  }
  if (taken.length < 3) {
    prog.done();
    throw new UserError(`leak: only ${taken.length} samples were taken before stopping; at least 3 are needed (captures in ${dir})`);
  }
  if (taken.length < MIN_SAMPLES) {
    warn(
      `stopped after ${taken.length} samples: too few for the trend test (${MIN_SAMPLES} needed); only goroutines Go's goroutineleak profile reports can be flagged`,
    );
  }

  // The last dump: members to compare, states, wait minutes and creators. pprof cuts
  // debug=2 at 64 MiB: take what came.
  prog.update('final debug=2 dump…');
  let detail: GoroutineGroup[] | undefined;
  try {
    detail = (await takeDump('goroutine-final.debug2.txt')).groups;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    warn(`no final debug=2 dump (${e.message}): states come from stacks only, and no group can be shown to persist`);
  }
  prog.update('goroutineleak profile…');
  let leakGroups: GoroutineGroup[] | null = null;
  try {
    const lp = await captureLeakProfile(base, { dir, timeoutMs });
    if (lp) {
      leakGroups = (
        await readSnapshot(fromBuffer(lp.bytes), lp.url).catch((e: unknown) => {
          throw unreadableDump(e, lp.url, lp.path, lp.bytes, lp.bytes.length);
        })
      ).groups;
    }
  } catch (e) {
    // Confirmation only: without it the trend test and the followed ids still decide.
    if (!(e instanceof UserError)) throw e;
    warn(`goroutineleak profile not used (${e.message})`);
  }

  let analysis = analyzeLeaks({ samples: taken, detail, leakProfile: leakGroups, members });
  // Groups that grew after the first dump have members only in the last: follow them into
  // one more dump an interval later (a second Ctrl-C-able wait; the first skips it).
  const unfollowed = analysis.notLeaks.filter((x) => x.reason === 'unfollowed').length;
  if (unfollowed > 0 && detail && !stop.signal.aborted) {
    const wait = graceful();
    try {
      const until = Date.now() + intervalMs;
      while (Date.now() < until && !wait.signal.aborted) {
        prog.update(
          `${unfollowed === 1 ? '1 group' : `${unfollowed} groups`} grew after the first dump: following ${unfollowed === 1 ? 'its' : 'their'} goroutines, one more dump in ${Math.ceil((until - Date.now()) / 1000)}s…`,
        );
        await sleep(Math.min(250, until - Date.now()), undefined, { signal: wait.signal }).catch(() => {});
      }
      if (!wait.signal.aborted) {
        await takeDump('goroutine-recheck.debug2.txt', wait.signal);
        analysis = analyzeLeaks({ samples: taken, detail, leakProfile: leakGroups, members });
      }
    } catch (e) {
      if (!wait.signal.aborted) {
        if (!(e instanceof UserError)) throw e;
        warn(`no follow-up debug=2 dump (${e.message})`);
      }
    } finally {
      wait.release();
    }
    if (wait.signal.aborted) stopped = true;
  }
  prog.done();

  if (json) {
    printJson(io, {
      schema: 'goscope.leak/v1',
      source: source.url!.href,
      intervalSeconds: intervalMs / 1000,
      samples: sampleTimes,
      stopped: taken.length < samples || stopped,
      leakProfile: analysis.leakProfile,
      stacks: analysis.stacks,
      captureDir: dir,
      dumps,
      suspects: analysis.suspects.map(suspectJson),
      notLeaks: analysis.notLeaks.map(notLeakJson),
    });
  } else {
    write(io, renderLeak(source.url!.href, totals, analysis, outStyle(io), dir, dumps));
  }
  if (stop.signal.aborted || stopped) return EXIT_INTERRUPTED;
  return analysis.suspects.length ? 3 : 0;
}
