// Every analysis of an execution trace from one pass over its ordered events: counts, the
// four blocking profiles, Go's trace summary (goroutines, tasks, regions, latencies), GC
// and MMU, and (when a report needs it) the timeline. A streaming consumer: the reader
// pushes events into add(), nothing is kept per event.
import type { Profile } from '../../formats/pprof/profile.js';
import type { OrderedEvent } from '../../formats/trace/event.js';
import { BlockingBuilder, type BlockingKind } from './blocking.js';
import { GcAnalyzer, type GcSummary } from './gc.js';
import { TraceSummarizer, type TraceSummary } from './summary.js';
import { TimelineBuilder } from './timeline.js';
import type { Timeline } from '../../shared/timeline.js';

export interface TraceAnalysis {
  /** Time of the first and last event (ns). */
  start: number;
  end: number;
  events: number;
  /** Events per Go event kind, most frequent first. */
  eventsByKind: Record<string, number>;
  /** Distinct goroutines seen (as an event's G or a transition's goroutine). */
  goroutines: number;
  blocking: Record<BlockingKind, Profile>;
  summary: TraceSummary;
  gc: GcSummary;
  /** Only when asked for (the HTML report). */
  timeline: Timeline | null;
  /** When the timeline stopped early (at timelineMaxEvents events): the time it stopped. */
  timelineCutAt: number | null;
  timelineMaxEvents: number;
}

/**
 * The timeline takes at most this many events (about 1.5M intervals, a 45 MB page that
 * still draws smoothly); a longer trace's timeline covers its beginning, and the page
 * says so. Every other analysis covers the whole trace.
 */
export const TIMELINE_MAX_EVENTS = 3_000_000;

export class TraceAnalyzer {
  private events = 0;
  private start = -1;
  private end = 0;
  private readonly byKind = new Map<string, { n: number }>();
  private lastKind = '';
  private lastKindCount: { n: number } | null = null;
  private lastG = 0;
  private readonly goroutines = new Set<number>();
  private readonly blocking = new BlockingBuilder();
  private readonly summary = new TraceSummarizer();
  private readonly gc = new GcAnalyzer();
  private readonly timeline: TimelineBuilder | null;
  private readonly timelineMax: number;
  private timelineCutAt: number | null = null;

  constructor(opts: { timeline?: boolean; timelineMaxEvents?: number } = {}) {
    this.timeline = opts.timeline ? new TimelineBuilder() : null;
    this.timelineMax = opts.timelineMaxEvents ?? TIMELINE_MAX_EVENTS;
  }

  add(e: OrderedEvent): void {
    this.events++;
    if (this.start < 0) this.start = e.time;
    this.end = e.time;
    // Runs of one kind and one goroutine are common: skip the map and set lookups for them.
    if (e.kind === this.lastKind) this.lastKindCount!.n++;
    else {
      let c = this.byKind.get(e.kind);
      if (!c) this.byKind.set(e.kind, (c = { n: 0 }));
      c.n++;
      this.lastKind = e.kind;
      this.lastKindCount = c;
    }
    if (e.g > 0 && e.g !== this.lastG) {
      this.goroutines.add(e.g);
      this.lastG = e.g;
    }
    const t = e.transition;
    if (t && t.resource === 'goroutine' && t.id > 0) this.goroutines.add(t.id);
    this.blocking.add(e);
    this.summary.add(e);
    this.gc.add(e);
    if (this.timeline) {
      if (this.events <= this.timelineMax) this.timeline.add(e);
      else this.timelineCutAt ??= this.end;
    }
  }

  finish(): TraceAnalysis {
    const eventsByKind = Object.fromEntries([...this.byKind].map(([k, c]) => [k, c.n] as const).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    return {
      start: Math.max(0, this.start),
      end: this.end,
      events: this.events,
      eventsByKind,
      goroutines: this.goroutines.size,
      blocking: this.blocking.finish(),
      summary: this.summary.finish(),
      gc: this.gc.finish(),
      timeline: this.timeline?.finish() ?? null,
      timelineCutAt: this.timelineCutAt,
      timelineMaxEvents: this.timelineMax,
    };
  }
}
