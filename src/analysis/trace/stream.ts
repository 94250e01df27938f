// A trace read as a stream, one generation at a time, into the analyses: the use case
// `goscope trace` and `goscope diagnose` share. Memory is one generation plus the
// analyses' state, whatever the trace's size.
import { readTraceStream, type OrderedEvent, type TraceHeader } from '../../formats/trace/index.js';
import { TraceAnalyzer, type TraceAnalysis } from './analyse.js';

/** Bytes read so far and events delivered, for a progress line. */
export type ReadProgress = (bytesRead: number, events: number) => void;

/** Streams the trace's events to `onEvent`, telling `onRead` after each chunk. */
export async function readTraceEvents(
  chunks: AsyncIterable<Uint8Array>,
  input: string,
  onEvent: (e: OrderedEvent) => void,
  onRead?: ReadProgress,
): Promise<TraceHeader> {
  let read = 0;
  let events = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of chunks) {
      read += c.byteLength;
      onRead?.(read, events);
      yield c;
    }
  }
  return readTraceStream(
    onRead ? counted() : chunks,
    (e) => {
      events++;
      onEvent(e);
    },
    { input },
  );
}

/** Every analysis of a trace in one streaming pass; the timeline only when asked for. */
export async function analyseTraceStream(
  chunks: AsyncIterable<Uint8Array>,
  input: string,
  opts: { timeline?: boolean; onRead?: ReadProgress } = {},
): Promise<{ analysis: TraceAnalysis; header: TraceHeader }> {
  const an = new TraceAnalyzer({ timeline: opts.timeline });
  const header = await readTraceEvents(chunks, input, (e) => an.add(e), opts.onRead);
  return { analysis: an.finish(), header };
}
