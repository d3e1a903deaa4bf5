// Input that looks well-formed and only the database would find wrong: list
// cursors whose timestamp is not a real instant (February 30th, April 31st,
// year 0000, hour 24, minute 60) or whose id does not fit a bigint. The API
// must refuse them itself as 400 validation problems naming `cursor`, never
// pass them to PostgreSQL and answer 500 (SQLSTATE 22008 / 22003), and change
// nothing stored. Real edge instants must keep working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createAction, ENGINES, expectProblem, startApp, storedState, type TestApp } from '../support/app';

const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** Cursors that decode to the right shape but to a position that cannot exist. */
const IMPOSSIBLE: [string, string][] = [
  ['February 30th', 'high|2026-02-30T10:00:00.000Z|1'],
  ['April 31st', 'high|2026-04-31T10:00:00.000Z|1'],
  ['February 29th of a common year', 'high|2027-02-29T10:00:00.000Z|1'],
  ['year 0000', 'high|0000-01-01T10:00:00.000Z|1'],
  ['hour 24', 'high|2026-01-01T24:00:00.000Z|1'],
  ['minute 60', 'high|2026-01-01T10:60:00.000Z|1'],
  ['second 60', 'high|2026-01-01T10:00:60.000Z|1'],
  ['an id above the bigint range', 'high|2026-01-01T10:00:00.000Z|99999999999999999999'],
  ['an id one above the largest bigint', 'high|2026-01-01T10:00:00.000Z|9223372036854775808'],
];

/** Real positions at the edges, which the API may have issued or may one day issue: still 200. */
const REAL: [string, string][] = [
  ['an ordinary instant', 'high|2026-01-01T10:00:00.000Z|1'],
  ['a leap day', 'high|2028-02-29T23:59:59.999Z|1'],
  ['the last millisecond of a year', 'low|2026-12-31T23:59:59.999Z|7'],
  ['year 0001', 'critical|0001-01-01T00:00:00.000Z|1'],
];

describe.each(ENGINES)('data only the database would refuse, on %s', (engine) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine);
    for (const priority of ['critical', 'high', 'low'])
      await createAction(app, { title: `A ${priority} action for cursor checks`, priority });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('encodes the February 30th cursor exactly as the bug report quotes it', () => {
    expect(cursorOf(IMPOSSIBLE[0]![1])).toBe('aGlnaHwyMDI2LTAyLTMwVDEwOjAwOjAwLjAwMFp8MQ');
  });

  it.each(IMPOSSIBLE)('refuses a cursor with %s as a 400 validation problem naming cursor (%s)', async (_name, position) => {
    const before = await storedState(app);
    const res = await app.call('GET', `/api/v1/actions?cursor=${cursorOf(position)}`, { as: as.viewer });

    const problem = expectProblem(res, 400);
    expect(problem.type).toMatch(/\/validation$/);
    expect(
      problem.errors?.map((e) => e.path),
      res.text,
    ).toContain('cursor');
    expect(await storedState(app)).toEqual(before);
  });

  it.each(REAL)('still pages from a cursor at %s (%s)', async (_name, position) => {
    const res = await app.call('GET', `/api/v1/actions?cursor=${cursorOf(position)}`, { as: as.viewer });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ items: expect.any(Array), next_cursor: null });
  });
});
