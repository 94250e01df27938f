// The checked-in fixtures (testdata/fixtures/): their manifest, written by `npm run
// fixtures` (scripts/fixtures.ts), and the files it lists. Pure (no Go): the unit tests
// read the fixtures through it, the oracle test re-runs the references it names.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'testdata', 'go')) && existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('test/support/fixtures: no testdata/go above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export const FIXTURES_DIR = path.join(findRoot(), 'testdata', 'fixtures');

export type FixtureKind = 'pprof' | 'goroutines' | 'trace' | 'metrics' | 'logs' | 'otlp';

/** A reference answer recorded next to a fixture: which tool, the exact command, the file it went to. */
export interface Reference {
  /** Relative to testdata/fixtures/. */
  file: string;
  /** "go tool pprof", "go tool trace", "dump tally", "metricsgen -truth", "loggen -truth", "otlpgen -truth". */
  tool: string;
  /** The command as run (FILE: the fixture; from testdata/fixtures/). */
  command: string;
  /** For go tool pprof: the -sample_index. */
  sampleIndex?: string;
  sha256: string;
}

export interface Fixture {
  /** Relative to testdata/fixtures/. */
  file: string;
  kind: FixtureKind;
  /** The program that wrote it: "testdata/go/profgen". */
  program: string;
  args: string[];
  /** Runtime environment set for the program (nothing else of the caller's is inherited). */
  env: Record<string, string>;
  /** `go version` of the toolchain that built the program (and ran the references). */
  go: string;
  /** 'local' (the installed Go) or the GOTOOLCHAIN it was built with. */
  toolchain: string;
  /** The module's `go` line when it was changed for the build ("1.27"). */
  goDirective?: string;
  sha256: string;
  bytes: number;
  /** Where the program wrote it: its stdout, its stderr (a crash), or a file it was given. */
  output: 'stdout' | 'stderr' | 'file';
  /**
   * Whether the same program and Go write the same bytes each run (else the runtime's
   * timing, addresses, ids or the clock vary); the oracle test re-runs those programs.
   */
  deterministic: boolean;
  references: Reference[];
  note?: string;
}

export interface Manifest {
  generatedBy: string;
  fixtures: Fixture[];
}

export function readManifest(): Manifest {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'manifest.json'), 'utf8')) as Manifest;
}

export function fixturePath(rel: string): string {
  return path.join(FIXTURES_DIR, rel);
}

export function readFixture(rel: string): Buffer {
  return readFileSync(fixturePath(rel));
}

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}
