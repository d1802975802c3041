import { describe, expect, it } from 'vitest';
import { newRunId, RUN_ID_PATTERN } from './ids.ts';

describe('newRunId', () => {
  it('matches RUN_ID_PATTERN, is never numeric and sorts by creation time', () => {
    const early = newRunId(Date.UTC(2026, 0, 1));
    const late = newRunId(Date.UTC(2026, 11, 31));
    for (const id of [early, late, newRunId()]) {
      expect(id).toMatch(RUN_ID_PATTERN);
      expect(Number.isNaN(Number(id))).toBe(true);
    }
    expect(early < late).toBe(true);
  });

  it('gives 10,000 ids made in the same millisecond 10,000 values (40 random bits: a clash is 1 in 20 million)', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newRunId(now)));
    expect(ids.size).toBe(10_000);
  });
});
