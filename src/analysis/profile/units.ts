// pprof's measurement package lives in src/shared/units.ts (the flame graph page formats
// with it too); re-exported here for the profile reports.
export * from '../../shared/units.js';
