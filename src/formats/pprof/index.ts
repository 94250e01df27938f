// The project's pprof (profile.proto) codec.
export { decodeProfile } from './decode.js';
export type { DecodeOptions } from './decode.js';
export { encodeProfile } from './encode.js';
export type { EncodeOptions } from './encode.js';
export {
  addInt64,
  compareInt64,
  emptyProfile,
  equalInt64,
  indexProfile,
  int64ToNumber,
  int64ToString,
  negInt64,
  normalizeInt64,
  subInt64,
  sumInt64,
  toBigInt,
} from './profile.js';
export type { Int64, Label, Line, Location, Mapping, Profile, ProfileFunction, ProfileIndex, Sample, ValueType } from './profile.js';
