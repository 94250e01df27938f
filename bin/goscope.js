#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` via the prepare script).
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('goscope: not built yet: run `npm ci` (or `npm run build`) in the goscope folder\n');
    process.exit(1);
  }
  throw err;
});
