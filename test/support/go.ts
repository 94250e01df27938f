// The Go fixture helpers live in scripts/go.ts (the demo runner uses them too).
export * from '../../scripts/go.js';
