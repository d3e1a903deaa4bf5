import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readAnsibleRecap } from '../../../lib/ingest/ansible';
import { DocumentError, parseJson } from '../../../lib/ingest/document';

const fixture = (name: string) => parseJson(readFileSync(new URL(`../../fixtures/ingest/${name}`, import.meta.url)));

function thrown(act: () => unknown): DocumentError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError);
    return error as DocumentError;
  }
  throw new Error('expected a DocumentError');
}

const STATS = { ok: 1, changed: 0, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };

/** A recap of one play with these tasks (name → host results), as the json callback writes it. */
function recap(
  tasks: Record<string, Record<string, object>>,
  extra: object = {},
): { plays: any[]; stats: unknown; [key: string]: unknown } {
  return {
    custom_stats: {},
    global_custom_stats: {},
    plays: [
      {
        play: { duration: { end: '2024-05-14T03:06:00.000001Z', start: '2024-05-14T03:05:00.000001Z' }, id: 'p-1', name: 'Play one' },
        tasks: Object.entries(tasks).map(([name, hosts], i) => ({
          hosts,
          task: { duration: { end: '2024-05-14T03:05:30Z', start: '2024-05-14T03:05:01Z' }, id: `t-${i}`, name },
        })),
      },
    ],
    stats: { 'web-1': STATS },
    ...extra,
  };
}

