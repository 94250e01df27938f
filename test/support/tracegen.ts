// The real execution trace most trace tests start from: testdata/go/tracegen, built once
// (buildGo caches the binary) and run to write a trace file.
import path from 'node:path';
import { buildGo, type BuildOptions } from './go.js';
import { runLines } from './go-tool.js';

export const TRACEGEN_DIR = 'testdata/go/tracegen';

/**
 * Builds tracegen (with `build`: another toolchain and go line) and has it write a trace
 * to DIR/trace.out (bounded by timeoutMs); returns the file's path.
 */
export async function writeTracegenTrace(dir: string, timeoutMs = 60_000, build: BuildOptions = {}): Promise<string> {
  const bin = await buildGo(TRACEGEN_DIR, build);
  const file = path.join(dir, 'trace.out');
  await runLines(bin, ['-out', file], () => {}, timeoutMs);
  return file;
}
