import { describe, expect, it } from 'vitest';
import type { ComparableDocument } from './compare-results.ts';
import { compareResults, DEFAULT_MIN_CHANGE } from './compare-results.ts';
import { createNormal } from './random.ts';

// The statistical power of `benchrunner compare`, measured by simulation (issue 15): `compareResults`
// is the function the CLI calls, with the CLI's defaults (alpha 0.05, minChange 0.02, FDR on).
const TRIALS = 400;
const N = 30;
const NOISE = 0.02;
const ALPHA = 0.05;

const doc = (samples: number[]): ComparableDocument => ({
  format: 'simulated',
  benchmarks: [
    { name: 'cpu-loop', params: {}, measures: { latency: { value: samples[0]!, unit: 'ns', samples } } },
  ],
});

/** Verdicts of `TRIALS` comparisons of N samples at level 100 against N at 100 * (1 + shift). */
function simulate(seed: number, shift: number, minChange: number): Map<string, number> {
  const normal = createNormal(seed);
  const draw = (level: number) => Array.from({ length: N }, () => level * (1 + normal(0, NOISE)));
  const verdicts = new Map<string, number>();
  for (let trial = 0; trial < TRIALS; trial++) {
    const [row] = compareResults([doc(draw(100))], [doc(draw(100 * (1 + shift)))], {
      alpha: ALPHA,
      minChange,
      seed: trial + 1,
    });
    verdicts.set(row!.verdict, (verdicts.get(row!.verdict) ?? 0) + 1);
  }
  return verdicts;
}

// A rate measured over TRIALS runs may exceed its true value by chance: allow two standard errors.
const margin = 2 * Math.sqrt((ALPHA * (1 - ALPHA)) / TRIALS);

describe('statistical power of compare (simulated, seeded)', () => {
  it('detects a 5 % slowdown at 2 % noise with n = 30 in at least 95 % of comparisons', () => {
    const verdicts = simulate(15, 0.05, DEFAULT_MIN_CHANGE);
    const power = (verdicts.get('regressed') ?? 0) / TRIALS;
    expect(verdicts.get('improved') ?? 0).toBe(0);
    expect(power).toBeGreaterThanOrEqual(0.95);
  });

  it('is a measurement, not a formality: a 1 % shift, below the minimum change, is rarely reported', () => {
    const verdicts = simulate(19, 0.01, DEFAULT_MIN_CHANGE);
    expect((verdicts.get('regressed') ?? 0) / TRIALS).toBeLessThan(0.2);
  });

  it('detects a 5 % speed-up just as well', () => {
    const verdicts = simulate(16, -0.05, DEFAULT_MIN_CHANGE);
    expect((verdicts.get('improved') ?? 0) / TRIALS).toBeGreaterThanOrEqual(0.95);
  });

  it('reports a change between two samples of one distribution (A/A) at most alpha of the time', () => {
    // Without the minimum change, the rank test and the bootstrap interval alone decide.
    const bare = simulate(17, 0, 0);
    const falseBare = TRIALS - (bare.get('no significant change') ?? 0);
    expect(falseBare / TRIALS).toBeLessThanOrEqual(ALPHA + margin);
    // With the CLI's default minimum change of 2 %, at 2 % noise a false change is rarer still.
    const cli = simulate(18, 0, DEFAULT_MIN_CHANGE);
    const falseCli = TRIALS - (cli.get('no significant change') ?? 0);
    expect(falseCli / TRIALS).toBeLessThanOrEqual(falseBare / TRIALS);
  });
});
