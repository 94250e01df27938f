// A real net/http service nobody here wrote: Caddy v2.11.9 as a reverse proxy, its admin
// endpoint serving /debug/pprof/. With requests held in flight (the upstream answers only
// when told), its biggest goroutine groups are standard library only: the server's
// connReader.backgroundRead and the transport's persistConn read loop, both "IO wait" in
// internal/poll.runtime_pollWait. `goroutines` and `diagnose` must name them apart, and
// the same groups must match across dump forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { goscope } from './support/cli.js';
import { caddyBinary, startCaddy, type Caddy } from './support/caddy.js';

const { bin: caddyBin, skip } = await caddyBinary();

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test(
  'Caddy reverse proxy under held keep-alive load: groups named apart, matched across forms, in goroutines and diagnose',
  { skip, timeout: 180_000 },
  async () => {
    // The upstream holds every request until released: a bounded, steady in-flight load.
    const held: http.ServerResponse[] = [];
    const upstream = http.createServer((_req, res) => {
      held.push(res);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const N = 8;
    const out = mkdtempSync(path.join(tmpdir(), 'goscope-caddy-caps-'));
    const requests: Promise<number>[] = [];
    let caddy: Caddy | null = null;
    try {
      const port = (upstream.address() as { port: number }).port;
      const c = await startCaddy(caddyBin!, { sites: [() => `reverse_proxy 127.0.0.1:${port}`] });
      caddy = c;
      for (let i = 0; i < N; i++) {
        requests.push(
          new Promise((resolve, reject) => {
            http
              .get(`${c.sites[0]}/slow/${i}`, { agent }, (res) => {
                res.resume();
                res.on('end', () => resolve(res.statusCode ?? 0));
              })
              .on('error', reject);
          }),
        );
      }
      await until(`${N} requests at the upstream`, 30_000, async () => (held.length >= N ? true : undefined));
      // The proxy's goroutines settle into their waits right after the requests arrive.
      type G = { count: number; waitText: string; name: string; site: { function: string } | null; frames: { function: string }[] };
      const j = await until('backgroundRead and persistConn groups to settle', 30_000, async () => {
        const r = await goscope(['goroutines', c.admin, '--json', '--out', out]);
        assert.equal(r.code, 0, r.stderr);
        const j = JSON.parse(r.stdout) as { total: number; groups: G[] };
        const bg = j.groups.find((g) => g.site?.function === 'net/http.(*connReader).backgroundRead' && g.waitText === 'IO wait');
        const rl = j.groups.find((g) => g.frames.some((f) => f.function === 'net/http.(*persistConn).readLoop') && g.waitText === 'IO wait');
        return bg && rl && bg.count >= N && rl.count >= N ? j : undefined;
      });
      const keys = j.groups.map((g) => `${g.waitText} ${g.name}`);
      assert.equal(new Set(keys).size, keys.length, `no two groups read the same:\n${keys.join('\n')}`);
      assert.ok(
        j.groups.every((g) => g.site !== null),
        'every group has a site',
      );
      const io = j.groups.filter((g) => g.waitText === 'IO wait' && g.count >= N).map((g) => g.name);
      assert.ok(
        io.some((n) => n.startsWith('net/http.(*connReader).backgroundRead ') && n.includes('created by net/http.(*connReader).startBackgroundRead')),
        io.join('\n'),
      );
      assert.ok(
        io.some((n) => n.startsWith('net/http.(*persistConn).Read ') && n.includes('created by net/http.(*Transport).dialConn')),
        io.join('\n'),
      );

      const text = await goscope(['goroutines', c.admin, '--stacks', '0', '--out', out]);
      assert.match(
        text.stdout,
        /\n {6}blocked at net\/http\.\(\*connReader\)\.backgroundRead http\/server\.go:\d+ \(standard library\)\n {6}created by net\/http\.\(\*connReader\)\.startBackgroundRead /,
      );
      assert.doesNotMatch(text.stdout, /runtime \/ standard library only/);

      // The same goroutines from debug=2 and debug=0 are the same groups.
      const d = await goscope([
        'goroutines',
        'diff',
        `${c.admin}/debug/pprof/goroutine?debug=2`,
        `${c.admin}/debug/pprof/goroutine?debug=0`,
        '--json',
        '--out',
        out,
      ]);
      assert.equal(d.code, 0, d.stderr);
      const diff = JSON.parse(d.stdout) as { groups: (G & { status: string; before: number; delta: number })[] };
      const held8 = diff.groups.filter((g) => g.before >= N);
      assert.ok(held8.length >= 3, held8.map((g) => g.name).join('\n'));
      for (const g of held8) {
        // Matched, not vanished and appeared; the admin connections goscope itself opens
        // join the server-side groups, hence a difference of one or two.
        assert.ok(['same', 'grew', 'shrank'].includes(g.status), `${g.status}: ${g.waitText} ${g.name}`);
        assert.ok(Math.abs(g.delta) <= 2, `${g.delta}: ${g.waitText} ${g.name}`);
      }
      const main = diff.groups.filter((g) => g.frames.some((f) => f.function.endsWith('cmd.cmdRun')));
      assert.deepEqual(
        main.map((g) => g.status),
        ['same'],
        'goroutine 1 matches itself across forms',
      );

      // diagnose: the largest groups, each line its own.
      const dg = await goscope(['diagnose', c.admin, '--seconds', '2', '--samples', '2', '--no-trace', '--out', path.join(out, 'diagnose')], {
        timeoutMs: 120_000,
      });
      assert.ok(dg.code === 0 || dg.code === 3, `diagnose exit ${dg.code}: ${dg.stderr}`);
      const lines = dg.stdout.split('\n');
      const at = lines.findIndex((l) => l.trim() === 'largest groups:');
      assert.ok(at >= 0, dg.stdout);
      const rows: string[] = [];
      for (let i = at + 1; i < lines.length && lines[i]!.startsWith('    '); i++) rows.push(lines[i]!.trim().replace(/^\d+\s+/, ''));
      assert.ok(rows.length >= 3, dg.stdout);
      assert.equal(new Set(rows).size, rows.length, `diagnose rows read the same:\n${rows.join('\n')}`);
      assert.ok(
        rows.every((r) => !/internal\/poll\.runtime_pollWait/.test(r)),
        rows.join('\n'),
      );
      assert.ok(
        rows.some((r) => /^IO wait\s+net\/http\.\(\*connReader\)\.backgroundRead /.test(r)),
        rows.join('\n'),
      );
      assert.ok(
        rows.some((r) => /^IO wait\s+net\/http\.\(\*persistConn\)\.Read /.test(r)),
        rows.join('\n'),
      );
    } finally {
      for (const res of held) res.end('ok');
      await Promise.allSettled(requests);
      agent.destroy();
      await caddy?.stop();
      upstream.closeAllConnections();
      await new Promise<void>((r) => upstream.close(() => r()));
      rmSync(out, { recursive: true, force: true });
    }
  },
);
