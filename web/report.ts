// The script of every report page (flame graph, trace, diagnose): esbuild bundles this
// module and what it imports (web/ and src/shared/) into dist/web/report.js, which
// src/report/html.ts inlines into each page. Sections absent from a page cost nothing.
import * as flame from './flame/main.js';
import * as trace from './trace/main.js';
import { label, percentageLabel } from '../src/shared/units.js';

// The page's only globals: what tests and benchmarks drive (web/README.md).
declare global {
  interface Window {
    GoscopeFlame: typeof flameApi;
    GoscopeTrace: typeof traceApi;
  }
}

const flameApi = {
  get: flame.get,
  sections: flame.sections,
  /** pprof's measurement.Label, as the page shows values. */
  formatValue: label,
  /** pprof's measurement.Percentage without padding, as the page shows percentages. */
  formatPercent: percentageLabel,
};
const traceApi = { get: trace.get };
window.GoscopeFlame = flameApi;
window.GoscopeTrace = traceApi;

flame.startFlameSections();
trace.startTraceSections();
