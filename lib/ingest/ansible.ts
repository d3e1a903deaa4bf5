// A play recap as Ansible's `json` stdout callback writes it (ansible.posix.json,
// formerly ansible.builtin): `plays[].play`, `plays[].tasks[].task` and
// `.hosts.<host>` results, `stats.<host>`. custom_stats and global_custom_stats
// are set_stats' own data and are not read.
import { z } from 'zod';
import { HOSTNAME, type TASK_OUTCOMES } from '../domain/inventory-schema';
import { CONTROL } from '../domain/field-rules';
import { documentError, INSTANT_RULE, instant, isRecord, JsonObject, Problems, storable, type PathSegment } from './document';

export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

export interface AnsibleTask {
  /** The task's place in the run, counted over all plays from 0; every host of one task shares it. */
  position: number;
  play: string;
  task: string;
  hostname: string;
  outcome: TaskOutcome;
  msg: string | null;
}

export interface AnsibleHostStats {
  hostname: string;
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface AnsibleRecap {
  plays: { name: string; start: string | null; end: string | null }[];
  /** Each task's result on each host, in play order, then task order, then the host order of its results. */
  tasks: AnsibleTask[];
  stats: AnsibleHostStats[];
  startedAt: string | null;
  finishedAt: string | null;
}

const WHAT = "Not an Ansible play recap (the json stdout callback's output)";

/** A task's message is shown, not archived: the raw document keeps the rest. */
const MSG_MAX = 2000;

const Instant = z.string().refine((v) => instant(v) !== undefined, INSTANT_RULE);
const Duration = z.object({ start: Instant.optional(), end: Instant.optional() }).optional();

const Recap = z.object({
  plays: z.array(z.unknown()),
  stats: JsonObject,
});

const Play = z.object({
  play: z.object({ name: z.string(), id: z.string().optional(), duration: Duration }),
  tasks: z.array(z.unknown()),
});

const Task = z.object({
  task: z.object({ name: z.string(), id: z.string().optional(), duration: Duration }),
  hosts: JsonObject,
});

const flag = z.boolean().optional();
const HostResult = z.object({
  action: z.string().optional(),
  changed: flag,
  failed: flag,
  skipped: flag,
  unreachable: flag,
  msg: z.unknown().optional(),
});

const count = z.number().int().min(0, 'must not be negative');
const HostStats = z.object({
  ok: count,
  changed: count,
  failures: count,
  unreachable: count,
  skipped: count,
  // Since Ansible 2.8; older recaps have neither.
  rescued: count.default(0),
  ignored: count.default(0),
});

/** Reads a recap; throws DocumentError with paths like `plays[0].tasks[2].hosts["web-1"].failed`. */
export function readAnsibleRecap(doc: unknown): AnsibleRecap {
  if (!isRecord(doc)) throw documentError(WHAT, [], 'must be a JSON object');
  const problems = new Problems(WHAT);
  const recap = problems.check(Recap, doc, []);
  problems.throwIfAny();

  const plays: AnsibleRecap['plays'] = [];
  const tasks: AnsibleTask[] = [];
  let position = 0;
  recap!.plays.forEach((element, p) => {
    const play = problems.check(Play, element, ['plays', p]);
    if (!play) return;
    const name = storable(play.play.name);
    plays.push({ name, start: at(play.play.duration?.start), end: at(play.play.duration?.end) });
    play.tasks.forEach((taskElement, t) => {
      const path: PathSegment[] = ['plays', p, 'tasks', t];
      const task = problems.check(Task, taskElement, path);
      if (!task) return;
      for (const [hostname, result] of Object.entries(task.hosts)) {
        const where = [...path, 'hosts', hostname];
        if (!HOSTNAME.test(hostname)) {
          problems.add(where, 'is not a host name (letters, digits, . - _; up to 253)');
          continue;
        }
        const r = problems.check(HostResult, result, where);
        if (r) tasks.push({ position, play: name, task: storable(task.task.name), hostname, outcome: outcomeOf(r), msg: message(r.msg) });
      }
      position++;
    });
  });

  const stats: AnsibleHostStats[] = [];
  for (const [hostname, value] of Object.entries(recap!.stats)) {
    if (!HOSTNAME.test(hostname)) {
      problems.add(['stats', hostname], 'is not a host name (letters, digits, . - _; up to 253)');
      continue;
    }
    const s = problems.check(HostStats, value, ['stats', hostname]);
    if (s) stats.push({ hostname, ...s });
  }
  problems.throwIfAny();

  // Play durations are the callback's only clock: the run spans the first start to the last end.
  const starts = plays.map((p) => p.start).filter((v) => v !== null);
  const ends = plays.map((p) => p.end).filter((v) => v !== null);
  return {
    plays,
    tasks,
    stats,
    startedAt: starts.length ? starts.reduce((a, b) => (b < a ? b : a)) : null,
    finishedAt: ends.length ? ends.reduce((a, b) => (b > a ? b : a)) : null,
  };
}

const at = (value: string | undefined) => (value === undefined ? null : instant(value)!);

/** unreachable, then failed, then skipped, then changed; else ok. */
function outcomeOf(r: z.output<typeof HostResult>): TaskOutcome {
  if (r.unreachable) return 'unreachable';
  if (r.failed) return 'failed';
  if (r.skipped) return 'skipped';
  if (r.changed) return 'changed';
  return 'ok';
}

/** `msg` as one can show it: text without control characters (NUL cannot be stored), clipped; a list or object as JSON. */
function message(msg: unknown): string | null {
  if (msg === undefined || msg === null) return null;
  const raw = typeof msg === 'string' ? msg : (JSON.stringify(msg) ?? String(msg));
  const clean = raw.replace(new RegExp(CONTROL.source, 'gu'), '').toWellFormed();
  const clipped = clipCodePoints(clean, MSG_MAX);
  return clipped === '' ? null : clipped;
}

/** At most `max` characters (code points), the last one `…` when something was cut. */
function clipCodePoints(text: string, max: number): string {
  if (text.length <= max) return text;
  let n = 0;
  let cut = 0;
  for (let i = 0; i < text.length; i += text.codePointAt(i)! > 0xffff ? 2 : 1) {
    if (n === max - 1) cut = i;
    if (n === max) return `${text.slice(0, cut)}…`;
    n++;
  }
  return text;
}
