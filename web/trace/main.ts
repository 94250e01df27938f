// Starts the trace report's parts: every timeline section (section[data-goscope-trace])
// and every sortable table. Pages without them (flame, diagnose) pay nothing.
import { startSection, whenParsed } from '../page.js';
import { TraceSection } from './section.js';
import { initTables } from './table.js';

let section: TraceSection | undefined;

/** The page's timeline section (initialised), or undefined. */
export function get(): TraceSection | undefined {
  return section;
}

function init(): void {
  initTables();
  for (const el of Array.from(document.querySelectorAll<HTMLElement>('section[data-goscope-trace]'))) {
    startSection(el, 'The timeline', (el) => (section = new TraceSection(el)));
  }
}

/** Marks the script's start (goscope-trace:script) and starts the timeline and tables once the document is parsed. */
export function startTraceSections(): void {
  performance.mark('goscope-trace:script');
  whenParsed(init);
}
