// Running `go tool …` oracles whose output is too big to buffer (go tool trace -d=…):
// line by line, in an environment free of the caller's runtime knobs (scripts/go-tools.ts).
import { goEnv, type Toolchain } from './go.js';
export { runLines } from '../../scripts/go-tools.js';

/** The caller's environment without settings that would change what Go's tools print; Go's tools of `toolchain`. */
export function goToolEnv(toolchain: Toolchain = 'local'): NodeJS.ProcessEnv {
  return goEnv(undefined, toolchain);
}
