// The HTML goscope writes from a hostile service stays inert: real captures (profgen
// profiles, a dumpgen debug=2 dump, a tracegen trace) edited so that function names, file
// names and a region name carry HTML payloads, served by test/support/hostile.ts, through
// diagnose (report.html), trace -o and flame -o, then opened in chromium with the network
// cut off: no payload runs, none turns into an element, each shows as text.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { goscope } from './support/cli.js';
import { needGo, runDumpgen } from './support/go.js';
import { profgen } from './support/pprof.js';
import { writeTracegenTrace } from './support/tracegen.js';
import { browserSkip, launchChromium, offlinePage, saveScreenshot } from './support/browser.js';
import { startHostile } from './support/hostile.js';
import { decodeProfile, encodeProfile } from '../src/formats/pprof/index.js';

const EVIL = '</script><img src=x onerror="window.__pwned=1">';
// Same length as the region name it replaces, so the trace's string table stays valid;
// if it ever became markup, its handler would throw (p is not defined): a page error.
const REGION = 'tracegen.channels';
const EVIL_REGION = '<svg onload=p()>.';

const work = mkdtempSync(path.join(tmpdir(), 'goscope-hostile-html-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** A real profile with every main.* function and its file renamed to carry the payload. */
function edited(file: string): Buffer {
  const p = decodeProfile(readFileSync(file), file);
  for (const f of p.functions) {
    if (!f.name.startsWith('main.')) continue;
    f.name = f.name.replace('main.', `main.${EVIL}`);
    f.filename = f.filename.replace(/[^/]+$/, `${EVIL}.go`);
  }
  return Buffer.from(encodeProfile(p, { gzip: true }));
}

function replaceAll(buf: Buffer, from: string, to: string): Buffer {
  assert.equal(Buffer.byteLength(from), Buffer.byteLength(to));
  const out = Buffer.from(buf);
  const a = Buffer.from(from);
  let n = 0;
  for (let i = out.indexOf(a); i >= 0; i = out.indexOf(a, i + a.length)) {
    out.write(to, i);
    n++;
  }
  assert.ok(n > 0, `${from} found in the trace`);
  return out;
}

test('HTML from a hostile service (diagnose, trace -o, flame -o) is inert in chromium', { skip: needGo || browserSkip(), timeout: 300_000 }, async (tc) => {
  const dir = await profgen();
  const prof = (name: string) => edited(path.join(dir, `${name}.pb.gz`));
  const served: Record<string, Buffer> = {
    '/debug/pprof/profile': prof('cpu'),
    '/debug/pprof/heap': prof('heap'),
    '/debug/pprof/allocs': prof('heap'),
    '/debug/pprof/mutex': prof('mutex'),
    '/debug/pprof/block': prof('block'),
    '/debug/pprof/goroutine': prof('goroutine'),
    '/debug/pprof/threadcreate': prof('goroutine'),
  };
  const dump = Buffer.from(
    (await runDumpgen('debug2')).stdout
      .toString()
      .replaceAll('/main.go:', `/${EVIL}.go:`)
      .replaceAll('main.blockNilChan', `main.blockNilChan${EVIL.replace(/[ "]/g, '')}`),
  );
  const trace = replaceAll(readFileSync(await writeTracegenTrace(mkdtempSync(path.join(work, 'trace-')))), REGION, EVIL_REGION);
  const server = await startHostile({
    xss: (p, q) => {
      if (p === '/debug/pprof/goroutine' && (q.get('debug') === '2' || q.get('debug') === '1')) return dump;
      if (p === '/debug/pprof/trace') return trace;
      return served[p];
    },
  });
  const browser = await launchChromium();
  try {
    const svc = server.base('xss');
    const out = path.join(work, 'caps');
    const report = path.join(work, 'report.html');
    const d = await goscope(['diagnose', svc, '--seconds', '1', '--samples', '2', '--trace-seconds', '1', '--out', out, '-o', report], { timeoutMs: 120_000 });
    assert.ok(d.code === 0 || d.code === 3, `diagnose: ${d.code} ${d.stderr}`);
    const traceHtml = path.join(work, 'trace.html');
    const t = await goscope(['trace', svc, '--seconds', '1', '-o', traceHtml, '--out', out], { timeoutMs: 120_000 });
    assert.equal(t.code, 0, t.stderr);
    const flameHtml = path.join(work, 'flame.html');
    const f = await goscope(['flame', svc + 'heap', '-o', flameHtml, '--out', out], { timeoutMs: 60_000 });
    assert.equal(f.code, 0, f.stderr);

    for (const [file, shown] of [
      [report, EVIL],
      [traceHtml, EVIL_REGION],
      [flameHtml, null],
    ] as const) {
      const blocked: string[] = [];
      const errors: string[] = [];
      const page = await offlinePage(browser, blocked, errors);
      await page.goto(pathToFileURL(file).href);
      await page.waitForLoadState('load');
      // Open every collapsed section, so lazily drawn flame graphs and tables render too.
      await page.evaluate(() => {
        for (const d of document.querySelectorAll('details')) d.open = true;
      });
      await page.waitForTimeout(300);
      const state = await page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
        injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror]').length,
        text: document.body.innerText,
      }));
      assert.equal(state.pwned, null, `${file}: a payload ran`);
      assert.equal(state.injected, 0, `${file}: a payload became an element`);
      assert.deepEqual(errors, [], `${file}: page errors`);
      assert.deepEqual(blocked, [], `${file}: requests outside the file`);
      if (shown) assert.ok(state.text.includes(shown), `${file}: the payload shows as text`);
      await saveScreenshot(tc, page, `hostile-${path.basename(file, '.html')}`, { fullPage: true });
      await page.context().close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
});
