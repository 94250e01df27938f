// Parse + group one goroutine dump, streamed from disk; prints a JSON line with the
// numbers. Run under /usr/bin/time -v by bench/goroutines.ts for peak RSS.
import { statSync } from 'node:fs';
import { groupFile } from '../src/cli/group-file.js';
import type { Similarity } from '../src/analysis/goroutines/group.js';

const [file, sim = 'value'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/parse-goroutines.js FILE [similarity]\n');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
// As `goscope goroutines` does: argument text only where the similarity level uses it,
// and the file split across cores (GOSCOPE_THREADS=1 for one thread).
const { info, groups } = await groupFile(file, file, statSync(file).size, sim as Similarity, { args: sim === 'pointer' || sim === 'exact' });
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(c0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(
  JSON.stringify({ ms, cpuMs, bytes: info.bytes, goroutines: info.total, groups: groups.length, mbPerSec: info.bytes / 1e6 / (ms / 1000) }) + '\n',
);
