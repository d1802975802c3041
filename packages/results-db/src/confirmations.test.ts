import { createNormal } from '@benchrunner/results';
import { describe, expect, it } from 'vitest';
import { confirmRounds, decideConfirmation, planConfirmation } from './confirmations.ts';

const normal = createNormal(11);
/** `runs` runs of ten values around `level` with 2 % noise. */
const runs = (count: number, level: number) =>
  Array.from({ length: count }, () => Array.from({ length: 10 }, () => level * (1 + normal(0, 0.02))));
const planned = { baseline: 3, suspect: 3 };

describe('decideConfirmation', () => {
  it('confirms a slowdown of a lower-is-better series', () => {
    const result = decideConfirmation(
      { kind: 'regression', change: 0.2, direction: 'lower' },
      runs(3, 100),
      runs(3, 120),
      {},
      planned,
    );
    expect(result).toMatchObject({
      outcome: 'confirmed',
      verdict: 'regressed',
      maxPValue: 0.01,
      minChange: 0.02,
    });
  });

  it('calls a change the other way noise, not a confirmation', () => {
    const result = decideConfirmation(
      { kind: 'regression', change: 0.2, direction: 'lower' },
      runs(3, 100),
      runs(3, 80),
      {},
      planned,
    );
    expect(result).toMatchObject({ outcome: 'noise', verdict: 'improved' });
    expect(result.reason).toMatch(/not the suspected regression/);
  });

  it('confirms a change without a better direction by its sign, and honours minChange', () => {
    const up = { kind: 'change', change: 0.1, direction: null } as const;
    expect(decideConfirmation(up, runs(3, 100), runs(3, 110), {}, planned).outcome).toBe('confirmed');
    expect(decideConfirmation(up, runs(3, 100), runs(3, 90), {}, planned).outcome).toBe('noise');
    expect(decideConfirmation(up, runs(3, 100), runs(3, 110), { minChange: 0.2 }, planned).outcome).toBe(
      'noise',
    );
  });

  it('cannot decide on single values that no p-value below maxPValue could come from', () => {
    const single = (level: number) => [[level], [level * 1.01], [level * 0.99]];
    const result = decideConfirmation(
      { kind: 'regression', change: 0.2, direction: 'lower' },
      single(100),
      single(120),
      {},
      planned,
    );
    expect(result).toMatchObject({ outcome: 'undecided', verdict: 'too few samples' });
    expect(result.reason).toMatch(/raise detect\.confirm\.rounds/);
  });
});

it('plans baseline and suspect alternating, and reads the rounds from detect.confirm', () => {
  let n = 0;
  const plan = planConfirmation('good', 'bad', 2, () => `r${n++}`);
  expect(plan).toEqual([
    { runId: 'r0', side: 'baseline', round: 0, commit: 'good' },
    { runId: 'r1', side: 'suspect', round: 1, commit: 'bad' },
    { runId: 'r2', side: 'baseline', round: 2, commit: 'good' },
    { runId: 'r3', side: 'suspect', round: 3, commit: 'bad' },
  ]);
  expect(confirmRounds(undefined)).toBe(3);
  expect(confirmRounds({ confirm: { rounds: 5 } })).toBe(5);
  expect(confirmRounds({ confirm: false })).toBeNull();
});
