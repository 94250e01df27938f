// goscope diagnose against the real demo service under load: one run finds the five
// planted goroutine leaks and each profile's planted hot spot at its file:line, saves
// every capture (the execution trace of the window's last 2 s too, with its verdicts),
// and writes a report.html that opens in Debian's chromium (offline) with its flame
// graphs drawn. Two short runs more: --no-trace asks for no trace, and a service without
// /debug/pprof/trace gets a one-line note and the rest of the diagnosis. The capture
// folder analysed again offline gives the live run's JSON; Ctrl-C in the middle of the
// window exits 130, keeps the captures and says in the headline what was not captured.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { needGo, leakExperimentSupported, repoRoot, startDemo, type Demo } from './support/go.js';
import { goscope } from './support/cli.js';
import { startLoad, type Load } from '../scripts/load.js';
import { browserSkip, launchChromium, saveScreenshot } from './support/browser.js';

const work = mkdtempSync(join(tmpdir(), 'goscope-diagnose-'));
let demo: Demo | null = null;
let load: Load | null = null;
let proxy: { url: string; paths: string[]; close(): Promise<void> } | null = null;
after(async () => {
  await proxy?.close();
  await load?.stop();
  await demo?.stop();
  rmSync(work, { recursive: true, force: true });
});

/**
 * The demo behind a loopback proxy that answers /debug/pprof/trace with Go's plain 404
 * (a service mounting the pprof handlers one by one without pprof.Trace) and records
 * every path asked for.
 */
