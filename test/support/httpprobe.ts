// testdata/go/httpprobe: Go's own client with net/http/httptrace, the oracle for goscope http.
import { execFile } from 'node:child_process';
import { buildGo } from './go.js';

export interface ProbeLine {
  i: number;
  status: number | null;
  proto: string | null;
  reused: boolean;
  remote: string | null;
  phases: Record<'dns' | 'connect' | 'tls' | 'requestWrite' | 'serverProcessing' | 'transfer' | 'total', number | null>;
  error: string | null;
}

export const PROBE_DIR = 'testdata/go/httpprobe';

/** Runs the probe with `args` and returns its JSON lines (per request, or the -summary line). */
export async function runProbe(args: string[], timeoutMs = 60_000): Promise<unknown[]> {
  const bin = await buildGo(PROBE_DIR);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, out, errOut) => {
      if (err && !out) reject(new Error(`httpprobe ${args.join(' ')}: ${err.message}\n${errOut}`));
      else resolve(out);
    });
  });
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as unknown);
}
