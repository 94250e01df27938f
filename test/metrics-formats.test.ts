// The three exposition formats read from real client_golang output (testdata/go/metricsgen):
// one registry served as text 0.0.4, OpenMetrics 1.0 and delimited protobuf through
// promhttp's content negotiation gives the same families and values in all three;
// goscope's promlint rules give exactly client_golang promlint's problems on each; and
// malformed, truncated and fuzzed inputs fail with one FormatError naming line and column.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FormatError } from '../src/errors.js';
import { readExposition, sniffFormat, type ExpositionFormat, type Family, type Series } from '../src/formats/prometheus/index.js';
import { analyseExposition } from '../src/analysis/metrics/index.js';
import { acceptHeader, scrapeMetrics } from '../src/collect/metrics.js';
import { needGo } from './support/go.js';
import { promlintOracle, runMetricsgen, startMetricsgen, type Metricsgen } from './support/metricsgen.js';
import { mulberry32 } from '../scripts/prng.js';

const FORMATS: ExpositionFormat[] = ['text', 'openmetrics', 'protobuf'];
const tmp = mkdtempSync(path.join(tmpdir(), 'goscope-metrics-formats-'));
let gen: Metricsgen | undefined;

before(async () => {
  if (!needGo) gen = await startMetricsgen();
});
after(async () => {
  await gen?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function* chunksOf(buf: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

interface Row {
  family: string;
  type: string;
  help: string | null;
  labels: string;
  value: number | null;
  count: number | null;
  sum: number | null;
  buckets: string;
  quantiles: string;
  timestampMs: number | null;
}

async function rows(buf: Uint8Array, format?: ExpositionFormat, chunk = 1 << 16): Promise<{ rows: Row[]; families: Family[] }> {
  const out: Row[] = [];
  const parse = await readExposition(
    chunksOf(buf, chunk),
    { input: 't', format },
    {
      series(f: Family, s: Series) {
        out.push({
          family: f.name,
          type: f.type,
          help: f.help,
          labels: JSON.stringify(s.labels),
          value: Number.isNaN(s.value) ? null : s.value,
          count: s.count ?? null,
          sum: s.sum ?? null,
          buckets: JSON.stringify(s.les?.map((le, i) => [le === Infinity ? '+Inf' : le, s.bucketCounts![i]])),
          quantiles: JSON.stringify(s.quantiles?.map((q, i) => [q, s.quantileValues![i]])),
          timestampMs: s.timestampMs ?? null,
        });
      },
    },
  );
  return { rows: out, families: parse.families };
}

async function scrape(pathname: string, format: ExpositionFormat): Promise<{ file: string; buf: Buffer; format: ExpositionFormat | undefined }> {
  const dir = mkdtempSync(path.join(tmp, 'scrape-'));
  const s = await scrapeMetrics(new URL(gen!.url + pathname), { dir, format });
  return { file: s.path, buf: readFileSync(s.path), format: s.format };
}

test('Accept header is Prometheus 3 default (scrape_protocols order and weights)', () => {
  assert.equal(
    acceptHeader(),
    'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.7,application/openmetrics-text;version=0.0.1;q=0.6,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.3',
  );
});

test('one registry in text, OpenMetrics and protobuf: the same families and values', { skip: needGo }, async () => {
  const got = new Map<ExpositionFormat, Row[]>();
  const fams = new Map<ExpositionFormat, Family[]>();
  for (const f of FORMATS) {
    const s = await scrape('/fixed', f);
    assert.equal(s.format, f, `Content-Type of the ${f} reply`);
    assert.equal(sniffFormat(s.buf.subarray(0, 4096), s.buf.subarray(-16)), f, `${f} recognised from its bytes`);
    const r = await rows(s.buf, f);
    got.set(f, r.rows);
    fams.set(f, r.families);
  }
  const text = got.get('text')!;
  assert.ok(text.length >= 15, `series read: ${text.length}`);
  for (const f of ['openmetrics', 'protobuf'] as const) assert.deepEqual(got.get(f), text, `${f} equals text`);
  // What each format adds: units (OpenMetrics, protobuf), native buckets (protobuf only).
  const unit = (f: ExpositionFormat) => fams.get(f)!.find((x) => x.name === 'response_bytes_total')!.unit;
  assert.equal(unit('text'), null);
  assert.equal(unit('openmetrics'), 'bytes');
  assert.equal(unit('protobuf'), 'bytes');
  // Escapes, UTF-8 names, timestamps and special values came through.
  assert.ok(text.some((r) => r.labels === JSON.stringify(['path', 'C:\\etc\\app "main".conf'])));
  assert.ok(text.some((r) => r.labels === JSON.stringify(['path', 'line one\nline two'])));
  assert.ok(text.some((r) => r.family === 'cache.hits_total' && r.labels === JSON.stringify(['cache.name', 'sessions']) && r.value === 7));
  assert.equal(text.find((r) => r.family === 'config_file_loaded')!.help, 'Help text with a backslash \\ and a\nnewline.');
  assert.equal(text.find((r) => r.family === 'last_backup_size_bytes')!.timestampMs, 1767225600123);
  assert.equal(text.find((r) => r.family === 'disk_temperature_celsius')!.value, -3.25);
});

test('protobuf carries the native histogram; exemplars and _created come from OpenMetrics and protobuf', { skip: needGo }, async () => {
  const seen = new Map<ExpositionFormat, Series[]>();
  for (const f of FORMATS) {
    const s = await scrape('/fixed', f);
    const list: Series[] = [];
    await readExposition(
      chunksOf(s.buf, 4096),
      { input: f, format: f },
      { series: (fam, x) => (fam.name === 'rpc_latency_seconds' || fam.name === 'http_request_duration_seconds' ? list.push(x) : 0) },
    );
    seen.set(f, list);
  }
  const nat = seen.get('protobuf')!.find((s) => s.native)!;
  assert.ok(nat.native, 'native histogram');
  const n = nat.native!;
  const total = n.zeroCount + n.positiveCounts.reduce((a, b) => a + b, 0) + n.negativeCounts.reduce((a, b) => a + b, 0);
  assert.equal(total, nat.count, 'native buckets add up to the count');
  assert.equal(
    n.negativeCounts.reduce((a, b) => a + b, 0),
    1,
    'one negative observation',
  );
  for (const f of ['openmetrics', 'protobuf'] as const) {
    assert.ok(
      seen.get(f)!.some((s) => s.exemplars > 0),
      `${f}: exemplar`,
    );
    assert.ok(
      seen.get(f)!.every((s) => typeof s.created === 'number' && s.created > 1.7e9),
      `${f}: _created`,
    );
  }
});

test('promlint rules equal client_golang promlint on every format', { skip: needGo }, async () => {
  for (const pathname of ['/fixed', '/mistakes', '/metrics']) {
    for (const f of FORMATS) {
      const s = await scrape(pathname, f);
      const a = await analyseExposition(chunksOf(s.buf, 1 << 16), { input: s.file, format: f });
      const ours = a.problems.filter((p) => p.text !== undefined).flatMap((p) => Array.from({ length: p.count }, () => `${p.metric}\t${p.text}`));
      let oracleFile = s.file;
      let oracleFormat: 'text' | 'protobuf' = f === 'protobuf' ? 'protobuf' : 'text';
      if (f === 'openmetrics') {
        // promlint reads no OpenMetrics: compare with it on the same registry in the text format.
        oracleFile = (await scrape(pathname, 'text')).file;
        oracleFormat = 'text';
      }
      const oracle = (await promlintOracle(oracleFile, oracleFormat)).map((p) => `${p.metric}\t${p.text}`);
      let expected = oracle;
      if (f === 'openmetrics') {
        // OpenMetrics 1.0 has no counter without _total: client_golang writes such a counter as
        // "unknown", so promlint's counter rule cannot apply to it there.
        expected = oracle.filter((l) => !/\tcounter metrics should have "_total" suffix$/.test(l));
      }
      assert.deepEqual([...ours].sort(), [...expected].sort(), `${pathname} as ${f}`);
      if (pathname === '/mistakes') assert.ok(expected.length >= 15, `${pathname}: ${expected.length} promlint problems`);
    }
  }
});

test('promlint parity on a classic text exposition read exactly as promtool reads it (no UTF-8 names)', { skip: needGo }, async () => {
  const buf = await runMetricsgen(['-big', '3000']);
  const file = path.join(tmp, 'big.prom');
  writeFileSync(file, buf);
  const a = await analyseExposition(chunksOf(buf, 777), { input: file });
  const ours = a.problems.filter((p) => p.text !== undefined).flatMap((p) => Array.from({ length: p.count }, () => `${p.metric}\t${p.text}`));
  const oracle = (await promlintOracle(file, 'text', false)).map((p) => `${p.metric}\t${p.text}`);
  assert.deepEqual(ours.sort(), oracle.sort());
  assert.ok(a.series >= 3000, `series: ${a.series}`);
});

async function parseError(input: string, format?: ExpositionFormat): Promise<FormatError> {
  try {
    await readExposition(chunksOf(Buffer.from(input), 5), { input: 'x.prom', format }, { series() {} });
  } catch (e) {
    assert.ok(e instanceof FormatError, String(e));
    return e;
  }
  assert.fail(`parsed: ${JSON.stringify(input)}`);
}

test('malformed lines: one error naming the input, line and column', async () => {
  const cases: [string, RegExp, ExpositionFormat?][] = [
    ['# TYPE a counter\na_total 1\na 2 x\n', /^x\.prom: line 3, column 5: expected integer as timestamp, got "x"/],
    ['a{b="1" 2\n', /^x\.prom: line 1, column 9: unexpected end of label value "1"/],
    ['a{b="1",b="2"} 2\n', /line 1, column 9: duplicate label names for metric "a"/],
    ['a{b="\\q"} 1\n', /line 1, column 6: invalid escape sequence '\\q'/],
    ['a abc\n', /line 1, column 3: expected float as value, got "abc"/],
    ['a 0x10\n', /expected float as value, got "0x10"/],
    ['a 1\n# TYPE a counter\n', /line 2, column 3: second TYPE line for metric name "a", or TYPE reported after samples/],
    ['# HELP a x\n# HELP a y\n', /line 2, column 3: second HELP line for metric name "a"/],
    ['# TYPE a countr\n', /line 1, column 10: unknown metric type "countr"/],
    ['# TYPE a counter\na_total 1\n', /truncated OpenMetrics exposition: it does not end with "# EOF"/, 'openmetrics'],
    ['a 1\n# EOF\nb 2\n', /line 3, column 1: content after "# EOF"/, 'openmetrics'],
    ['{} 1\n', /line 1, column 1: invalid metric name/],
    // An exemplar is OpenMetrics only: in the text format it is a bad timestamp, as in Go's parser.
    ['a\t1 # {trace_id="x"} 1\n', /line 1, column 5: expected integer as timestamp, got "#"/],
  ];
  for (const [input, re, format] of cases) {
    const e = await parseError(input, format);
    assert.match(e.message, re, JSON.stringify(input));
    assert.ok(!e.message.includes('\n'), 'one line');
  }
});

test('invalid UTF-8 is refused; CRLF line endings are reported, not misread', async () => {
  const bad = Buffer.concat([Buffer.from('a{b="'), Buffer.from([0xff, 0xfe]), Buffer.from('"} 1\n')]);
  await assert.rejects(readExposition(chunksOf(bad, 3), { input: 'u' }, { series() {} }), /u: line 1, column 1: invalid UTF-8/);
  await assert.rejects(readExposition(chunksOf(Buffer.from('a 1\r\n'), 3), { input: 'c' }, { series() {} }), /expected float as value, got "1\\r"|got "1\r"/);
});

test('truncated expositions: every cut either parses what is there or fails with a FormatError', { skip: needGo }, async () => {
  for (const f of FORMATS) {
    const full = (await scrape('/mistakes', f)).buf;
    for (let cut = 1; cut < full.length; cut += Math.max(1, Math.floor(full.length / 97))) {
      try {
        await readExposition(chunksOf(full.subarray(0, cut), 1000), { input: 'cut', format: f }, { series() {} });
        assert.equal(f, 'text', `${f} cut at ${cut} of ${full.length} must fail`);
      } catch (e) {
        assert.ok(e instanceof FormatError, `${f} cut at ${cut}: ${(e as Error).stack}`);
        assert.match((e as Error).message, /^cut: (line|byte) \d+/);
      }
    }
  }
});

test('fuzzed expositions: byte flips never crash the parser or the analysis', { skip: needGo }, async () => {
  const rnd = mulberry32(1307);
  for (const f of FORMATS) {
    const full = (await scrape('/mistakes', f)).buf;
    for (let i = 0; i < 150; i++) {
      const b = Buffer.from(full);
      const flips = 1 + Math.floor(rnd() * 6);
      for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      try {
        await analyseExposition(chunksOf(b, 1 + Math.floor(rnd() * 5000)), { input: 'fuzz', format: f });
      } catch (e) {
        assert.ok(e instanceof FormatError, `${f} fuzz ${i}: ${(e as Error).stack}`);
      }
    }
  }
});

test('OpenMetrics types client_golang never writes: info, stateset, gaugehistogram, units, float timestamps', async () => {
  // Written by hand after the OpenMetrics 1.0 specification's examples (no Go library here
  // produces these types); each family shape as the specification defines it.
  const om = [
    '# TYPE build info',
    '# HELP build Build information.',
    'build_info{version="1.2.3",revision="abc"} 1',
    '# TYPE feature stateset',
    'feature{feature="a"} 1',
    'feature{feature="b"} 0',
    '# TYPE queue_wait_seconds gaugehistogram',
    '# UNIT queue_wait_seconds seconds',
    'queue_wait_seconds_bucket{le="0.1"} 2',
    'queue_wait_seconds_bucket{le="+Inf"} 5',
    'queue_wait_seconds_gcount 5',
    'queue_wait_seconds_gsum 1.25',
    '# TYPE upload_time milliseconds',
    '# EOF',
    '',
  ].join('\n');
  await assert.rejects(
    readExposition(chunksOf(Buffer.from(om), 7), { input: 'om', format: 'openmetrics' }, { series() {} }),
    /om: line 13, column 20: unknown metric type "milliseconds"/,
  );
  const good = om.replace(
    '# TYPE upload_time milliseconds\n',
    '# TYPE jobs counter\n# UNIT jobs seconds\njobs_total 3 1767225600.5\njobs_created 1767225000\n',
  );
  const seen: string[] = [];
  const parse = await readExposition(
    chunksOf(Buffer.from(good), 7),
    { input: 'om' },
    {
      series: (f, s) =>
        seen.push(
          `${f.name} ${f.type} ${JSON.stringify(s.labels)} ${s.value} ${s.count ?? ''} ${s.sum ?? ''} ${s.les?.join(',') ?? ''} ${s.timestampMs ?? ''} ${s.created ?? ''}`,
        ),
    },
  );
  assert.equal(parse.format, 'openmetrics', 'recognised by its # EOF');
  assert.deepEqual(seen, [
    'build_info info ["version","1.2.3","revision","abc"] 1     ',
    'feature stateset ["feature","a"] 1     ',
    'feature stateset ["feature","b"] 0     ',
    'queue_wait_seconds gaugehistogram [] NaN 5 1.25 0.1,Infinity  ',
    'jobs_total counter [] 3    1767225600500 1767225000',
  ]);
  assert.equal(parse.families.find((f) => f.name === 'queue_wait_seconds')!.unit, 'seconds');
  const a = await analyseExposition(chunksOf(Buffer.from(good), 64), { input: 'om' });
  assert.deepEqual(
    a.problems.filter((p) => p.rule === 'unit-suffix').map((p) => [p.metric, p.severity]),
    [['jobs_total', 'error']],
    '# UNIT seconds on jobs: Prometheus refuses the scrape',
  );
  // Prometheus checks the name as the # UNIT line writes it: a counter's _total is not taken off.
  const total = good.replace(
    '# TYPE jobs counter\n# UNIT jobs seconds\njobs_total 3 1767225600.5\njobs_created 1767225000\n',
    '# TYPE jobs_seconds_total counter\n# UNIT jobs_seconds_total seconds\njobs_seconds_total 3\n',
  );
  assert.notEqual(total, good);
  const t = await analyseExposition(chunksOf(Buffer.from(total), 64), { input: 'om' });
  assert.deepEqual(
    t.problems.filter((p) => p.rule === 'unit-suffix').map((p) => [p.metric, p.severity]),
    [['jobs_seconds_total', 'error']],
  );
});