async function withoutTrace(target: string): Promise<{ url: string; paths: string[]; close(): Promise<void> }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    if ((req.url ?? '').startsWith('/debug/pprof/trace')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    const up = http.request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The page's flame section, as page.evaluate sees it (web/README.md). */
interface PageFlame {
  tree: { names: string[]; nameIdx: Int32Array; firstChild: Int32Array; childCount: Int32Array; total: Float64Array };
  rectOfPath(path: string[]): { x: number; y: number; width: number; height: number } | null;
}

interface Finding {
  kind: string;
  hotspots: { function: string; file: string; line: number }[];
}

interface TraceVerdictJson {
  kind: string;
  notable: boolean;
  text: string;
  details: string[];
}

interface TraceMember {
  file: string;
  goVersion: string;
  events: number;
  durationNs: number;
  goroutines: number;
  verdicts: TraceVerdictJson[];
  analyses: { blocking: Record<string, { total: number; contentions: number }> };
}

let report = '';
let json: {
  schema: string;
  verdict: string[];
  goroutines: { suspects: { blockingSite: { function: string } | null }[] };
  profiles: Finding[];
  trace: TraceMember | null;
  notes: { kind: string; state: string; message: string }[];
  files: string[];
  report: string;
};

test('diagnose finds the planted leaks and hot spots in one run', { skip: needGo, timeout: 120_000 }, async () => {
  demo = await startDemo({ experiment: leakExperimentSupported() });
  load = startLoad(demo.url);
  await new Promise((r) => setTimeout(r, 2000));
  report = join(work, 'report.html');
  const r = await goscope(['diagnose', demo.url, '--seconds', '6', '--samples', '8', '--out', join(work, 'caps'), '-o', report, '--json'], {
    timeoutMs: 90_000,
  });
  assert.equal(r.code, 3, `exit 3 = leak suspects found\n${r.stderr}`);
  json = JSON.parse(r.stdout);
  assert.equal(json.schema, 'goscope.diagnose/v1');
  assert.match(json.verdict[0]!, /^5 goroutine leak suspects/);

  const sites = json.goroutines.suspects.map((s) => s.blockingSite?.function).sort();
  assert.deepEqual(sites, ['main.awaitShards', 'main.computeQuote', 'main.consumeEvents', 'main.recordAudit', 'main.waitForConfig']);

  const top = (kind: string, n: number) =>
    json.profiles
      .find((f) => f.kind === kind)
      ?.hotspots.slice(0, n)
      .map((h) => h.function) ?? [];
  assert.ok(top('cpu', 3).includes('main.hashChain'), `cpu: ${top('cpu', 5)}`);
  assert.equal(top('heap', 1)[0], 'main.fillSessionCache');
  assert.ok(top('allocs', 2).includes('main.buildReportRows'), `allocs: ${top('allocs', 5)}`);
  assert.equal(top('mutex', 1)[0], 'main.contendedWorker');
  const cpu = json.profiles.find((f) => f.kind === 'cpu')!.hotspots[0]!;
  assert.match(cpu.file, /testdata\/go\/demo\/|demo\//);
  assert.ok(cpu.line > 0);

  // Everything captured is on disk, in standard form.
  for (const f of json.files) assert.ok(existsSync(f), f);
  for (const kind of ['cpu', 'heap', 'allocs.delta', 'mutex.delta', 'block.delta', 'goroutineleak']) {
    if (kind === 'goroutineleak' && !leakExperimentSupported()) continue;
    assert.ok(
      json.files.some((f) => f.endsWith(`/${kind}.pb.gz`)),
      `${kind}.pb.gz saved`,
    );
  }
  assert.ok(
    json.files.some((f) => f.endsWith('.txt')),
    'the debug=2 dump is saved',
  );
  assert.ok(existsSync(report));

  // The execution trace of the window's last 2 s: saved first, listed, analysed.
  const caps = join(work, 'caps');
  const trace = json.trace;
  assert.ok(trace, `a trace member: notes ${JSON.stringify(json.notes)}`);
  assert.equal(trace.file, join(caps, 'trace.out'));
  assert.ok(json.files.includes(trace.file) && existsSync(trace.file));
  assert.equal(readFileSync(trace.file).subarray(0, 5).toString('latin1'), 'go 1.');
  assert.ok(trace.events > 0 && trace.goroutines > 0, `events ${trace.events}`);
  assert.ok(trace.durationNs > 1.5e9 && trace.durationNs < 3e9, `durationNs ${trace.durationNs}`);
  assert.match(trace.goVersion, /^go1\.\d+/);
  assert.ok(trace.analyses.blocking.sync!.contentions > 0);
  assert.equal(json.notes.filter((n) => n.kind === 'trace').length, 0);
  const manifest = JSON.parse(readFileSync(join(caps, 'capture.json'), 'utf8')) as {
    traceSeconds: number;
    status: Record<string, { state: string }>;
    captures: { type: string; file: string; requestedAt: string }[];
  };
  assert.equal(manifest.traceSeconds, 2);
  assert.equal(manifest.status.trace?.state, 'ok');
  const traceCap = manifest.captures.find((c) => c.type === 'trace');
  const cpuCap = manifest.captures.find((c) => c.type === 'cpu');
  assert.equal(traceCap?.file, 'trace.out');
  // Requested 2 s before the end of the 6 s CPU window (timer lag aside).
  const lead = Date.parse(traceCap!.requestedAt) - Date.parse(cpuCap!.requestedAt);
  assert.ok(lead >= 3900 && lead < 5500, `trace requested ${lead}ms into the window`);

  // Verdicts: notable ones lead and join the headline as "trace: ..."; the planted lock
  // contention of main.contendedWorker (8 goroutines on one mutex, /contended twice a
  // second) is found. In 2 s of the demo it is about 0.1 goroutines waiting on average,
  // below the trace's notable threshold (1), so only its presence and site are checked.
  assert.ok(trace.verdicts.length > 0);
  const firstQuiet = trace.verdicts.findIndex((v) => !v.notable);
  assert.ok(firstQuiet < 0 || trace.verdicts.slice(firstQuiet).every((v) => !v.notable), 'notable verdicts first');
  for (const v of trace.verdicts) assert.equal(json.verdict.includes(`trace: ${v.text}`), v.notable, v.text);
  const lock = trace.verdicts.find((v) => v.kind === 'lock-contention');
  assert.ok(lock, `a lock-contention verdict: ${trace.verdicts.map((v) => v.kind)}`);
  assert.match(lock.text, /most at main\.contendedWorker \(work\.go:\d+\)/);
  if (lock.notable) assert.ok(json.verdict.some((v) => v.startsWith('trace: lock contention: ')));
});

test('the report opens offline in chromium with its findings and flame graphs', { skip: needGo || browserSkip(), timeout: 60_000 }, async (t) => {
  assert.ok(report && existsSync(report), 'the diagnose test wrote the report');
  const html = readFileSync(report, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'self-contained');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const requests: string[] = [];
    await page.route('**', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(report).href);
    await saveScreenshot(t, page, 'diagnose-1-top');
    const verdict = await page.locator('#verdict').innerText();
    assert.match(verdict, /5 goroutine leak suspects/);
    assert.equal(await page.locator('[data-suspect]').count(), 5);

    // Every flame graph draws when its section is opened.
    const kinds = await page.locator('details[data-flame-kind]').evaluateAll((els) => els.map((e) => e.getAttribute('data-flame-kind')));
    assert.ok(kinds.includes('cpu') && kinds.includes('heap') && kinds.includes('mutex'), kinds.join(','));
    // The trace section: its verdicts and its blocking flame graphs (drawn like the others below).
    assert.match(await page.locator('[data-trace-verdict="lock-contention"]').innerText(), /main\.contendedWorker/);
    assert.ok(kinds.includes('trace-sync') && kinds.includes('trace-net'), kinds.join(','));
    for (const kind of kinds) {
      const d = page.locator(`details[data-flame-kind="${kind}"]`);
      await d.evaluate((el) => ((el as HTMLDetailsElement).open = true));
      await d.scrollIntoViewIfNeeded();
      await page.waitForFunction(
        (k) => {
          const c = document.querySelector(`details[data-flame-kind="${k}"] canvas`) as HTMLCanvasElement | null;
          if (!c || c.width === 0 || c.height === 0) return false;
          const px = c.getContext('2d')!.getImageData(0, 0, c.width, Math.min(c.height, 40)).data;
          for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) return true;
          return false;
        },
        kind,
        { timeout: 10_000 },
      );
    }
    await page.locator('details[data-flame-kind="cpu"]').scrollIntoViewIfNeeded();
    await saveScreenshot(t, page, 'diagnose-2-cpu-flame');
    // The CPU flame graph zoomed into its widest frame under the root, then searched.
    const section = page.locator('details[data-flame-kind="cpu"] section[data-goscope-flame]').first();
    const id = (await section.getAttribute('id'))!;
    const r = await page.evaluate((id) => {
      const s = (window as unknown as { GoscopeFlame: { get(id: string): PageFlame | undefined } }).GoscopeFlame.get(id)!;
      const t = s.tree;
      let best = t.firstChild[0]!;
      for (let c = best; c < t.firstChild[0]! + t.childCount[0]!; c++) if (t.total[c]! > t.total[best]!) best = c;
      return s.rectOfPath([t.names[t.nameIdx[best]!]!]);
    }, id);
    assert.ok(r, 'the widest frame under the root is drawn');
    await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
    await page.waitForFunction((id) => document.querySelectorAll(`#${id} .gf-crumb`).length > 1, id);
    await saveScreenshot(t, page, 'diagnose-3-cpu-zoomed');
    await section.locator('input.gf-search').fill('main\\.');
    await page.waitForFunction((id) => document.querySelector(`#${id} .gf-matched`)?.hasAttribute('data-matched'), id);
    await saveScreenshot(t, page, 'diagnose-4-cpu-search');
    await saveScreenshot(t, page, 'diagnose-5-page', { fullPage: true });
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [], 'no network requests');
  } finally {
    await browser.close();
  }
});