describe('readAnsibleRecap', () => {
  it('reads recap.json: plays, tasks flattened in play order with their position, stats per host', () => {
    // Prepare
    const doc = fixture('recap.json');

    // Act
    const read = readAnsibleRecap(doc);

    // Assess
    expect(read.plays).toEqual([
      { name: 'Patch web and database servers', start: '2024-05-14T03:05:02.118Z', end: '2024-05-14T03:05:41.702Z' },
      { name: 'Configure nginx', start: '2024-05-14T03:05:41.713Z', end: '2024-05-14T03:05:58.240Z' },
    ]);
    expect(read.tasks.map((t) => [t.position, t.play, t.task, t.hostname, t.outcome])).toEqual([
      [0, 'Patch web and database servers', 'Gathering Facts', 'db-1', 'unreachable'],
      [0, 'Patch web and database servers', 'Gathering Facts', 'web-1', 'ok'],
      [0, 'Patch web and database servers', 'Gathering Facts', 'web-2', 'ok'],
      [1, 'Patch web and database servers', 'Install security updates', 'web-1', 'changed'],
      [1, 'Patch web and database servers', 'Install security updates', 'web-2', 'failed'],
      [2, 'Patch web and database servers', 'Reboot when the kernel was updated', 'web-1', 'skipped'],
      [3, 'Configure nginx', 'Render nginx.conf', 'web-1', 'changed'],
      [4, 'Configure nginx', 'reload nginx', 'web-1', 'changed'],
    ]);
    expect(read.tasks[0]!.msg).toBe('Failed to connect to the host via ssh: ssh: connect to host 10.0.2.21 port 22: Connection timed out');
    expect(read.tasks[4]!.msg).toMatch(/^Failed to lock apt for exclusive operation/);
    expect(read.tasks[1]!.msg).toBeNull();
    expect(read.stats).toEqual([
      { hostname: 'db-1', ok: 0, changed: 0, failures: 0, unreachable: 1, skipped: 0, rescued: 0, ignored: 0 },
      { hostname: 'web-1', ok: 4, changed: 3, failures: 0, unreachable: 0, skipped: 1, rescued: 0, ignored: 0 },
      { hostname: 'web-2', ok: 1, changed: 0, failures: 1, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 },
    ]);
    expect(read.startedAt).toBe('2024-05-14T03:05:02.118Z');
    expect(read.finishedAt).toBe('2024-05-14T03:05:58.240Z');
  });

  it('decides a host’s outcome: unreachable, then failed, then skipped, then changed, else ok', () => {
    // Prepare
    const doc = recap({
      t: {
        a: { unreachable: true, failed: true, changed: true },
        b: { failed: true, skipped: true, changed: true },
        c: { skipped: true, changed: true },
        d: { changed: true },
        e: { changed: false },
        f: {},
        g: { failed: false, unreachable: false, skipped: false },
      },
    });

    // Act
    const read = readAnsibleRecap(doc);

    // Assess
    expect(read.tasks.map((t) => [t.hostname, t.outcome])).toEqual([
      ['a', 'unreachable'],
      ['b', 'failed'],
      ['c', 'skipped'],
      ['d', 'changed'],
      ['e', 'ok'],
      ['f', 'ok'],
      ['g', 'ok'],
    ]);
  });

  it('counts positions over all plays, so that two tasks of one name stay apart, and skips tasks without results', () => {
    // Prepare
    const doc = recap({ first: { 'web-1': {} }, empty: {}, second: { 'web-1': {}, 'web-2': {} } });
    doc.plays.push({ ...doc.plays[0]!, play: { ...doc.plays[0]!.play, name: 'Play two' } });

    // Act
    const read = readAnsibleRecap(doc);

    // Assess
    expect(read.tasks.map((t) => [t.position, t.play, t.task, t.hostname])).toEqual([
      [0, 'Play one', 'first', 'web-1'],
      [2, 'Play one', 'second', 'web-1'],
      [2, 'Play one', 'second', 'web-2'],
      [3, 'Play two', 'first', 'web-1'],
      [5, 'Play two', 'second', 'web-1'],
      [5, 'Play two', 'second', 'web-2'],
    ]);
  });

  it('keeps a message as text: a list or object as JSON, control characters out, clipped at 2000 characters', () => {
    // Prepare
    const doc = recap({
      t: {
        list: { msg: ['one', 'two'] },
        colour: { msg: '\u001b[0;31mred\u001b[0m\u0000 text\nnext line' },
        long: { msg: '😀'.repeat(2_500) },
        exact: { msg: '😀'.repeat(2_000) },
        blank: { msg: '' },
      },
    });

    // Act
    const msgs = Object.fromEntries(readAnsibleRecap(doc).tasks.map((t) => [t.hostname, t.msg]));

    // Assess
    expect(msgs.list).toBe('["one","two"]');
    expect(msgs.colour).toBe('[0;31mred[0m text\nnext line');
    expect([...msgs.long!]).toHaveLength(2_000);
    expect(msgs.long!.endsWith('😀…')).toBe(true);
    expect(msgs.exact).toBe('😀'.repeat(2_000));
    expect(msgs.blank).toBeNull();
  });

  it('reads stats of recaps from before Ansible 2.8, which have no rescued or ignored', () => {
    // Prepare
    const doc = recap({}, { stats: { 'web-1': { ok: 2, changed: 1, failures: 0, unreachable: 0, skipped: 0 } } });

    // Act
    const read = readAnsibleRecap(doc);

    // Assess
    expect(read.stats).toEqual([{ hostname: 'web-1', ok: 2, changed: 1, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 }]);
  });

  it('takes the run from the earliest start to the latest end, and null without durations', () => {
    // Prepare
    const doc = recap({});
    const second = { play: { name: 'Later', id: 'p-2', duration: { start: '2024-05-14T03:04:00Z' } }, tasks: [] };
    doc.plays.push(second);
    const none = recap({});
    none.plays[0]!.play = { name: 'No results', id: 'p-0', duration: undefined as never };

    // Act
    const read = readAnsibleRecap(doc);
    const empty = readAnsibleRecap(none);

    // Assess
    expect(read.plays[1]).toEqual({ name: 'Later', start: '2024-05-14T03:04:00.000Z', end: null });
    expect(read.startedAt).toBe('2024-05-14T03:04:00.000Z');
    expect(read.finishedAt).toBe('2024-05-14T03:06:00.000Z');
    expect(empty.startedAt).toBeNull();
    expect(empty.finishedAt).toBeNull();
    expect(readAnsibleRecap({ plays: [], stats: {} })).toEqual({ plays: [], tasks: [], stats: [], startedAt: null, finishedAt: null });
  });

  it('refuses recap-bad-stats.json at each wrong field, the first named in the message', () => {
    // Act
    const error = thrown(() => readAnsibleRecap(fixture('recap-bad-stats.json')));

    // Assess
    expect(error.errors).toEqual([
      { path: 'plays[1].tasks[0].hosts["web-1"].changed', message: 'must be a boolean' },
      { path: 'stats["web-1"].failures', message: 'must be a number' },
    ]);
    expect(error.message).toBe(
      'Not an Ansible play recap (the json stdout callback\'s output): plays[1].tasks[0].hosts["web-1"].changed: must be a boolean (and 1 more problem)',
    );
  });

  it('refuses wrong shapes with their paths', () => {
    expect(thrown(() => readAnsibleRecap('plays')).errors).toEqual([{ path: '(document)', message: 'must be a JSON object' }]);
    expect(thrown(() => readAnsibleRecap({ plays: [] })).errors).toEqual([{ path: 'stats', message: 'is required' }]);
    expect(thrown(() => readAnsibleRecap({ stats: {} })).errors).toEqual([{ path: 'plays', message: 'is required' }]);
    expect(thrown(() => readAnsibleRecap({ plays: [{ tasks: [] }], stats: {} })).errors).toEqual([
      { path: 'plays[0].play', message: 'is required' },
    ]);
    expect(thrown(() => readAnsibleRecap(recap({ t: { 'web-1': 'ok' as never } }))).errors).toEqual([
      { path: 'plays[0].tasks[0].hosts["web-1"]', message: 'must be an object' },
    ]);
    expect(thrown(() => readAnsibleRecap(recap({}, { stats: { 'web-1': { ...STATS, ok: -1 } } }))).errors).toEqual([
      { path: 'stats["web-1"].ok', message: 'must not be negative' },
    ]);
    expect(thrown(() => readAnsibleRecap(recap({}, { stats: { 'web-1': { ...STATS, ok: 1.5 } } }))).errors).toEqual([
      { path: 'stats["web-1"].ok', message: 'must be a whole number' },
    ]);
    const late = recap({});
    late.plays[0]!.play.duration.start = '14 May 2024';
    expect(thrown(() => readAnsibleRecap(late)).errors).toEqual([
      { path: 'plays[0].play.duration.start', message: 'must be an ISO 8601 date and time with Z or an offset' },
    ]);
  });

  it('refuses host names that are not host names, in task results and in stats', () => {
    // Prepare
    const doc = recap({ t: { 'web 1': {} } }, { stats: { 'web 1': STATS } });

    // Act
    const error = thrown(() => readAnsibleRecap(doc));

    // Assess
    expect(error.errors).toEqual([
      { path: 'plays[0].tasks[0].hosts["web 1"]', message: 'is not a host name (letters, digits, . - _; up to 253)' },
      { path: 'stats["web 1"]', message: 'is not a host name (letters, digits, . - _; up to 253)' },
    ]);
  });
});
