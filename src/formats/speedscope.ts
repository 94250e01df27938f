// speedscope's JSON file format (https://www.speedscope.app/file-format-schema.json,
// spec: speedscope's src/lib/file-format-spec.ts) as one "sampled" profile: frames are
// shared, each distinct stack is one sample (root first) with its summed weight.
import { UserError } from '../errors.js';

/** One stack and its value (structurally the flame graph's FlameStack). */
export interface SpeedscopeStack {
  /** Function names, root first. */
  frames: readonly string[];
  value: number;
}

export interface SpeedscopeOptions {
  /** Profile name shown by speedscope (e.g. the input file and sample type). */
  name: string;
  /** The pprof sample unit, e.g. "nanoseconds", "bytes", "count". */
  unit: string;
}

export type SpeedscopeUnit = 'none' | 'nanoseconds' | 'microseconds' | 'milliseconds' | 'seconds' | 'bytes';

/**
 * speedscope's unit for a pprof unit, and the factor values are multiplied by. Unit
 * names are matched like pprof's measurement package does (case-insensitive, a trailing
 * "s" dropped, its aliases); units speedscope lacks are converted (hours to seconds,
 * kilobytes… to bytes, pprof's 1024-based multiples), anything else is "none".
 */
export function speedscopeUnit(pprofUnit: string): { unit: SpeedscopeUnit; factor: number } {
  let u = pprofUnit.toLowerCase();
  if (u.length > 2 && u.endsWith('s')) u = u.slice(0, -1);
  switch (u) {
    case 'ns':
    case 'nanosecond':
      return { unit: 'nanoseconds', factor: 1 };
    case 'μs':
    case 'us':
    case 'microsecond':
      return { unit: 'microseconds', factor: 1 };
    case 'ms':
    case 'millisecond':
      return { unit: 'milliseconds', factor: 1 };
    case 's':
    case 'sec':
    case 'second':
      return { unit: 'seconds', factor: 1 };
    case 'hour':
    case 'hr':
      return { unit: 'seconds', factor: 3600 };
    case 'b':
    case 'byte':
      return { unit: 'bytes', factor: 1 };
  }
  const bytes = ['kb', 'mb', 'gb', 'tb', 'pb'];
  for (let i = 0; i < bytes.length; i++) {
    const p = bytes[i]!;
    const long = ['kilo', 'mega', 'giga', 'tera', 'peta'][i]!;
    if (u === p || u === p[0] + 'byte' || u === long + 'byte') return { unit: 'bytes', factor: 1024 ** (i + 1) };
  }
  return { unit: 'none', factor: 1 };
}

/**
 * Encodes stacks as a speedscope file. Identical stacks are merged; zero weights are
 * dropped. Throws a UserError when a merged weight is negative (a diff profile), which
 * speedscope cannot show.
 */
export function encodeSpeedscope(stacks: SpeedscopeStack[], opts: SpeedscopeOptions): string {
  const { unit, factor } = speedscopeUnit(opts.unit);
  const frameIds = new Map<string, number>();
  const frames: { name: string }[] = [];
  const byKey = new Map<string, number>();
  const samples: number[][] = [];
  const weights: number[] = [];
  for (const s of stacks) {
    if (s.value === 0) continue;
    const ids: number[] = new Array(s.frames.length);
    for (let i = 0; i < s.frames.length; i++) {
      const name = s.frames[i]!;
      let id = frameIds.get(name);
      if (id === undefined) {
        id = frames.length;
        frames.push({ name });
        frameIds.set(name, id);
      }
      ids[i] = id;
    }
    const key = ids.join(',');
    const at = byKey.get(key);
    if (at === undefined) {
      byKey.set(key, samples.length);
      samples.push(ids);
      weights.push(s.value * factor);
    } else {
      weights[at]! += s.value * factor;
    }
  }
  let total = 0;
  const keptSamples: number[][] = [];
  const keptWeights: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    if (w < 0) {
      throw new UserError(`speedscope cannot show negative weights (a stack sums to ${w}); write a diff as the HTML flame graph instead`);
    }
    keptSamples.push(samples[i]!);
    keptWeights.push(w);
    total += w;
  }
  const file = {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles: [
      {
        type: 'sampled',
        name: opts.name,
        unit,
        startValue: 0,
        endValue: total,
        samples: keptSamples,
        weights: keptWeights,
      },
    ],
    name: opts.name,
    activeProfileIndex: 0,
    exporter: 'goscope',
  };
  return JSON.stringify(file);
}
