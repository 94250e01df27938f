// What one diagnose run captured (plan.ts captureAll), or a capture folder read back
// (manifest.ts loadCapture): the profiles, dumps and trace with each one's status.
import type { CapturedLeakProfile, CapturedProfile, CapturedText, ProfileType } from './profiles.js';
import type { CapturedTrace } from './trace.js';

export type CaptureKind = ProfileType | 'goroutine-dump';

export interface CaptureStatus {
  state: 'ok' | 'disabled' | 'failed';
  /** Why it failed / what to do to enable it; for 'ok', an optional remark. */
  message?: string;
}

/** Two snapshots of a cumulative profile; either is missing if its request failed. */
export interface SnapshotPair {
  older?: CapturedProfile;
  newer?: CapturedProfile;
}

export interface CaptureSet {
  service: string;
  dir: string;
  seconds: number;
  startedAt: Date;
  finishedAt: Date;
  cpu?: CapturedProfile;
  heap?: CapturedProfile;
  threadcreate?: CapturedProfile;
  allocs: SnapshotPair;
  mutex: SnapshotPair;
  block: SnapshotPair;
  /** goroutine (debug=0) snapshots in time order. */
  goroutines: CapturedProfile[];
  /** The final `?debug=2` dump (goroutines.txt): exact states and wait times. */
  goroutineDump?: CapturedText;
  /** The `?debug=2` dump right after goroutine #1 (goroutines.first.txt): the ids the leak verdict follows. */
  goroutineFirstDump?: CapturedText;
  /** Go's goroutineleak profile (goroutineleak.pb.gz); absent when not served (or not reached). */
  leakProfile?: CapturedLeakProfile;
  /** The execution trace (trace.out) of the last `traceSeconds` of the window, when asked for. */
  trace?: CapturedTrace;
  /** Trace length asked for (0: no trace). */
  traceSeconds: number;
  /** `trace` is there only when a trace was asked for; `goroutineleak` when it was served or its request failed. */
  status: Record<CaptureKind, CaptureStatus> & { trace?: CaptureStatus; goroutineleak?: CaptureStatus };
  /** Every file saved, in capture order (capture.json last). */
  files: string[];
  /** capture.json: what was taken when, and each status, for analysing the folder later. */
  manifest?: string;
  /** Stopped early by the signal: what was taken is kept, the rest is 'failed'. */
  aborted: boolean;
}
