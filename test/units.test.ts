// pprof's value formatting (src/shared/units.ts), which the terminal reports and the flame
// graph page both use, against `go tool pprof` itself for the unit spellings where the
// page once differed: a real heap profile (testdata/go/profgen) with its alloc_space unit
// renamed, so that every function's flat and cum print as pprof prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needGo } from './support/go.js';
import { pprof, profgen, topRows } from './support/pprof.js';
import { decodeProfile, encodeProfile } from '../src/formats/pprof/index.js';
import { sampleStacks } from '../src/analysis/profile/stacks.js';
import { label, percentageLabel } from '../src/shared/units.js';

test(
  'label and percentageLabel equal go tool pprof -top -unit=auto for μs (Greek mu), µs (micro sign), us, microseconds and others',
  { skip: needGo },
  async () => {
    const dir = await profgen('-cpu', '300ms');
    const work = mkdtempSync(join(tmpdir(), 'goscope-units-'));
    try {
      const original = readFileSync(join(dir, 'heap.pb.gz'));
      // Go's len("μs") is 3 bytes: the plural "s" is cut, no unit matches "μ", and pprof
      // prints the values bare; "us" and "microseconds" scale to ms and s.
      for (const unit of ['μs', 'µs', 'us', 'microseconds', 'ms', 'kilobytes', 'widgets']) {
        const p = decodeProfile(original, 'heap.pb.gz');
        const index = p.sampleTypes.findIndex((t) => t.type === 'alloc_space');
        p.sampleTypes[index] = { ...p.sampleTypes[index]!, unit };
        const file = join(work, `heap-${unit}.pb.gz`);
        writeFileSync(file, encodeProfile(p, { gzip: true }));
        const { stacks } = sampleStacks(p, { sampleIndex: 'alloc_space' });
        const total = stacks.reduce((a, s) => a + s.value, 0);
        const rows = topRows(pprof('-top', '-unit=auto', '-nodecount=1000', '-nodefraction=0', '-sample_index=alloc_space', file));
        assert.ok(rows.length >= 5, `pprof listed functions for ${unit}`);
        const want: string[] = [];
        const got: string[] = [];
        for (const row of rows) {
          const m = /^\s*(\S+)\s+(\S+%)\s+\S+%\s+(\S+)\s+(\S+%)\s+(.+?)(?: \(inline\))?$/.exec(row);
          assert.ok(m, `a pprof row: ${row}`);
          const name = m[5]!;
          let flat = 0;
          let cum = 0;
          for (const s of stacks) {
            if (s.frames[s.frames.length - 1] === name) flat += s.value;
            if (s.frames.includes(name)) cum += s.value;
          }
          want.push(`${name}: ${m[1]} ${m[2]} ${m[3]} ${m[4]}`);
          got.push(`${name}: ${label(flat, unit)} ${percentageLabel(flat, total)} ${label(cum, unit)} ${percentageLabel(cum, total)}`);
        }
        assert.deepEqual(got, want, unit);
      }
      // The case that drifted: 1500 of μs is "1500", not "1.50ms".
      assert.deepEqual([label(1500, 'μs'), label(1500, 'us'), label(1500, 'microseconds')], ['1500', '1.50ms', '1.50ms']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
