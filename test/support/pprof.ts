// The references the profile tests compare against: `go tool pprof` (run as the binary
// `go tool -n pprof` names: starting `go tool` costs more than most reports), of the
// installed Go or of NEWER_GO, and real profiles from testdata/go/profgen.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGo, goEnv, type BuildOptions, type Toolchain } from './go.js';

const pprofPaths = new Map<Toolchain, string[]>();
/** The command running pprof of `toolchain`: the pprof binary itself, else `go tool pprof`. */
export function pprofCommand(toolchain: Toolchain = 'local'): string[] {
  let cmd = pprofPaths.get(toolchain);
  if (cmd === undefined) {
    const r = spawnSync('go', ['tool', '-n', 'pprof'], { env: goEnv(undefined, toolchain), encoding: 'utf8', timeout: 300_000 });
    const bin = r.status === 0 ? r.stdout.trim() : '';
    cmd = bin !== '' && existsSync(bin) ? [bin] : ['go', 'tool', 'pprof'];
    pprofPaths.set(toolchain, cmd);
  }
  return cmd;
}

/** Runs pprof (of `toolchain`, default the installed Go) and returns what it printed, whatever its exit status. */
export function runPprof(args: string[], input?: string, toolchain: Toolchain = 'local'): { stdout: string; stderr: string; status: number | null } {
  const [cmd, ...pre] = pprofCommand(toolchain);
  // TZ read now: a test may set it (pprof prints the profile's time in local time).
  const r = spawnSync(cmd!, [...pre, ...args], {
    env: goEnv(undefined, toolchain),
    encoding: 'utf8',
    input,
    maxBuffer: 256 << 20,
    timeout: 300_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/**
 * One interactive pprof session running `commands` (one per line); returns what each
 * line printed on stdout. Interactive reports have no profile header (File/Type/…) but
 * are otherwise the -top/-peek text.
 */
export function pprofSession(file: string, commands: string[], toolchain: Toolchain = 'local'): string[] {
  const r = runPprof([file], commands.join('\n') + '\n', toolchain);
  assert.equal(r.status, 0, r.stderr);
  // Each line is read after a "(pprof) " prompt: the text between prompts is its output.
  const parts = r.stdout.split('(pprof) ');
  return parts.slice(1, commands.length + 1);
}

const ROW = /^\s*(\S+) +(\S+%) +(\S+%) +(\S+) +(\S+%)  (.*)$/;

export interface TopText {
  /** "Active filters:"…, "Showing nodes accounting for…", "Dropped…", "Showing top…". */
  summary: string[];
  rows: string[];
}

/** The summary lines and rows of a -top text (interactive or not). */
export function parseTop(text: string): TopText {
  const lines = text.split('\n').filter((l) => l !== '');
  const title = lines.findIndex((l) => l.trim() === 'flat  flat%   sum%        cum   cum%');
  assert.ok(title >= 0, `no column titles in:\n${text}`);
  const firstSummary = lines.findIndex((l) => l === 'Active filters:' || l.startsWith('Showing nodes accounting for'));
  return { summary: lines.slice(firstSummary, title), rows: lines.slice(title + 1) };
}

/**
 * Rows with each group of pprof's sort ties in a fixed order. pprof sorts by |flat|, then
 * by name, and stops there (NodeInfo.comparePrintableName never reports two different
 * nodes equal, so the cum and NodeInfo tie-breaks after it never run): rows with the same
 * |flat| and the same name come out in the order of a Go map iteration, a different one
 * at each run. That happens at -files granularity, where pprof keeps one node per
 * function (name cleared, start line kept) and prints them all under the file's name.
 * Equal flats make the sum% sequence the same in any order, so it is kept by position; a
 * tie of +x and -x (a diff) changes the running sum with the order, so there only the sum
 * after the whole group is compared.
 */
export function canonicalRows(rows: string[]): string[] {
  const parsed = rows.map((r) => {
    const m = ROW.exec(r);
    assert.ok(m, `not a row: ${JSON.stringify(r)}`);
    return { line: r, flat: m[1]!, sum: m[3]!, name: m[6]!.replace(/ \((partial-)?inline\)$/, '') };
  });
  const abs = (f: string): string => f.replace(/^-/, '');
  const out: string[] = [];
  for (let i = 0; i < parsed.length;) {
    let j = i + 1;
    while (j < parsed.length && abs(parsed[j]!.flat) === abs(parsed[i]!.flat) && parsed[j]!.name === parsed[i]!.name) j++;
    const group = parsed.slice(i, j);
    const sums = group.map((g) => g.sum);
    const bodies = group.map((g) => g.line.replace(ROW, (_m, f, fp, _s, c, cp, n) => `${f} ${fp} @ ${c} ${cp}  ${n}`)).sort();
    if (group.every((g) => g.flat === group[0]!.flat)) bodies.forEach((b, k) => out.push(b.replace(' @ ', ` ${sums[k]} `)));
    else {
      bodies.forEach((b) => out.push(b.replace(' @ ', ' ? ')));
      out.push(`sum after the tie: ${sums[sums.length - 1]}`);
    }
    i = j;
  }
  return out;
}

/** Asserts two -top texts have the same summary lines and the same rows, up to pprof's random order within ties. */
export function assertSameTop(got: string, want: string, what: string): void {
  const g = parseTop(got);
  const w = parseTop(want);
  assert.deepEqual(g.summary, w.summary, `${what}: summary lines`);
  assert.deepEqual(canonicalRows(g.rows), canonicalRows(w.rows), `${what}: rows`);
}

/** pprof's stdout; a failure throws with the first line of its stderr. */
export function pprof(...args: string[]): string {
  const r = runPprof(args);
  if (r.status !== 0) throw new Error(`go tool pprof ${args.join(' ')}: ${r.stderr.split('\n')[0]}`);
  return r.stdout;
}

/** The table rows of a -top report: every non-empty line after the "flat  flat%" header. */
export function topRows(text: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%/.test(l));
  if (i < 0) throw new Error(`no -top header in:\n${text}`);
  return lines.slice(i + 1).filter((l) => l.trim() !== '');
}

const runs = new Map<string, Promise<string>>();
const dirs: string[] = [];
process.once('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The folder of profiles testdata/go/profgen writes with `args` (once per process and
 * argument list): cpu, cpu2, heap, mutex, block, goroutine (.pb.gz), plus deep and
 * generic with -extra.
 */
export function profgen(...args: string[]): Promise<string> {
  return profgenWith({}, ...args);
}

/** profgen built with other options (a toolchain and go line: { toolchain: NEWER_GO, goDirective: '1.27' }). */
export function profgenWith(build: BuildOptions, ...args: string[]): Promise<string> {
  const key = [build.toolchain ?? 'local', build.goDirective ?? '', ...args].join('\u0000');
  let run = runs.get(key);
  if (!run) {
    run = (async () => {
      const bin = await buildGo('testdata/go/profgen', build);
      const dir = mkdtempSync(join(tmpdir(), 'goscope-profgen-'));
      dirs.push(dir);
      execFileSync(bin, ['-out', dir, ...args], { env: goEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      return dir;
    })();
    runs.set(key, run);
  }
  return run;
}
