import { describe, expect, it } from 'vitest';
import {
  type BisectCommit,
  type BisectInput,
  type BisectStep,
  nextStep,
  type ProbeRecord,
  type ProbeResult,
  probeRepeats,
  recordProbe,
} from './bisect.ts';
import { createNormal } from './stats/random.ts';

function commits(n: number, merges: number[] = []): BisectCommit[] {
  return Array.from({ length: n }, (_, i) => ({
    sha: `c${String(i).padStart(39, '0')}`,
    parents: merges.includes(i) ? [`p${i}`, `side${i}`] : [`p${i}`],
    subject: `commit ${i}`,
    author: 'A. Author',
    authorTime: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    ...(merges.includes(i) ? { merged: [`side${i}b`, `side${i}a`] } : {}),
  }));
}

/** Draws `n` samples around `level` with 1 % noise. */
function sampler(seed: number) {
  const normal = createNormal(seed);
  return (level: number, n: number) => Array.from({ length: n }, () => level * (1 + 0.01 * normal()));
}

/**
 * Runs a bisection to its end, measuring each probe with `measure` (the commit's index to a result);
 * returns the last step and every probe.
 */
function bisect(input: BisectInput, measure: (index: number, repeats: number) => ProbeResult) {
  const probes: ProbeRecord[] = [];
  let step: BisectStep = nextStep(input, probes);
  while (step.kind === 'probe') {
    probes.push(recordProbe(input, probes, step, measure(step.index, step.repeats)));
    expect(probes.length).toBeLessThan(200);
    step = nextStep(input, probes);
  }
  return { step, probes };
}

/** A range of `n` commits whose level steps from 100 to 120 at `culprit` (its bad end included). */
function stepRange(n: number, culprit: number, seed: number, resamples?: number) {
  const draw = sampler(seed);
  const level = (i: number) => (i >= culprit ? 120 : 100);
  const input: BisectInput = {
    commits: commits(n),
    good: draw(100, 10),
    bad: draw(120, 10),
    ...(resamples ? { settings: { resamples } } : {}),
  };
  return {
    input,
    measure: (i: number, repeats: number): ProbeResult => ({ samples: draw(level(i), repeats) }),
  };
}

