// The benchmark may share its two cores with other work (a test suite, a
// compiler): that halves the numbers without any sign in them. So it waits
// for an idle machine before each measurement, and measures how much CPU
// processes other than its own (this process, the server, the PostgreSQL
// processes serving its database) took during it; a contended measurement is
// repeated, and flagged if it stays so.
// Linux /proc only; elsewhere both checks are skipped.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const CORES = cpus().length;

/** Idle servers and an idle PostgreSQL leave the machine ~98% idle. */
const MIN_IDLE = 0.85;
/** Other processes' CPU, in cores, above which a measurement counts as contended. */
export const MAX_FOREIGN_CORES = 0.2;

function systemTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** CPU ticks a process has used so far; undefined once it is gone. */
function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm) ": state is the first, utime the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

const supported = (() => {
  try {
    systemTicks();
    return true;
  } catch {
    return false;
  }
})();

/** The processes doing the benchmark's work, by role. */
export interface OwnProcesses {
  server: number[];
  postgres: number[];
  /** This process: autocannon. */
  client: number[];
}

export interface CpuUse {
  /** CPU seconds each role used. */
  server: number;
  postgres: number;
  client: number;
  /** Cores, on average, that processes other than ours took. */
  foreignCores: number;
}

const TICK_S = 0.01; // USER_HZ is 100 on Linux

/**
 * Starts watching; `stop()` says what each of our roles and everything else
 * used meanwhile (NaN where unsupported). `ours()` is asked at the start and at
 * the end: PostgreSQL backends forked during the run count from 0.
 */
export async function watchCpu(ours: () => Promise<OwnProcesses>): Promise<{ stop(): Promise<CpuUse> }> {
  if (!supported) return { stop: async () => ({ server: Number.NaN, postgres: Number.NaN, client: Number.NaN, foreignCores: Number.NaN }) };
  const first = await ours();
  const system0 = systemTicks();
  const ticks0 = new Map(Object.values(first).flat().map((pid) => [pid, processTicks(pid)]));
  return {
    async stop() {
      const system1 = systemTicks();
      const last = await ours();
      const used = (role: keyof OwnProcesses) => {
        let ticks = 0;
        for (const pid of new Set([...first[role], ...last[role]])) {
          // A process that exited meanwhile (an idle pool connection closing)
          // took its ticks with it: its share counts as foreign, a small error.
          const now = processTicks(pid);
          if (now !== undefined) ticks += now - (ticks0.get(pid) ?? 0);
        }
        return ticks;
      };
      const server = used('server');
      const postgres = used('postgres');
      const client = used('client');
      const total = system1.total - system0.total;
      const foreign = Math.max(0, system1.busy - system0.busy - server - postgres - client);
      return {
        server: server * TICK_S,
        postgres: postgres * TICK_S,
        client: client * TICK_S,
        foreignCores: total > 0 ? (foreign / total) * CORES : 0,
      };
    },
  };
}

async function idleFraction(ms = 200): Promise<number> {
  const before = systemTicks();
  await new Promise((r) => setTimeout(r, ms));
  const after = systemTicks();
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.busy - before.busy) / total : 1;
}

/**
 * Time the run may spend on other work: waiting for an idle CPU before a
 * measurement, and repeating a measurement that other processes disturbed.
 * Shared by the whole run, so a busy machine lengthens it by a bounded amount.
 */
export class ContentionBudget {
  constructor(private remainingS: number) {}

  /** Waits until at least MIN_IDLE of the CPU is idle or the budget is spent; returns the idle fraction last seen. */
  async waitForQuiet(log: (line: string) => void): Promise<number> {
    if (!supported) return Number.NaN;
    const started = Date.now();
    let idle = await idleFraction();
    if (idle < MIN_IDLE && this.remainingS > 0) log(`  waiting for other work on this machine (${Math.round((1 - idle) * 100)}% CPU busy)…`);
    while (idle < MIN_IDLE && this.remainingS - (Date.now() - started) / 1000 > 0) {
      await new Promise((r) => setTimeout(r, 1_000));
      idle = await idleFraction();
    }
    this.remainingS -= (Date.now() - started) / 1000;
    if (idle < MIN_IDLE) log(`  measuring anyway: ${Math.round((1 - idle) * 100)}% CPU busy with other work`);
    return idle;
  }

  /** Whether a disturbed measurement of `seconds` may be repeated (and books it). */
  allowRepeat(seconds: number): boolean {
    if (this.remainingS < seconds) return false;
    this.remainingS -= seconds;
    return true;
  }
}
