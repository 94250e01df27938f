// Reads one Go execution trace with goscope's streaming reader (the one `goscope trace`
// uses: the file in 1 MiB chunks, one generation in memory at a time) and counts every
// event of the ordered stream (what Go's trace.Reader.ReadEvent yields); prints one JSON
// line {"events":N,"ms":T,"cpuMs":C} (ms: reading + ordering, without Node's start-up).
// Run under /usr/bin/time -v by bench/trace.ts for peak RSS.
//
//   node dist/bench/trace-read.js FILE
import { createReadStream } from 'node:fs';
import { readTraceStream } from '../src/formats/trace/index.js';

const [file] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/trace-read.js FILE\n');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
let n = 0;
await readTraceStream(createReadStream(file, { highWaterMark: 1 << 20 }), () => n++, { input: file });
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ events: n, ms, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
