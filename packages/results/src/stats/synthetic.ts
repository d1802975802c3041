import type { SeriesPoint } from './change-points.ts';
import { createNormal, createRandom } from './random.ts';

/** A generated series with the indices where its level truly changes. */
export interface SyntheticSeries {
  points: SeriesPoint[];
  changes: number[];
}

/** Shape of {@link syntheticSeries}; fractions are relative to the level. */
export interface SyntheticOptions {
  length: number;
  /** How many level shifts, at random positions at least `minSegment` apart. */
  changes: number;
  minSegment: number;
  /** Size of each shift: uniform in [min, max], random sign. */
  shift: [number, number];
  /** Run-to-run noise of a point's true level (sd). */
  runNoise: number;
  /** Within-run noise of each sample (sd). */
  sampleNoise: number;
  samples: number;
  /** Chance that a sample is an outlier, and how far up it lands. */
  outlierRate: number;
  outlierSize: number;
}

/**
 * Benchmark-like series with known change points: piecewise-constant levels, a run-to-run wobble
 * per point, samples with within-run noise and upward outliers (pauses), and the tool's `value`
 * as the mean of the samples, as most tools report it.
 */
export function syntheticSeries(seed: number, o: SyntheticOptions): SyntheticSeries {
  const random = createRandom(seed);
  const normal = createNormal(seed + 1);
  const changes: number[] = [];
  for (let tries = 0; changes.length < o.changes && tries < 1000; tries++) {
    const at = o.minSegment + Math.floor(random() * (o.length - 2 * o.minSegment));
    if (changes.every((c) => Math.abs(c - at) >= o.minSegment)) changes.push(at);
  }
  changes.sort((x, y) => x - y);
  let level = 100;
  const points: SeriesPoint[] = [];
  for (let i = 0; i < o.length; i++) {
    if (changes.includes(i)) {
      const size = o.shift[0] + random() * (o.shift[1] - o.shift[0]);
      level *= random() < 0.5 ? 1 + size : 1 - size;
    }
    const run = level * (1 + normal(0, o.runNoise));
    const samples = Array.from({ length: o.samples }, () => {
      const x = run * (1 + normal(0, o.sampleNoise));
      return random() < o.outlierRate ? x * (1 + o.outlierSize * random()) : x;
    });
    const value = samples.reduce((s, x) => s + x, 0) / samples.length;
    points.push({ value, samples });
  }
  return { points, changes };
}

/** Precision and recall of found indices against true ones; a find within `tolerance` counts once. */
function scoreChangePoints(
  truth: readonly number[],
  found: readonly number[],
  tolerance: number,
): { truePositives: number; falsePositives: number; falseNegatives: number } {
  const used = new Set<number>();
  let truePositives = 0;
  for (const f of found) {
    const match = truth.findIndex((t, i) => !used.has(i) && Math.abs(t - f) <= tolerance);
    if (match >= 0) {
      used.add(match);
      truePositives++;
    }
  }
  return {
    truePositives,
    falsePositives: found.length - truePositives,
    falseNegatives: truth.length - truePositives,
  };
}

/** Precision, recall and F1 of a detector over generated series, finds within 2 points counting. */
export function scoreDetector(
  sets: readonly SyntheticSeries[],
  find: (series: SyntheticSeries) => number[],
): { precision: number; recall: number; f1: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const s of sets) {
    const r = scoreChangePoints(s.changes, find(s), 2);
    tp += r.truePositives;
    fp += r.falsePositives;
    fn += r.falseNegatives;
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}