test('--no-trace: no trace requested, saved or reported', { skip: needGo, timeout: 60_000 }, async () => {
  assert.ok(demo, 'the diagnose test started the demo');
  proxy ??= await withoutTrace(demo.url);
  const before = proxy.paths.length;
  const out = join(work, 'no-trace');
  const r = await goscope(['diagnose', proxy.url, '--seconds', '1', '--samples', '2', '--no-trace', '--out', out, '-o', join(out, 'report.html'), '--json'], {
    timeoutMs: 45_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as typeof json;
  assert.equal(j.trace, null);
  assert.deepEqual(
    j.notes.filter((n) => n.kind === 'trace'),
    [],
  );
  assert.ok(!readdirSync(out).includes('trace.out'));
  assert.deepEqual(
    proxy.paths.slice(before).filter((p) => p.startsWith('/debug/pprof/trace')),
    [],
    'never asked for a trace',
  );
  const manifest = JSON.parse(readFileSync(join(out, 'capture.json'), 'utf8')) as { status: Record<string, unknown>; captures: { type: string }[] };
  assert.equal(manifest.status.trace, undefined);
  assert.ok(!manifest.captures.some((c) => c.type === 'trace'));
});

test('a service without /debug/pprof/trace: a one-line note, the rest of the diagnosis, exit 0', { skip: needGo, timeout: 60_000 }, async () => {
  assert.ok(demo, 'the diagnose test started the demo');
  proxy ??= await withoutTrace(demo.url);
  const out = join(work, 'no-trace-endpoint');
  const r = await goscope(['diagnose', proxy.url, '--seconds', '1', '--samples', '2', '--out', out, '-o', join(out, 'report.html')], { timeoutMs: 45_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    proxy.paths.some((p) => p === '/debug/pprof/trace?seconds=1'),
    'asked for a 1 s trace (the window is 1 s)',
  );
  const lines = r.stdout.split('\n');
  const notes = lines.filter((l) => l.startsWith('trace:'));
  assert.equal(notes.length, 1, notes.join('\n'));
  assert.match(
    notes[0]!,
    /^trace: failed: trace \(1s\): http:\/\/127\.0\.0\.1:\d+\/debug\/pprof\/trace\?seconds=1: 404: the service does not serve execution traces/,
  );
  // Everything else is there.
  assert.ok(lines.some((l) => l.startsWith('CPU: ')) && lines.some((l) => l.startsWith('heap in use: ')), r.stdout);
  assert.ok(!readdirSync(out).includes('trace.out'));
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<li>trace: failed: trace \(1s\): http:/);
  const manifest = JSON.parse(readFileSync(join(out, 'capture.json'), 'utf8')) as { status: Record<string, { state: string; message: string }> };
  assert.equal(manifest.status.trace?.state, 'failed');
});

test('diagnose <capture-folder>: the same report offline as the live run that made it', { skip: needGo, timeout: 60_000 }, async () => {
  assert.ok(json, 'the diagnose test ran');
  const caps = join(work, 'caps');
  const r = await goscope(['diagnose', caps, '-o', report, '--json'], { timeoutMs: 45_000 });
  assert.equal(r.code, 3, `exit 3 = leak suspects found, as live\n${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout), json, 'the same findings, notes, files and report path');
  // No second copy of a delta: the files the live run saved are the ones named.
  assert.deepEqual(
    readdirSync(caps).filter((f) => /delta-\d/.test(f)),
    [],
  );
  const text = await goscope(['diagnose', caps, '-o', join(work, 'offline.html')], { timeoutMs: 45_000 });
  assert.equal(text.code, 3, text.stderr);
  assert.match(text.stdout, /^▶ 5 goroutine leak suspects: /m);
  assert.match(readFileSync(join(work, 'offline.html'), 'utf8'), /5 goroutine leak suspects/);

  // Flags that shape a capture make no sense for a folder; a folder without capture.json is not one.
  const flags = await goscope(['diagnose', caps, '--seconds', '5']);
  assert.equal(flags.code, 2);
  assert.match(flags.stderr, /--seconds shapes a capture; .* is one already/);
  const empty = mkdtempSync(join(work, 'empty-'));
  const none = await goscope(['diagnose', empty]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /not a diagnose capture folder \(no capture\.json in it\)/);
  assert.equal(none.stderr.trim().split('\n').length, 1, none.stderr);
});

test('Ctrl-C in the middle of the window: exit 130, captures kept, the headline names what was not captured', { skip: needGo, timeout: 90_000 }, async () => {
  assert.ok(demo, 'the diagnose test started the demo');
  const out = join(work, 'interrupted');
  const p = spawn(process.execPath, [join(repoRoot, 'bin/goscope.js'), 'diagnose', demo.url, '--seconds', '30', '--samples', '8', '--out', out, '--json'], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  p.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));
  try {
    // Inside the window: the second goroutine snapshot (3.75 s into it) is on disk.
    const until = Date.now() + 60_000;
    while (!existsSync(join(out, 'goroutine.02.pb.gz'))) {
      assert.ok(Date.now() < until, `the window did not start within 60 s\n${stderr}`);
      assert.equal(p.exitCode, null, stderr);
      await new Promise((r) => setTimeout(r, 50));
    }
    p.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 20_000))]);
    assert.equal(code, 130, `exit 130 after Ctrl-C (${code})\n${stderr}`);
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL');
  }
  const j = JSON.parse(stdout) as typeof json & { aborted: boolean; notCaptured: string[] };
  assert.equal(j.aborted, true);
  assert.match(
    j.verdict[0]!,
    /^interrupted \(Ctrl-C\): not captured: cpu, heap, allocs, goroutine snapshots \d-8, mutex, block, threadcreate, goroutine dump, trace; the findings cover only what was captured$/,
  );
  assert.ok(!j.verdict.some((v) => /no profile stands out|nothing stands out in the profiles/.test(v)), j.verdict.join('\n'));
  assert.deepEqual(j.notCaptured, j.verdict[0]!.replace(/^.*not captured: (.*); the findings.*$/, '$1').split(', '));
  // What was taken before the interrupt is kept, with the manifest and the report.
  const files = readdirSync(out);
  for (const f of [
    'allocs.1.pb.gz',
    'mutex.1.pb.gz',
    'block.1.pb.gz',
    'goroutine.01.pb.gz',
    'goroutine.02.pb.gz',
    'goroutines.first.txt',
    'capture.json',
    'report.html',
  ]) {
    assert.ok(files.includes(f), `${f} kept: ${files.join(' ')}`);
  }
  assert.deepEqual(
    files.filter((f) => f.endsWith('.tmp') || f.endsWith('.partial')),
    [],
  );
  const manifest = JSON.parse(readFileSync(join(out, 'capture.json'), 'utf8')) as {
    aborted: boolean;
    status: Record<string, { state: string; message?: string }>;
  };
  assert.equal(manifest.aborted, true);
  assert.match(manifest.status.cpu!.message!, /not captured: interrupted/);

  // The folder analysed again says the same (and this run was not interrupted: exit 0).
  const again = await goscope(['diagnose', out, '--json'], { timeoutMs: 45_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout), j);
  const text = await goscope(['diagnose', out]);
  assert.match(text.stdout, /^▶ interrupted \(Ctrl-C\): not captured: cpu, heap, /m);
});
