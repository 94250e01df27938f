// Timestamps of one hop, taken where Go's httptrace hooks fire, and the phases they give.
import { performance } from 'node:perf_hooks';
import { emptyPhases, type Phases } from '../../formats/http/exchange.js';
import type { Phase } from './failure.js';
import type { TimeSplit } from '../../lib/thread-time.js';

export const now = (): number => performance.now();

export class HopTimer {
  start = NaN;
  dnsStart = NaN;
  dnsEnd = NaN;
  connectStart = NaN;
  connectEnd = NaN;
  /** Where this thread's time went from connectStart to connectEnd (null: not known). */
  connectSplit: TimeSplit | null = null;
  tlsStart = NaN;
  tlsEnd = NaN;
  gotConn = NaN;
  wrote = NaN;
  firstByte = NaN;
  end = NaN;

  /** The phase in progress at this moment (for naming a timeout or a failure). */
  phase(): Phase {
    if (!Number.isNaN(this.firstByte)) return 'transfer';
    if (!Number.isNaN(this.wrote)) return 'serverProcessing';
    if (!Number.isNaN(this.gotConn)) return 'requestWrite';
    if (!Number.isNaN(this.tlsStart)) return 'tls';
    if (!Number.isNaN(this.connectStart)) return 'connect';
    if (!Number.isNaN(this.dnsStart)) return 'dns';
    return 'connect';
  }

  /** When the phase in progress began. */
  phaseStart(): number {
    switch (this.phase()) {
      case 'transfer':
        return this.firstByte;
      case 'serverProcessing':
        return this.wrote;
      case 'requestWrite':
        return this.gotConn;
      case 'tls':
        return this.tlsStart;
      case 'connect':
        return Number.isNaN(this.connectStart) ? this.start : this.connectStart;
      case 'dns':
        return this.dnsStart;
    }
  }

  /** Phases completed so far; total and ttfb run from `chainStart` (the first hop's start). */
  phases(chainStart = this.start): Phases {
    const p = emptyPhases();
    p.dns = span(this.dnsStart, this.dnsEnd);
    p.connect = span(this.connectStart, this.connectEnd);
    p.tls = span(this.tlsStart, this.tlsEnd);
    p.requestWrite = span(this.gotConn, this.wrote);
    p.serverProcessing = span(this.gotConn, this.firstByte);
    p.transfer = span(this.firstByte, this.end);
    p.ttfb = span(chainStart, this.firstByte);
    p.total = span(chainStart, this.end);
    return p;
  }
}

function span(a: number, b: number): number | null {
  return Number.isNaN(a) || Number.isNaN(b) ? null : Math.max(0, b - a);
}
