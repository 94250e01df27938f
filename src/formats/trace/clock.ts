// The trace clock (Go's internal/trace base.go `frequency`): timestamps are ticks of the
// runtime's clock, turned into nanoseconds by a float64 factor and truncated, exactly as Go
// does, so that event times are Go's to the nanosecond.

/** Go's frequency: nanoseconds per tick, as float64. */
export function nsPerTick(ticksPerSecond: number): number {
  return 1.0 / (ticksPerSecond / 1e9);
}

/** Go's frequency.mul: ticks -> ns, truncated like int64(float64). */
export function ticksToNs(t: number, nsPerTick: number): number {
  return Math.trunc(t * nsPerTick);
}
