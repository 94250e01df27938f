// loggen's truth file (testdata/go/loggen/README.md): what each logging call wrote, one
// JSON line per call. Pure (no Go): the checked-in fixtures' unit tests read it too.
import { readFileSync } from 'node:fs';

export interface Truth {
  line: number;
  dialect: string;
  timeNs: string;
  timeMaxNs: string;
  precisionNs: number;
  level: string;
  msg: string;
  service: string;
  traceId: string;
  spanId: string;
  traceKey: string;
  error: string;
  sourceFile: string;
  stack: boolean;
  panicBlock?: boolean;
  /** A line written torn on purpose (-torn): why it cannot be read. */
  torn?: string;
}

export function readTruth(file: string): Truth[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Truth);
}
