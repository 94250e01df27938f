// A real third-party service: Caddy v2.11.9 as a reverse proxy in front of the demo's
// 200 ms endpoint, with a traffic ramp (4, 8, … 36 kept-alive clients) while goscope
// samples Caddy's admin endpoint. The in-flight requests wait in
// reverseproxy.(*HTTPTransport).RoundTrip and grow with the load: goscope leak must find
// no suspects (they turn over), and diagnose must say the same, with the hint for
// Caddy's disabled mutex and block profiles naming the execution trace (Caddy's code
// cannot be changed to enable them). Skips with a message when Caddy cannot be built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { goscope } from './support/cli.js';
import { needGo, startDemo } from './support/go.js';
import { caddyBinary, startCaddy, type Caddy } from './support/caddy.js';
import { startRamp } from '../scripts/ramp.js';

interface NotLeakJson {
  reason: string;
  blockingSite: { function: string } | null;
  persistence: { followed: number; stayed: number; returned: number; gone: number } | null;
}

test(
  'Caddy reverse proxy under a traffic ramp: no leak suspects; diagnose agrees and names the trace for its disabled profiles',
  { skip: needGo, timeout: 400_000 },
  async (t) => {
    const { bin, skip } = await caddyBinary();
    if (bin === null) return t.skip(skip);
    const dir = mkdtempSync(path.join(tmpdir(), 'goscope-caddy-'));
    const demo = await startDemo();
    let caddy: Caddy | null = null;
    let ramp: ReturnType<typeof startRamp> | null = null;
    try {
      const upstream = new URL(demo.url).host;
      caddy = await startCaddy(bin, { sites: [() => `rewrite * /ramp/slow?ms=200\nreverse_proxy ${upstream}`], readyPath: '/' });
      ramp = startRamp(caddy.sites[0]!, '/', { concurrency: 4 });
      await sleep(1000);
      const stepping = ramp.stepUp(4, 36, 1000);
      const r = await goscope(['leak', caddy.admin, '--interval', '1s', '--samples', '9', '--json', '--out', path.join(dir, 'leak')], { timeoutMs: 120_000 });
      await stepping;
      assert.equal(r.code, 0, `no suspects, exit 0\n${r.stdout.slice(0, 4000)}\n${r.stderr}`);
      const j = JSON.parse(r.stdout) as { suspects: unknown[]; notLeaks: NotLeakJson[]; dumps: unknown[]; samples: { total: number }[] };
      assert.deepEqual(j.suspects, []);
      assert.ok(j.dumps.length >= 2, 'members followed across debug=2 dumps');
      assert.ok(ramp.stats.sent > 100 && ramp.stats.byStatus['200']! > 100, `the ramp ran through Caddy: ${JSON.stringify(ramp.stats)}`);
      // Whatever grew is listed as turning over; Caddy's proxy requests are the ones to grow.
      for (const x of j.notLeaks) {
        assert.equal(x.reason, 'turnover', JSON.stringify(x));
        assert.ok(x.persistence && x.persistence.stayed * 2 <= x.persistence.followed, JSON.stringify(x));
      }
      const proxied = j.notLeaks.find((x) => /reverseproxy\.\(\*HTTPTransport\)\.RoundTrip$/.test(x.blockingSite?.function ?? ''));
      if (proxied) assert.ok(proxied.persistence!.returned + proxied.persistence!.gone > 0);
      else console.log(`note: Caddy's proxied requests did not reach a significant trend this run (totals ${j.samples.map((s) => s.total).join(' ')})`);

      // diagnose, still under full load: no suspects either; Caddy does not enable the mutex
      // and block profiles, and the hint says what to do without changing its code.
      const d = await goscope(['diagnose', caddy.admin, '--seconds', '3', '--json', '--out', path.join(dir, 'diagnose')], { timeoutMs: 120_000 });
      assert.equal(d.code, 0, `${d.stdout.slice(0, 4000)}\n${d.stderr}`);
      const dj = JSON.parse(d.stdout) as { goroutines: { suspects: unknown[] }; notes: { kind: string; state: string; message: string }[] };
      assert.deepEqual(dj.goroutines.suspects, []);
      for (const kind of ['mutex', 'block']) {
        const n = dj.notes.find((x) => x.kind === kind);
        assert.ok(n && n.state === 'disabled', `${kind}: ${JSON.stringify(dj.notes)}`);
        assert.match(
          n.message,
          /for a program you cannot change \(a third-party binary\), an execution trace records its .* without the profile: goscope trace http:\/\/127\.0\.0\.1:\d+\/ --pprof sync -o sync\.pb\.gz; this run's trace section shows them$/,
        );
      }
    } finally {
      await ramp?.stop();
      await caddy?.stop();
      await demo.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
