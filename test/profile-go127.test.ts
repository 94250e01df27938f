// Profiles written by Go 1.27 (NEWER_GO, with `go 1.27` in the fixtures' go.mod): goscope's
// top reads them as Go 1.27's own `go tool pprof` does. profgen's profiles (every sample
// type and granularity, through one pprof session per profile) and the demo service's
// profiles captured over HTTP by goscope (heap, allocs, goroutine, mutex, block and the
// goroutineleak profile Go 1.27 serves by default): same rows, same order, same numbers,
// the -top text verbatim at the defaults.
//
// Go 1.27 changes nothing in the pprof format or in Go 1.27's pprof reports that goscope
// mirrors; these tests say so with real files. They skip with the reason when Go 1.27
// cannot be downloaded.
process.env.TZ = 'UTC';

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProfile, type Profile } from '../src/formats/pprof/index.js';
import { top, type Granularity, type TopOptions } from '../src/analysis/profile/index.js';
import { renderTopText } from '../src/report/top.js';
import { style } from '../src/report/term.js';
import { goscope } from './support/cli.js';
import { NEWER_GO, newerGoUnavailable, startDemo, type Demo } from './support/go.js';
import { assertSameTop, pprofSession, profgenWith, runPprof } from './support/pprof.js';

const GO127 = { toolchain: NEWER_GO, goDirective: '1.27' } as const;
const GRANULARITIES: Granularity[] = ['functions', 'filefunctions', 'files', 'lines', 'addresses'];
const plain = style(false);
const work = mkdtempSync(join(tmpdir(), 'goscope-go127-profiles-'));
let skip: string | false = false;
let demo: Demo | null = null;

before(() => {
  skip = newerGoUnavailable();
});

after(async () => {
  await demo?.stop();
  rmSync(work, { recursive: true, force: true });
});

function load(file: string): Profile {
  return decodeProfile(readFileSync(file), file);
}

/** Every sample type × granularity of `file` through one Go 1.27 pprof session, against goscope's top. */
function compareAll(file: string): void {
  const p = load(file);
  const cases: TopOptions[] = [];
  // Interactive top shows 10 rows unless told otherwise; -top shows all.
  const commands: string[] = ['nodecount=0'];
  const at: number[] = [];
  for (let si = 0; si < p.sampleTypes.length; si++) {
    for (const granularity of GRANULARITIES) {
      cases.push({ sampleIndex: String(si), granularity });
      commands.push(`sample_index=${si}`, `granularity=${granularity}`);
      at.push(commands.length);
      commands.push('top');
    }
  }
  const outputs = pprofSession(file, commands, NEWER_GO);
  cases.forEach((opts, i) => assertSameTop(renderTopText(top(p, opts), p, plain), outputs[at[i]!]!, `${file} ${JSON.stringify(opts)}`));
}

test('profgen built with Go 1.27: top = Go 1.27 go tool pprof, every profile, sample type and granularity', async (t) => {
  if (skip) return t.skip(skip);
  const dir = await profgenWith(GO127, '-extra');
  for (const name of ['cpu', 'cpu2', 'heap', 'mutex', 'block', 'goroutine', 'deep', 'generic']) {
    const file = join(dir, `${name}.pb.gz`);
    compareAll(file);
    // At the defaults the whole text, header included (Go 1.27's File/Build ID/Time lines).
    const want = runPprof(['-top', file], undefined, NEWER_GO);
    assert.equal(want.status, 0, want.stderr);
    assert.equal(renderTopText(top(load(file), {}), load(file), plain), want.stdout, file);
  }
  // Generic names: Go 1.27 shortens them as Go 1.26 does.
  const names = top(load(join(dir, 'generic.pb.gz')), { nodefraction: 0 }).rows.map((r) => r.name);
  assert.ok(names.includes('main.apply[go.shape.func uint64]'), names.join(', '));
});

test('the demo built with Go 1.27: profiles captured by goscope = Go 1.27 go tool pprof -top', async (t) => {
  if (skip) return t.skip(skip);
  demo = await startDemo({ ...GO127, timeoutMs: 60_000 });
  const out = join(work, 'caps');
  const kinds = ['heap', 'allocs', 'goroutine', 'mutex', 'block', 'goroutineleak'];
  for (const kind of kinds) {
    const r = await goscope(['top', `${demo.url}/debug/pprof/${kind}`, '--out', out], { env: { TZ: 'UTC' }, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
    const file = join(out, `${kind}.pb.gz`);
    assert.ok(existsSync(file), `${kind} saved as ${file}`);
    const want = runPprof(['-top', file], undefined, NEWER_GO);
    assert.equal(want.status, 0, want.stderr);
    assert.equal(r.stdout, want.stdout, kind);
    if (kind === 'goroutineleak') assert.match(r.stdout, /^Type: goroutineleak$/m);
  }
});
