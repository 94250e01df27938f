// A digest of an execution trace's ordered events, as `go tool trace -d=parsed` prints them
// (one line per event, `M=… P=… G=… Kind Time=…`, then its stack lines): per generation
// (a Sync event begins one), how many events of each kind; state transitions by resource
// and transition ("StateTransition GoID Running->Waiting"). Fed Go's lines or goscope's
// eventString() the same way. Pure: the unit tests use it, and `npm run fixtures` writes
// Go's digest next to the checked-in trace.

export interface TraceDigest {
  events: number;
  /** Per generation (the last: the final Sync), event kind -> count, keys sorted. */
  generations: Record<string, number>[];
}

const EVENT = /^M=-?\d+ P=-?\d+ G=-?\d+ (\w+) Time=-?\d+(.*)$/;
const TRANSITION = / (GoID|ProcID)=-?\d+ (\w+)->(\w+)/;

export class TraceDigester {
  private readonly gens: Map<string, number>[] = [];
  private events = 0;

  /** One line of -d=parsed (stack and other lines are ignored). */
  line(l: string): void {
    const m = EVENT.exec(l);
    if (!m) return;
    const kind = m[1]!;
    if (kind === 'Sync' || this.gens.length === 0) this.gens.push(new Map());
    let key = kind;
    if (kind === 'StateTransition') {
      const t = TRANSITION.exec(m[2]!);
      if (t) key = `${kind} ${t[1]} ${t[2]}->${t[3]}`;
    }
    const g = this.gens[this.gens.length - 1]!;
    g.set(key, (g.get(key) ?? 0) + 1);
    this.events++;
  }

  digest(): TraceDigest {
    return {
      events: this.events,
      generations: this.gens.map((g) => Object.fromEntries([...g].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))),
    };
  }
}
