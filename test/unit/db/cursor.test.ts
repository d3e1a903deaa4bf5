import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../lib/db/cursor';

describe('keyset cursor', () => {
  it('round-trips a list position', () => {
    const position = { priority: 'high' as const, updatedAt: '2026-11-22T10:05:00.123Z', id: '42' };
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
    ]) {
      expect(decodeCursor(bad), bad).toBeUndefined();
    }
  });
});
