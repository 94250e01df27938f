// `npm run fixtures`: regenerates testdata/fixtures/ — small profiles, goroutine dumps, an
// execution trace, Prometheus expositions, a mixed log and OTLP JSON Lines, each written by
// the project's own programs under testdata/go/ (built with -trimpath, so no checkout path
// is in them) with the installed Go and, where the output differs, Go 1.27 — and beside
// each the reference's answer recorded now: `go tool pprof -top` for every sample type,
// `go tool trace -d=parsed` as a digest, the runtime's own records and headers tallied for
// dumps, the generators' truth files for metrics, logs and OTLP. Then manifest.json and
// README.md. Every name, argument and environment is fixed; the bytes are the same on each
// run only where the runtime allows (manifest `deterministic`).
//
//   node dist/scripts/fixtures.js [--no-go127]
process.env.TZ = 'UTC'; // pprof prints the profile's time in local time

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildGo, goEnv, NEWER_GO, newerGoUnavailable, repoRoot, type BuildOptions, type Toolchain } from './go.js';
import { runLines, runPprof } from './go-tools.js';
import { decodeProfile } from '../src/formats/pprof/index.js';
import { startReceiver } from '../src/collect/otlp/receiver.js';
import { tallyDump } from '../test/support/dump-tally.js';
import { TraceDigester } from '../test/support/trace-digest.js';
import { sha256, type Fixture, type Manifest, type Reference } from '../test/support/fixtures.js';

const FINAL = path.join(repoRoot, 'testdata', 'fixtures');
// Written beside the real folder and swapped in at the end: a failed run leaves the
// checked-in fixtures as they were.
const OUT = `${FINAL}.new-${process.pid}`;
const GO127: BuildOptions = { toolchain: NEWER_GO, goDirective: '1.27', trimpath: true };
const LOCAL: BuildOptions = { trimpath: true };

const fixtures: Fixture[] = [];
const versionLines = new Map<Toolchain, string>();

function goVersionLine(toolchain: Toolchain): string {
  let v = versionLines.get(toolchain);
  if (v === undefined) {
    v = execFileSync('go', ['version'], { env: goEnv(undefined, toolchain), encoding: 'utf8' }).trim();
    versionLines.set(toolchain, v);
  }
  return v;
}

/** Short name of a toolchain's Go for file names: "go1.26", "go1.27". */
function goTag(toolchain: Toolchain): string {
  return /go(\d+\.\d+)/.exec(goVersionLine(toolchain))![0];
}

function write(rel: string, data: Uint8Array | string): { sha256: string; bytes: number } {
  const file = path.join(OUT, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
  writeFileSync(file, buf);
  return { sha256: sha256(buf), bytes: buf.length };
}

function ref(rel: string, data: string, tool: string, command: string, extra: Partial<Reference> = {}): Reference {
  return { file: rel, tool, command, ...extra, sha256: write(rel, data).sha256 };
}

interface Ran {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
}

/** Runs a built fixture program with exactly `env` on top of goEnv's (no runtime knob inherited). */
function runProgram(bin: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: goEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code });
    });
  });
}

function add(f: Omit<Fixture, 'go' | 'toolchain' | 'sha256' | 'bytes'>, data: Uint8Array | string, build: BuildOptions): void {
  const toolchain = build.toolchain ?? 'local';
  const w = write(f.file, data);
  fixtures.push({
    ...f,
    go: goVersionLine(toolchain),
    toolchain,
    ...(build.goDirective ? { goDirective: build.goDirective } : {}),
    ...w,
  });
  process.stdout.write(`  ${f.file} (${w.bytes} bytes)\n`);
}

// ---------------------------------------------------------------------------

const PROFILES = ['cpu', 'heap', 'goroutine', 'mutex', 'block'];

