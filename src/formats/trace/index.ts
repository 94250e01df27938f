// Go execution traces (Go 1.22+ format): see reader.ts for what is decoded and what is left.
export * from './reader.js';
export * from './spec.js';
export * from './clock.js';
export * from './event.js';
export * from './event-stream.js';