describe('bisection', () => {
  it('finds the culprit within ⌈log2 N⌉ probes when every probe decides, for N = 1..64', () => {
    // Every N, and for each the culprits at both ends, next to them and in the middle: every
    // path of the search's arithmetic (halves of odd and even sizes, first and last commit).
    for (let n = 1; n <= 64; n++) {
      for (const culprit of new Set(
        [0, 1, n >> 1, (n >> 1) + 1, n - 2, n - 1].filter((c) => c >= 0 && c < n),
      )) {
        const { input, measure } = stepRange(n, culprit, n * 100 + culprit, 200);
        const { step, probes } = bisect(input, measure);
        expect(step.kind, `N=${n} culprit=${culprit}`).toBe('done');
        if (step.kind !== 'done') continue;
        expect(step.culprit.sha).toBe(input.commits[culprit]?.sha);
        expect(step.good).toBe(culprit === 0 ? null : input.commits[culprit - 1]?.sha);
        expect(probes.every((p) => p.outcome === 'good' || p.outcome === 'bad')).toBe(true);
        expect(probes.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      }
    }
  });

  it('needs no probe for a range of one commit', () => {
    const { input } = stepRange(1, 0, 7);
    const step = nextStep(input, []);
    expect(step).toMatchObject({ kind: 'done', culprit: { sha: input.commits[0]?.sha }, good: null });
  });

  it('judges each probe against both ends, with figures', () => {
    const { input, measure } = stepRange(8, 5, 3);
    const { probes } = bisect(input, measure);
    const first = probes[0] as ProbeRecord;
    expect(first.index).toBe(3);
    expect(first.outcome).toBe('good');
    expect(first.figures?.vsGood.verdict).toBe('no significant change');
    expect(first.figures?.vsBad.verdict).toBe('changed');
    expect(first.figures?.vsBad.change).toBeLessThan(-0.1);
    expect(first.figures?.n).toBe(first.repeats);
  });

  it('repeats a probe that decides neither way once with more samples, then records it undecided and goes on', () => {
    const draw = sampler(11);
    // Commit 3 sits halfway between the ends (110): like neither end as far as the tests can tell
    // with its noise widened; the step itself is at 5.
    const level = (i: number) => (i >= 5 ? 120 : 100);
    const input: BisectInput = { commits: commits(8), good: draw(100, 10), bad: draw(120, 10) };
    const { step, probes } = bisect(input, (i, repeats) =>
      i === 3
        ? { samples: Array.from({ length: repeats }, (_, k) => (k % 2 === 0 ? 99 : 121)) }
        : { samples: draw(level(i), repeats) },
    );
    expect(probes.slice(0, 2).map((p) => [p.index, p.attempt, p.outcome])).toEqual([
      [3, 1, 'retry'],
      [3, 2, 'undecided'],
    ]);
    expect(probes[1]?.repeats).toBe(Math.min(30, (probes[0]?.repeats ?? 0) * 2));
    // The second attempt is judged on both attempts' samples.
    expect(probes[1]?.samples).toHaveLength((probes[0]?.repeats ?? 0) + (probes[1]?.repeats ?? 0));
    expect(probes.slice(2).every((p) => p.index !== 3)).toBe(true);
    expect(step).toMatchObject({ kind: 'done', culprit: { sha: input.commits[5]?.sha } });
    expect(probes.length).toBeLessThanOrEqual(Math.ceil(Math.log2(8)) + 2);
  });

  it('skips a commit whose run fails and narrows the range around it', () => {
    const { input, measure } = stepRange(16, 9, 5);
    const { step, probes } = bisect(input, (i, repeats) =>
      i === 7 ? { failed: 'build failed: exit 2' } : measure(i, repeats),
    );
    const skipped = probes.filter((p) => p.outcome === 'skipped');
    expect(skipped).toEqual([expect.objectContaining({ index: 7, reason: 'build failed: exit 2' })]);
    expect(step).toMatchObject({ kind: 'done', culprit: { sha: input.commits[9]?.sha } });
  });

  it('reports every candidate when only skipped commits separate good from bad', () => {
    const { input, measure } = stepRange(8, 4, 9);
    const { step, probes } = bisect(input, (i, repeats) =>
      i === 3 ? { failed: 'build failed' } : measure(i, repeats),
    );
    expect(probes.map((p) => p.index)).toContain(3);
    expect(step).toMatchObject({ kind: 'ambiguous', good: input.commits[2]?.sha });
    if (step.kind === 'ambiguous')
      expect(step.candidates.map((c) => c.sha)).toEqual([3, 4].map((i) => input.commits[i]?.sha));
  });

  it('reports a merge commit as culprit with the commits it merged', () => {
    const draw = sampler(21);
    const input: BisectInput = { commits: commits(8, [4]), good: draw(100, 10), bad: draw(120, 10) };
    const { step } = bisect(input, (i, repeats) => ({ samples: draw(i >= 4 ? 120 : 100, repeats) }));
    expect(step).toMatchObject({ kind: 'done', merge: true, merged: ['side4b', 'side4a'] });
  });

  it('finds an improvement as well as a regression (the bad end below the good one)', () => {
    const draw = sampler(31);
    const input: BisectInput = { commits: commits(20), good: draw(100, 10), bad: draw(80, 10) };
    const { step, probes } = bisect(input, (i, repeats) => ({ samples: draw(i >= 13 ? 80 : 100, repeats) }));
    expect(step).toMatchObject({ kind: 'done', culprit: { sha: input.commits[13]?.sha } });
    expect(probes.length).toBeLessThanOrEqual(Math.ceil(Math.log2(20)));
  });

  it('with two steps in one range, finds the one that makes the larger part of the change', () => {
    const draw = sampler(41);
    for (const [middle, culprit] of [
      [115, 3],
      [105, 10],
    ] as const) {
      const level = (i: number) => (i >= 10 ? 120 : i >= 3 ? middle : 100);
      const input: BisectInput = { commits: commits(16), good: draw(100, 10), bad: draw(120, 10) };
      const { step } = bisect(input, (i, repeats) => ({ samples: draw(level(i), repeats) }));
      expect(step).toMatchObject({ kind: 'done', culprit: { sha: input.commits[culprit]?.sha } });
    }
  });

  it('fails, saying why, when the ends do not differ or lack samples', () => {
    const draw = sampler(51);
    expect(nextStep({ commits: commits(4), good: draw(100, 10), bad: draw(100, 10) }, [])).toMatchObject({
      kind: 'failed',
      reason: expect.stringContaining('do not differ'),
    });
    expect(nextStep({ commits: commits(4), good: [100], bad: draw(120, 10) }, [])).toMatchObject({
      kind: 'failed',
      reason: 'the good end has fewer than 2 samples',
    });
    expect(nextStep({ commits: [], good: draw(100, 5), bad: draw(120, 5) }, [])).toMatchObject({
      kind: 'failed',
    });
  });

  it('asks for more samples when the ends are noisy, within the cap', () => {
    const quiet = sampler(61);
    const normal = createNormal(62);
    const noisy = (level: number) => Array.from({ length: 10 }, () => level * (1 + 0.2 * normal()));
    const few = probeRepeats({ commits: commits(4), good: quiet(100, 10), bad: quiet(120, 10) });
    const many = probeRepeats({ commits: commits(4), good: noisy(100), bad: noisy(120) });
    expect(few).toBe(5);
    expect(many).toBeGreaterThan(few);
    expect(many).toBeLessThanOrEqual(30);
    expect(
      probeRepeats({ commits: commits(4), good: noisy(100), bad: noisy(120), settings: { maxRepeats: 12 } }),
    ).toBe(12);
  });
});
