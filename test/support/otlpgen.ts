// testdata/go/otlpgen: the OpenTelemetry Go SDK exporting spans and log records to OTLP
// endpoints, with a truth file of what it exported. Helpers to run it and to compare
// goscope's spans and records with the truth.
import { execFile } from 'node:child_process';
import { buildGo } from '../../scripts/go.js';

export * from './otlp-truth.js';

export const OTLPGEN_DIR = 'testdata/go/otlpgen';

let built: Promise<string> | undefined;
export function buildOtlpgen(): Promise<string> {
  built ??= buildGo(OTLPGEN_DIR);
  return built;
}

export interface OtlpgenRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

export async function runOtlpgen(args: string[], timeoutMs = 120_000): Promise<OtlpgenRun> {
  const bin = await buildOtlpgen();
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}
