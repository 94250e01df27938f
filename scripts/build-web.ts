// Bundles the browser code for the HTML reports: web/report.ts and what it imports (web/,
// src/shared/) into one classic script, dist/web/report.js, that src/report/html.ts
// inlines into every page (no module loading, no network: a report opens offline).
// Run by `npm run build` and `npm ci` (prepare) after tsc has type-checked web/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One entry per script a page inlines. */
const ENTRIES = [{ in: 'web/report.ts', out: 'report' }];

const result = await build({
  absWorkingDir: root,
  entryPoints: ENTRIES,
  outdir: 'dist/web',
  bundle: true,
  // An IIFE: nothing leaks into the page's globals but what web/report.ts sets.
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  // Readable output, as tsc wrote it before: the pages are small next to their data.
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  const from = Object.keys(out.inputs).filter((f) => !f.startsWith('web/') && !f.startsWith('src/shared/'));
  // The page must not pull in Node code: only web/ and src/shared/ may be bundled.
  if (from.length) throw new Error(`${file} bundles modules outside web/ and src/shared/: ${from.join(', ')}`);
}