async function profiles(build: BuildOptions): Promise<void> {
  const tag = goTag(build.toolchain ?? 'local');
  const bin = await buildGo('testdata/go/profgen', build);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'goscope-fixtures-profgen-'));
  try {
    const r = await runProgram(bin, ['-out', tmp]);
    if (r.code !== 0) throw new Error(`profgen: exit ${r.code}: ${r.stderr.toString()}`);
    for (const name of PROFILES) {
      const rel = `pprof/${name}.${tag}.pb.gz`;
      const buf = readFileSync(path.join(tmp, `${name}.pb.gz`));
      write(rel, buf);
      const references: Reference[] = [];
      for (const st of decodeProfile(buf, rel).sampleTypes) {
        const index = st.type;
        const r = runPprof(['-top', `-sample_index=${index}`, path.join(OUT, rel)], undefined, build.toolchain);
        if (r.status !== 0) throw new Error(`go tool pprof -top ${rel}: ${r.stderr}`);
        references.push(
          ref(`${rel}.top.${index}.txt`, r.stdout, 'go tool pprof', `TZ=UTC go tool pprof -top -sample_index=${index} ${rel}`, { sampleIndex: index }),
        );
      }
      add(
        {
          file: rel,
          kind: 'pprof',
          program: 'testdata/go/profgen',
          args: ['-out', 'DIR'],
          env: {},
          deterministic: false,
          output: 'file',
          references,
          note: `DIR/${name}.pb.gz, as runtime/pprof wrote it (gzipped)`,
        },
        buf,
        build,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface DumpCase {
  name: string;
  mode: string;
  env: Record<string, string>;
  stream: 'stdout' | 'stderr';
  exit: number;
  /** The same bytes on every run of the same binary (no ids, clock or moving addresses). */
  deterministic: boolean;
  note: string;
}

const DUMPS: DumpCase[] = [
  { name: 'debug1', mode: 'debug1', env: {}, stream: 'stdout', exit: 0, deterministic: true, note: 'pprof.Lookup("goroutine").WriteTo(w, 1)' },
  { name: 'debug2', mode: 'debug2', env: {}, stream: 'stdout', exit: 0, deterministic: false, note: 'pprof.Lookup("goroutine").WriteTo(w, 2)' },
  {
    name: 'panic-single',
    mode: 'panic',
    env: {},
    stream: 'stderr',
    exit: 2,
    deterministic: true,
    note: 'an unrecovered panic, GOTRACEBACK unset (single: the panicking goroutine only)',
  },
  {
    name: 'panic-all',
    mode: 'panic',
    env: { GOTRACEBACK: 'all' },
    stream: 'stderr',
    exit: 2,
    deterministic: false,
    note: 'an unrecovered panic with every user goroutine',
  },
  {
    name: 'panic-system',
    mode: 'panic',
    env: { GOTRACEBACK: 'system' },
    stream: 'stderr',
    exit: 2,
    deterministic: false,
    note: 'an unrecovered panic with runtime goroutines and frames, gp=/m= headers, fp/sp/pc',
  },
];

async function dumps(build: BuildOptions, names: string[]): Promise<void> {
  const toolchain = build.toolchain ?? 'local';
  const tag = goTag(toolchain);
  const bin = await buildGo('testdata/go/dumpgen', build);
  for (const d of DUMPS.filter((x) => names.includes(x.name))) {
    const r = await runProgram(bin, ['-mode', d.mode], d.env);
    if (r.code !== d.exit) throw new Error(`dumpgen -mode ${d.mode}: exit ${r.code}, want ${d.exit}: ${r.stderr.toString().slice(0, 2000)}`);
    const rel = `goroutines/${d.name}.${tag}.txt`;
    const text = r[d.stream];
    write(rel, text);
    const references = [
      ref(`${rel}.tally.json`, JSON.stringify(tallyDump(text.toString('utf8')), null, 1) + '\n', 'dump tally', `test/support/dump-tally.ts tallyDump(${rel})`),
    ];
    add(
      {
        file: rel,
        kind: 'goroutines',
        program: 'testdata/go/dumpgen',
        args: ['-mode', d.mode],
        env: d.env,
        deterministic: d.deterministic,
        output: d.stream,
        references,
        note: `${d.stream}: ${d.note}`,
      },
      text,
      build,
    );
  }
}

const TRACE_TARGET = 200_000;
const TRACE_RUNS = 6;

async function trace(build: BuildOptions): Promise<void> {
  const toolchain = build.toolchain ?? 'local';
  const tag = goTag(toolchain);
  const bin = await buildGo('testdata/go/tracegen', build);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'goscope-fixtures-trace-'));
  try {
    // One round's trace is 0.1–5 MB: the background sweeper yields once per span whenever
    // no P is idle, which depends on the machine's load. Keep the smallest of a few runs,
    // stopping at the first under TRACE_TARGET.
    let best: Buffer | null = null;
    for (let i = 0; i < TRACE_RUNS && (best === null || best.length > TRACE_TARGET); i++) {
      const file = path.join(tmp, `trace-${i}.out`);
      const r = await runProgram(bin, ['-out', file, '-rounds', '1']);
      if (r.code !== 0) throw new Error(`tracegen: exit ${r.code}: ${r.stderr.toString()}`);
      const buf = readFileSync(file);
      if (best === null || buf.length < best.length) best = buf;
    }
    const buf = best!;
    const rel = `trace/tracegen.${tag}.trace`;
    write(rel, buf);
    const d = new TraceDigester();
    await runLines('go', ['tool', 'trace', '-d=parsed', path.join(OUT, rel)], (l) => d.line(l), 120_000, toolchain);
    const references = [
      ref(`${rel}.digest.json`, JSON.stringify(d.digest(), null, 1) + '\n', 'go tool trace', `go tool trace -d=parsed ${rel} | test/support/trace-digest.ts`),
    ];
    add(
      {
        file: rel,
        kind: 'trace',
        program: 'testdata/go/tracegen',
        args: ['-out', 'FILE', '-rounds', '1'],
        env: {},
        deterministic: false,
        output: 'file',
        references,
        note: 'runtime/trace of one round (goroutine churn, channels, a contended mutex, loopback TCP, files, sleep, GC, CPU burn under the CPU profiler); the smallest of up to 6 runs (the first under 200 KB): the size follows the load, as the background sweeper yields once per span when no P is idle',
      },
      buf,
      build,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const EXPOSITIONS: Array<{ format: string; name: string; deterministic: boolean }> = [
  { format: 'text', name: 'fixed.prom.txt', deterministic: true },
  // _created samples (OpenMetrics) and created timestamps (protobuf) are the time of the run.
  { format: 'openmetrics', name: 'fixed.openmetrics.txt', deterministic: false },
  { format: 'protobuf', name: 'fixed.pb', deterministic: false },
];

async function metrics(): Promise<void> {
  const bin = await buildGo('testdata/go/metricsgen', LOCAL);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'goscope-fixtures-metrics-'));
  try {
    const truthFile = path.join(tmp, 'truth.jsonl');
    let truthRef: Reference | null = null;
    for (const e of EXPOSITIONS) {
      const r = await runProgram(bin, ['-write', e.format, '-truth', truthFile, '/fixed']);
      if (r.code !== 0) throw new Error(`metricsgen -write ${e.format}: exit ${r.code}: ${r.stderr.toString()}`);
      truthRef ??= ref(
        'metrics/fixed.truth.jsonl',
        readFileSync(truthFile, 'utf8'),
        'metricsgen -truth',
        'metricsgen -write text -truth FILE /fixed (the registry gathered as dto)',
      );
      add(
        {
          file: `metrics/${e.name}`,
          kind: 'metrics',
          program: 'testdata/go/metricsgen',
          args: ['-write', e.format, '-truth', 'FILE', '/fixed'],
          env: {},
          deterministic: e.deterministic,
          output: 'stdout',
          references: [truthRef],
          note: `client_golang's ${e.format} exposition of the /fixed registry (promhttp, as served)`,
        },
        r.stdout,
        LOCAL,
      );
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function logs(): Promise<void> {
  const bin = await buildGo('testdata/go/loggen', LOCAL);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'goscope-fixtures-logs-'));
  try {
    const log = path.join(tmp, 'all.log');
    const truth = path.join(tmp, 'all.truth.jsonl');
    const r = await runProgram(bin, ['-mode', 'all', '-out', log, '-truth', truth]);
    if (r.code !== 0) throw new Error(`loggen: exit ${r.code}: ${r.stderr.toString()}`);
    const references = [ref('logs/all.truth.jsonl', readFileSync(truth, 'utf8'), 'loggen -truth', 'loggen -mode all -out FILE -truth TRUTH')];
    add(
      {
        file: 'logs/all.log',
        kind: 'logs',
        program: 'testdata/go/loggen',
        args: ['-mode', 'all', '-out', 'FILE', '-truth', 'TRUTH'],
        env: {},
        deterministic: false,
        output: 'file',
        references,
        note: 'slog JSON and text, zap JSON and console, logrus JSON and text, zerolog, log; recovered panics with stacks',
      },
      readFileSync(log),
      LOCAL,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function otlp(): Promise<void> {
  const bin = await buildGo('testdata/go/otlpgen', LOCAL);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'goscope-fixtures-otlp-'));
  try {
    const receiver = await startReceiver({ httpListen: '127.0.0.1:0', grpcListen: null, outDir: tmp });
    const truth = path.join(tmp, 'truth.jsonl');
    let r: Ran;
    try {
      r = await runProgram(bin, ['-export', `http://${receiver.httpAddress}`, '-traces', '3', '-logs', '-truth', truth]);
    } finally {
      await receiver.close();
    }
    if (r.code !== 0) throw new Error(`otlpgen: exit ${r.code}: ${r.stderr.toString()}`);
    const files = readdirSync(tmp)
      .filter((f) => /^(traces|logs)(-\d+)?\.jsonl$/.test(f))
      .sort((a, b) => (a.startsWith('traces') === b.startsWith('traces') ? (a < b ? -1 : 1) : a.startsWith('traces') ? -1 : 1));
    const jsonl = files.map((f) => readFileSync(path.join(tmp, f), 'utf8')).join('');
    const references = [ref('otlp/otlpgen.truth.jsonl', readFileSync(truth, 'utf8'), 'otlpgen -truth', 'otlpgen -export URL -traces 3 -logs -truth TRUTH')];
    add(
      {
        file: 'otlp/otlpgen.otlp.jsonl',
        kind: 'otlp',
        program: 'testdata/go/otlpgen',
        args: ['-export', 'URL', '-traces', '3', '-logs', '-truth', 'TRUTH'],
        env: {},
        deterministic: false,
        output: 'file',
        references,
        note: "the OpenTelemetry Go SDK's OTLP/HTTP protobuf requests, as goscope's receiver (src/collect/otlp) writes them: one request per line, traces then logs",
      },
      jsonl,
      LOCAL,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------

function md(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function readme(m: Manifest): string {
  const kb = (n: number): string => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);
  const total = m.fixtures.reduce((n, f) => n + f.bytes, 0);
  const refBytes = m.fixtures
    .flatMap((f) => f.references)
    .reduce((n, r, i, all) => (all.findIndex((x) => x.file === r.file) === i ? n + readFileSync(path.join(OUT, r.file)).length : n), 0);
  const rows = m.fixtures.map((f) => {
    const env = Object.entries(f.env)
      .map(([k, v]) => `${k}=${v} `)
      .join('');
    const refs = [...new Set(f.references.map((r) => r.tool))].join(', ');
    const build = f.toolchain === 'local' ? '' : ` (GOTOOLCHAIN=${f.toolchain}, go.mod \`go ${f.goDirective}\`)`;
    return `| \`${f.file}\` | ${kb(f.bytes)} | \`${md(env + f.program.replace('testdata/go/', '') + ' ' + f.args.join(' '))}\` | ${f.go.replace('go version ', '')}${build} | ${refs} (${f.references.length}) | ${f.deterministic ? 'yes' : 'no'} | ${md(f.note ?? '')} |`;
  });
  return `# Checked-in fixtures

Small files written by the project's own programs (\`testdata/go/\`), with the answer of a
reference recorded beside each when it was written, so the codec and parser tests run
where Go is missing (\`npm run test:unit\`: \`test/fixtures-pprof.test.ts\`,
\`test/fixtures-trace.test.ts\`, \`test/fixtures-formats.test.ts\`), and
\`test/fixtures-oracle.test.ts\` (oracle group, with Go) re-runs the references on these
files to catch a stale fixture. Nothing here is hand-written or edited.

Regenerate everything with \`npm run fixtures\` (\`scripts/fixtures.ts\`; \`npm run fixtures -- --no-go127\`
skips Go 1.27.3): it builds each program with \`-trimpath\` (file paths in the output are module
paths, the same from any checkout), runs it with no \`GOTRACEBACK\`, \`GODEBUG\`,
\`GOMAXPROCS\`, \`GOEXPERIMENT\`, \`GOGC\` or \`GOMEMLIMIT\` but those listed, records the
references and rewrites \`manifest.json\` (file, program, arguments, environment, \`go
version\` line, sha256, bytes, references with their commands and sha256) and this
README. Names, arguments and environments are fixed; the bytes are the same each run only
where the runtime allows ("same bytes" below): CPU samples, addresses, goroutine ids,
timestamps and ids vary.

Written on ${os.platform()}/${os.arch()}, ${os.cpus().length} CPUs. ${m.fixtures.length} fixtures, ${kb(total)}; references ${kb(refBytes)}.

## References

- \`go tool pprof\`: \`TZ=UTC go tool pprof -top -sample_index=S FILE\` of the same Go, for
  every sample type S of the profile (\`FILE.top.S.txt\`). The unit test requires
  goscope's \`top\` text to equal it verbatim, header included.
- \`go tool trace\`: \`go tool trace -d=parsed FILE\` of the same Go, digested by
  \`test/support/trace-digest.ts\` (\`FILE.digest.json\`): per generation, the number of
  events of each kind, state transitions by resource and transition. The whole dump is
  not kept (17 MB of text for a 290 KB trace).
- dump tally: no Go tool reads goroutine dumps, so the reference is what the runtime
  printed, tallied line by line by \`test/support/dump-tally.ts\` (\`FILE.tally.json\`):
  for tracebacks every \`goroutine N [status]:\` header (status, Go 1.27's \`{labels}\`),
  its function lines and \`created by\` line, and the crash's first line; for debug=1 the
  runtime's own records (\`N @ …\`, \`# labels:\`, frames) and \`goroutine profile: total N\`.
- truth files: \`metricsgen -truth\` (the client_golang registry gathered as dto, before
  any format: one file for the three expositions), \`loggen -truth\` (what each logging
  call wrote, testdata/go/loggen/README.md), \`otlpgen -truth\` (the spans and records the
  OpenTelemetry SDK exported).

## Files

| file | size | program and arguments (testdata/go/…) | Go | reference (files) | same bytes | what |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Go 1.27.3 is used where its output differs from Go 1.26's: goroutine dumps (a module
saying \`go 1.27\` gets pprof labels in traceback headers). Its profiles and traces are
not checked in: Go 1.27 writes the same pprof encoding and the same trace format (its
header says go 1.26; see test/profile-go127.test.ts and test/trace-go127.test.ts, which
compare with Go 1.27's own tools at test time).
`;
}

async function main(): Promise<void> {
  const go127 = !process.argv.includes('--no-go127');
  const newer = go127 ? newerGoUnavailable() : 'skipped (--no-go127)';
  mkdirSync(OUT, { recursive: true });
  process.stdout.write(`writing ${path.relative(process.cwd(), FINAL) || FINAL} with ${goVersionLine('local')}\n`);
  await profiles(LOCAL);
  await dumps(
    LOCAL,
    DUMPS.map((d) => d.name),
  );
  await trace(LOCAL);
  await metrics();
  await logs();
  await otlp();
  if (newer === false) await dumps(GO127, ['debug2', 'panic-all']);
  else process.stdout.write(`Go 1.27 fixtures not written: ${newer}\n`);
  const manifest: Manifest = { generatedBy: 'npm run fixtures (scripts/fixtures.ts)', fixtures };
  writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  writeFileSync(path.join(OUT, 'README.md'), readme(manifest));
  rmSync(FINAL, { recursive: true, force: true });
  renameSync(OUT, FINAL);
  process.stdout.write(`${fixtures.length} fixtures\n`);
}

main().catch((e: unknown) => {
  rmSync(OUT, { recursive: true, force: true });
  process.stderr.write(`fixtures: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
