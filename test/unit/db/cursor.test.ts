import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../lib/db/cursor';

describe('keyset cursor', () => {
  it('round-trips a list position', () => {
    const position = { priority: 'high' as const, updatedAt: '2026-11-22T10:05:00.123Z', id: 42 };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it('refuses text it did not issue', () => {
    const forged = (s: string) => Buffer.from(s).toString('base64url');
    for (const bad of [
      '',
      'not a cursor!',
      forged('urgent|2026-11-22T10:05:00.123Z|42'),
      forged('high|yesterday|42'),
      forged('high|2026-11-22T10:05:00.123Z|-1'),
      forged("high|2026-11-22T10:05:00.123Z|1' OR 1=1"),
      forged('high|2026-13-45T10:05:00.123Z|42'),
      forged('high|2026-11-22T10:05:00.123Z|42|extra'),
      // Well-formed, but no instant: PostgreSQL would refuse them (22008) after Date.parse let them by.
      forged('high|2026-02-30T10:00:00.000Z|1'),
      forged('high|2026-04-31T10:00:00.000Z|1'),
      forged('high|0000-01-01T00:00:00.000Z|1'),
      forged('high|2026-11-22T24:00:00.000Z|1'),
      forged('high|2026-11-22T10:60:00.000Z|1'),
      // Beyond a safe integer (and bigint): not an id this API hands out.
      forged('high|2026-11-22T10:05:00.123Z|9007199254740993'),
      forged('high|2026-11-22T10:05:00.123Z|99999999999999999999'),
    ]) {
      expect(decodeCursor(bad), bad).toBeUndefined();
    }
  });
});
