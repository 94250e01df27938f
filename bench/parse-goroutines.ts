// Parse + group one goroutine dump, streamed from disk; prints a JSON line with the
// numbers. Run under /usr/bin/time -v by bench/goroutines.ts for peak RSS.
import { readFileChunks } from '../src/collect/acquire.js';
import { parseGoroutines } from '../src/formats/goroutines/parse.js';
import { Grouper, type Similarity } from '../src/analysis/goroutines/group.js';

const [file, sim = 'pointer'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist/bench/parse-goroutines.js FILE [similarity]\n');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const gr = new Grouper(sim as Similarity);
// As `goscope goroutines` does: argument text only where the similarity level uses it.
const info = await parseGoroutines(readFileChunks(file), file, (g) => gr.add(g), { args: sim === 'pointer' || sim === 'exact' });
const groups = gr.groups();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(c0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(JSON.stringify({ ms, cpuMs, bytes: info.bytes, goroutines: info.total, groups: groups.length, mbPerSec: info.bytes / 1e6 / (ms / 1000) }) + '\n');
