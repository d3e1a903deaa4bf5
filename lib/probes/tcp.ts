// One probe: does anything accept a TCP connection at host:port within the
// timeout? The timeout covers the name lookup too (a host probed by its name),
// and the socket is destroyed however the probe ends, so a round of thousands
// of hosts leaves no connection or timer behind.
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ProbeTarget {
  /** An IP address or a host name. */
  host: string;
  port: number;
}

export type ProbeOutcome =
  | { answered: true; ms: number }
  | {
      answered: false;
      /** `timeout`: nothing within the timeout; `aborted`: the caller gave up (the round stops). */
      reason: 'refused' | 'timeout' | 'not-found' | 'unreachable' | 'reset' | 'error' | 'aborted';
      /** For a person: "connection refused", "host name not found", the error's code. */
      detail: string;
      ms: number;
    };

const REASONS: Record<string, [Exclude<ProbeOutcome, { answered: true }>['reason'], string]> = {
  ECONNREFUSED: ['refused', 'connection refused'],
  ENOTFOUND: ['not-found', 'host name not found'],
  EAI_AGAIN: ['not-found', 'host name lookup failed'],
  EHOSTUNREACH: ['unreachable', 'host unreachable'],
  ENETUNREACH: ['unreachable', 'network unreachable'],
  ECONNRESET: ['reset', 'connection reset'],
  // The kernel's own connect timeout (minutes) is far beyond ours, but say the same.
  ETIMEDOUT: ['timeout', 'no answer'],
};

export function probeTcp(target: ProbeTarget, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (signal?.aborted) return Promise.resolve({ answered: false, reason: 'aborted', detail: 'aborted', ms: 0 });
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    let done = false;
    const finish = (outcome: ProbeOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = () => finish({ answered: false, reason: 'aborted', detail: 'aborted', ms: elapsed() });
    // Timers run before I/O in each turn of the event loop: after a turn held up by other work
    // (an embedded database's statement), a connection made in time would lose to the timer.
    // One setImmediate lets that turn's I/O, its 'connect' included, be heard first.
    const timer = setTimeout(
      () => setImmediate(() => finish({ answered: false, reason: 'timeout', detail: `no answer within ${timeoutMs} ms`, ms: elapsed() })),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ answered: true, ms: elapsed() }));
    // Kept for the socket's life: an error after the outcome (none is expected once destroyed) must not go unheard.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const [reason, detail] = REASONS[error.code ?? ''] ?? ['error', error.code ?? 'connection failed'];
      finish({ answered: false, reason, detail: reason === 'timeout' ? `no answer within ${timeoutMs} ms` : detail, ms: elapsed() });
    });
  });
}

/** The line a status change writes into the host's activity: "TCP 22 answered in 3 ms", "TCP 22: connection refused". */
export function describeProbe(port: number, outcome: ProbeOutcome): string {
  return outcome.answered ? `TCP ${port} answered in ${outcome.ms} ms` : `TCP ${port}: ${outcome.detail}`;
}
