// Turning what went wrong on the wire into one line that names the request, the phase and
// what to do about it.
import { fmtMs as ms } from '../../formats/http/duration.js';
import { oneLine } from '../../lib/text.js';
import type { Failure, FailureKind, Phases, TimeoutKind } from '../../formats/http/exchange.js';

export type Phase = Failure['phase'];

/** A failure travelling through promise rejections; `failure` is what gets reported. */
export class ExchangeFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'ExchangeFailed';
  }
}

export const PHASE_LABEL: Record<Phase, string> = {
  dns: 'DNS lookup',
  connect: 'TCP connect',
  tls: 'TLS handshake',
  requestWrite: 'writing the request',
  serverProcessing: 'server processing (waiting for the response headers)',
  transfer: 'content transfer (reading the body)',
};

export const TIMEOUT_FLAG: Record<TimeoutKind, string> = {
  connect: '--connect-timeout',
  tls: '--tls-timeout',
  header: '--header-timeout',
  total: '--timeout',
};

export function fail(kind: FailureKind, phase: Phase, message: string, code: string | null = null, timeout: TimeoutKind | null = null): ExchangeFailed {
  return new ExchangeFailed({ kind, phase, timeout, message, code });
}

/** A system error (errno or OpenSSL code) during `phase` -> one actionable line. */
export function fromSystemError(what: string, phase: Phase, err: NodeJS.ErrnoException, where: string): ExchangeFailed {
  const code = String(err.code ?? '');
  switch (code) {
    case 'ECONNREFUSED':
      return fail('refused', phase, `${what}: connection refused by ${where}: is the service running and listening on that address and port?`, code);
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'EAI_FAIL':
    case 'EAI_AGAIN':
      return fail('dns', phase, `${what}: cannot resolve "${where}" (${code}): check the host name, or pin it with --resolve host:port:addr`, code);
    case 'ECONNRESET':
    case 'EPIPE':
      return fail(
        'reset',
        phase,
        `${what}: the connection was reset during ${PHASE_LABEL[phase]} (${code}): is this the right port (http vs https), and is the service healthy?`,
        code,
      );
    case 'ETIMEDOUT':
      return fail('timeout', phase, `${what}: the operating system timed out during ${PHASE_LABEL[phase]} (${code}): is ${where} reachable (firewall)?`, code);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
    case 'EAFNOSUPPORT':
      return fail('unreachable', phase, `${what}: ${where} is unreachable (${code}): check the address, the IP version (-4/-6) and your network`, code);
  }
  if (phase === 'tls' || code.startsWith('ERR_SSL') || code === 'EPROTO' || /ssl|tls/i.test(err.message)) {
    return fail(
      'tls',
      'tls',
      `${what}: TLS handshake with ${where} failed (${code || oneLine(err.message, 80)}): does it really serve https on this port? try http://`,
      code || null,
    );
  }
  return fail('network', phase, `${what}: ${PHASE_LABEL[phase]} failed: ${code || oneLine(err.message, 120)}`, code || null);
}

/** A fired timeout: which one, in which phase, and how long each earlier phase took. */
export function timeoutFailure(what: string, kind: TimeoutKind, limitMs: number, phase: Phase, done: Phases, inPhaseMs: number): ExchangeFailed {
  const before: string[] = [];
  const order: [keyof Phases, string][] = [
    ['dns', 'dns'],
    ['connect', 'connect'],
    ['tls', 'tls'],
    ['requestWrite', 'request write'],
    ['serverProcessing', 'server processing'],
  ];
  for (const [k, label] of order) {
    const v = done[k];
    if (v !== null) before.push(`${label} ${ms(v)}`);
  }
  const after = before.length ? `; before it: ${before.join(', ')}` : '';
  return fail(
    'timeout',
    phase,
    `${what}: ${TIMEOUT_FLAG[kind]} ${ms(limitMs)} fired during ${PHASE_LABEL[phase]}, ${ms(inPhaseMs)} into it${after}`,
    null,
    kind,
  );
}
