// The in-process schedule: every replica offers a round, and the lease decides
// (lib/db/probes.ts). An offer is one UPDATE of one row that matches nothing
// unless a round is due, so it is made every third of the lease, not every
// interval: a round starts at most that long after PROBE_INTERVAL_S has passed
// since the last one started, and a holder that died is taken over that long
// after its lease lapsed, whatever the phase of each replica's timer.
import { leaseMs, runProbeRound, type RoundOptions } from './round';

export interface ProbeSchedule {
  /** Stops offering; a round in progress stops and gives its lease back. Resolves when it has. */
  stop(): Promise<void>;
}

/** How often each replica asks whether a round is due. */
export function offerEveryMs(config: RoundOptions['config']): number {
  return Math.floor(leaseMs(config) / 3);
}

export function startProbeSchedule(options: Omit<RoundOptions, 'scheduled' | 'signal'>): ProbeSchedule {
  if (options.config.PROBE_INTERVAL_S <= 0) throw new Error('PROBE_INTERVAL_S is 0: no probe schedule');
  const every = offerEveryMs(options.config);
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const offer = async () => {
    try {
      await runProbeRound({ ...options, scheduled: true, signal: stopping.signal });
    } catch (err) {
      options.logger.warn({ err }, 'a scheduled probe round failed; the next offer tries again');
    }
  };
  // A chain of timeouts, not an interval: an offer never overlaps the one before (a long round).
  const arm = () => {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      running = offer().finally(arm);
    }, every);
    // The HTTP server keeps the process alive, not the schedule.
    timer.unref();
  };
  arm();
  return {
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
