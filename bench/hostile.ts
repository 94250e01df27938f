// Peak memory, time and disk of each command against hostile inputs (test/support/hostile.ts
// for services; a sparse 2 GB file for local input), with the default caps. Each run is
// one process under `/usr/bin/time -v`, killed at --limit-s. `--goscope DIR` runs another
// checkout's bin/goscope.js (e.g. a build of an older commit, for before/after figures).
//
//   node dist/bench/hostile.js [--goscope DIR] [--limit-s 60] [--bomb-gib 4]
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../scripts/go.js';
import { startHostile, type HostileMode } from '../test/support/hostile.js';
import { benchOut, gnuTime, opt, requireGnuTime } from './common.js';

interface Case {
  name: string;
  args: (svc: (m: HostileMode) => string, out: string, big: string) => string[];
}

const CASES: Case[] = [
  { name: 'profile --type heap · endless body', args: (s, o) => ['profile', s('endless'), '--type', 'heap', '--out', o] },
  { name: 'profile --type heap · gzip bomb', args: (s, o) => ['profile', s('bomb'), '--type', 'heap', '--out', o] },
  {
    name: 'profile --type heap · lying Content-Length (48 MiB), then silence',
    args: (s, o) => ['profile', s('lying'), '--type', 'heap', '--timeout', '3s', '--out', o],
  },
  { name: 'profile --type heap · drip 1 byte/s', args: (s, o) => ['profile', s('drip'), '--type', 'heap', '--timeout', '3s', '--out', o] },
  { name: 'leak · endless body', args: (s, o) => ['leak', s('endless'), '--samples', '6', '--interval', '200ms', '--out', o] },
  { name: 'leak · gzip bomb', args: (s, o) => ['leak', s('bomb'), '--samples', '6', '--interval', '200ms', '--out', o] },
  { name: 'diagnose · endless body', args: (s, o) => ['diagnose', s('endless'), '--seconds', '1', '--samples', '2', '--timeout', '3s', '--out', o] },
  { name: 'diagnose · gzip bomb', args: (s, o) => ['diagnose', s('bomb'), '--seconds', '1', '--samples', '2', '--timeout', '3s', '--out', o] },
  { name: 'top URL · endless body', args: (s, o) => ['top', s('endless') + 'heap', '--out', o] },
  { name: 'top URL · gzip bomb', args: (s, o) => ['top', s('bomb') + 'heap', '--out', o] },
  { name: 'top · 2 GB local file', args: (_s, _o, big) => ['top', big] },
  { name: 'goroutines URL · endless body', args: (s, o) => ['goroutines', s('endless') + 'goroutine?debug=2', '--out', o] },
  { name: 'goroutines URL · gzip bomb', args: (s, o) => ['goroutines', s('bomb') + 'goroutine?debug=2', '--out', o] },
  { name: 'trace URL · endless body', args: (s, o) => ['trace', s('endless'), '--seconds', '1', '--timeout', '3s', '--out', o] },
  { name: 'trace URL · drip 1 byte/s', args: (s, o) => ['trace', s('drip'), '--seconds', '1', '--timeout', '3s', '--out', o] },
];

interface Row {
  name: string;
  code: number | null;
  killed: boolean;
  wallMs: number;
  rssMb: number;
  diskMb: number;
  stderr: string;
}

function run(bin: string, args: string[], cwd: string, limitMs: number): Promise<{ code: number | null; killed: boolean; wallMs: number; stderr: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // Its own process group: at the limit, goscope is killed along with time(1).
    const p = spawn('/usr/bin/time', ['-v', process.execPath, bin, ...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
      detached: true,
    });
    let stderr = '';
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let killed = false;
    let hwmKb = NaN;
    const timer = setTimeout(() => {
      killed = true;
      // time(1) reports nothing when killed: read goscope's own peak (VmHWM) first.
      hwmKb = peakOfChild(p.pid!);
      process.kill(-p.pid!, 'SIGKILL');
    }, limitMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (killed) stderr += `\n\tMaximum resident set size (kbytes): ${hwmKb}\n`;
      resolve({ code, killed, wallMs: Date.now() - t0, stderr });
    });
  });
}

/** VmHWM (KiB) of the first child of `pid` (goscope under time(1)), NaN if unreadable. */
function peakOfChild(pid: number): number {
  try {
    const child = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    const status = readFileSync(`/proc/${child}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

function du(dir: string): number {
  let n = 0;
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else n += statSync(p).blocks * 512;
    }
  };
  walk(dir);
  return n;
}

async function main(): Promise<void> {
  requireGnuTime();
  const root = path.resolve(opt('--goscope', repoRoot));
  const bin = path.join(root, 'bin/goscope.js');
  const limitMs = Number(opt('--limit-s', '60')) * 1000;
  const bombBytes = Number(opt('--bomb-gib', '4')) * 1024 ** 3;
  const work = mkdtempSync(path.join(tmpdir(), 'goscope-bench-hostile-'));
  const big = path.join(work, 'big.pb.gz');
  // Sparse: 2 GB of size, no disk.
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 2e9);
  closeSync(fd);
  process.stderr.write(`bench: building a gzip bomb of ${bombBytes / 1024 ** 3} GiB…\n`);
  const server = await startHostile({ bombBytes, dripMs: 1000 });
  const rows: Row[] = [];
  try {
    for (const c of CASES) {
      const cwd = mkdtempSync(path.join(work, 'run-'));
      const out = path.join(cwd, 'caps');
      const r = await run(
        bin,
        c.args((m) => server.base(m), out, big),
        cwd,
        limitMs,
      );
      const { rssKb } = gnuTime(r.stderr);
      const message = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('goscope:'))
        .join(' / ');
      const row: Row = { name: c.name, code: r.code, killed: r.killed, wallMs: r.wallMs, rssMb: rssKb / 1024, diskMb: du(cwd) / 1e6, stderr: message };
      rows.push(row);
      process.stderr.write(
        `${c.name}: ${r.killed ? 'killed' : `exit ${r.code}`}, ${(r.wallMs / 1000).toFixed(1)} s, ${row.rssMb.toFixed(0)} MB RSS, ${row.diskMb.toFixed(1)} MB on disk\n  ${message.slice(0, 300)}\n`,
      );
      rmSync(cwd, { recursive: true, force: true });
    }
  } finally {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
  const file = path.join(benchOut(), `hostile${root === repoRoot ? '' : '-' + path.basename(root)}.json`);
  writeFileSync(file, JSON.stringify({ goscope: root, limitSeconds: limitMs / 1000, bombBytes, rows }, null, 2) + '\n');
  console.log('| case | exit | wall | peak RSS | left on disk |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.killed ? `killed at ${limitMs / 1000} s` : r.code} | ${(r.wallMs / 1000).toFixed(1)} s | ${Number.isFinite(r.rssMb) ? r.rssMb.toFixed(0) + ' MB' : '—'} | ${r.diskMb < 0.05 ? '0' : r.diskMb.toFixed(1) + ' MB'} |`,
    );
  }
  process.stderr.write(`bench: figures in ${file}\n`);
}

await main();
