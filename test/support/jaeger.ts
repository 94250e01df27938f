// The Jaeger launcher lives in scripts/jaeger.ts (the benchmarks use it too).
export * from '../../scripts/jaeger.js';
