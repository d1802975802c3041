import type { ResultDocument } from '@benchrunner/core';
import { describeSamples } from '@benchrunner/results';

/** The measures that decide when adaptive repeats may stop, when a result has any of them. */
const TIMING_MEASURES = new Set(['latency', 'throughput']);

/** Confidence of the median's interval that adaptive repeats aim for. */
const CONFIDENCE = 0.95;

/**
 * The widest half-width of the 95 % confidence interval of a median, in percent of that median,
 * over every result of a benchmark's repeats so far (merged): its timing measures (latency,
 * throughput), or every measure of a result that has neither. Null while it cannot be told: a
 * measure without samples, or too few samples for 95 % coverage (fewer than 6).
 */
export function widestMedianCi(merged: ResultDocument): number | null {
  let widest = 0;
  let seen = false;
  for (const result of merged.benchmarks) {
    const entries = Object.entries(result.measures);
    const timing = entries.filter(([name]) => TIMING_MEASURES.has(name));
    for (const [, measure] of timing.length > 0 ? timing : entries) {
      const samples = measure.samples ?? [];
      if (samples.length < 2) return null;
      const stats = describeSamples(samples, { confidence: CONFIDENCE });
      const ci = stats.medianCi;
      if (ci === null || ci.confidence < CONFIDENCE || stats.median === 0) return null;
      const halfWidth = Math.max(stats.median - ci.lower, ci.upper - stats.median);
      widest = Math.max(widest, (halfWidth / Math.abs(stats.median)) * 100);
      seen = true;
    }
  }
  return seen ? widest : null;
}
