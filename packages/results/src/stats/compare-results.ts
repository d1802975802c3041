import type { ResultDocument } from '@benchrunner/core';
import { InputError } from '@benchrunner/core';
import type { CompareOptions, SampleComparison, Verdict } from './compare.ts';
import { compareSamples, decideVerdict, measureDirection } from './compare.ts';
import type { SampleStats } from './describe.ts';
import { describeSamples } from './describe.ts';
import { benjaminiHochberg } from './fdr.ts';

/** A result document, optionally tagged with the suite benchmark that produced it (as in a run manifest). */
export type ComparableDocument = ResultDocument & { benchmark?: string };

/** A row's outcome: a verdict, or why nothing could be compared. */
export type RowVerdict = Verdict | 'only in A' | 'only in B' | 'unit mismatch';

/** One measure of one benchmark (with its params) in A against B. */
export interface ComparisonRow {
  /** The result's name, prefixed with the suite benchmark when that differs (`suite/result`). */
  benchmark: string;
  params: Record<string, string>;
  measure: string;
  /** A's unit (B's for rows only in B). */
  unit: string;
  /** B's unit when it differs from A's. */
  unitB?: string;
  a: SampleStats | null;
  b: SampleStats | null;
  change: SampleComparison['change'];
  changeCi: SampleComparison['changeCi'];
  test: SampleComparison['test'];
  direction: SampleComparison['direction'];
  /**
   * The test's p-value adjusted for the number of rows tested (Benjamini-Hochberg), which the
   * verdict uses; the raw p when the correction is off; null without a test.
   */
  pAdjusted: number | null;
  verdict: RowVerdict;
}

/** Options of {@link compareResults}. */
export interface CompareResultsOptions extends Omit<CompareOptions, 'measure' | 'direction' | 'minChange'> {
  /** Smallest |relative change| reported as a change; default 0.02, above 1-2 % run-to-run noise. */
  minChange?: number;
  /** Control the false discovery rate across all rows (Benjamini-Hochberg); default true. */
  fdr?: boolean;
}

/** Default of {@link CompareResultsOptions.minChange}. */
export const DEFAULT_MIN_CHANGE = 0.02;

interface Entry {
  key: string;
  benchmark: string;
  params: Record<string, string>;
  measure: string;
  unit: string;
  samples: number[];
}

/**
 * Compares every measure of every benchmark in `a` (baseline) with the same one in `b`
 * (candidate), matched by benchmark name, params and measure. A measure's `samples` are used when
 * present, else its single `value` (then n = 1 and the verdict is `no test`).
 *
 * Dozens of rows are dozens of tests: by default their p-values are adjusted together
 * (Benjamini-Hochberg), so on average at most `alpha` of the reported changes are false, and a
 * change is reported only when its interval excludes zero and its size reaches `minChange` (see
 * {@link decideVerdict}). The same benchmark
 * appearing more than once on a side (repeats in separate documents) has its samples pooled. The
 * suite benchmark tag is part of the match only when every document on both sides carries it.
 * Rows follow A's order, then what only B has.
 *
 * @throws InputError when one side holds the same measure in two different units.
 */
export function compareResults(
  a: readonly ComparableDocument[],
  b: readonly ComparableDocument[],
  options: CompareResultsOptions = {},
): ComparisonRow[] {
  const { fdr = true, minChange = DEFAULT_MIN_CHANGE, ...sampleOptions } = options;
  if (!(minChange >= 0 && Number.isFinite(minChange))) {
    throw new InputError(`minChange must be a number of at least 0, got ${minChange}`);
  }
  const tagged = [...a, ...b].every((doc) => doc.benchmark !== undefined);
  const entriesA = collect(a, tagged, 'A');
  const entriesB = collect(b, tagged, 'B');
  const rows: ComparisonRow[] = [];
  for (const entry of entriesA.values()) {
    const other = entriesB.get(entry.key);
    const base = {
      benchmark: entry.benchmark,
      params: entry.params,
      measure: entry.measure,
      unit: entry.unit,
    };
    const direction = measureDirection(entry.measure);
    if (other === undefined) {
      rows.push({ ...base, ...missing(direction), a: describeSamples(entry.samples), verdict: 'only in A' });
    } else if (other.unit !== entry.unit) {
      rows.push({
        ...base,
        ...missing(direction),
        unitB: other.unit,
        a: describeSamples(entry.samples),
        b: describeSamples(other.samples),
        verdict: 'unit mismatch',
      });
    } else {
      const result = compareSamples(entry.samples, other.samples, {
        ...sampleOptions,
        minChange,
        measure: entry.measure,
      });
      rows.push({ ...base, ...result, pAdjusted: result.test?.p ?? null });
    }
  }
  for (const entry of entriesB.values()) {
    if (entriesA.has(entry.key)) continue;
    rows.push({
      benchmark: entry.benchmark,
      params: entry.params,
      measure: entry.measure,
      unit: entry.unit,
      ...missing(measureDirection(entry.measure)),
      b: describeSamples(entry.samples),
      verdict: 'only in B',
    });
  }
  if (fdr) adjust(rows, sampleOptions.alpha ?? 0.05, minChange);
  return rows;
}

function adjust(rows: ComparisonRow[], alpha: number, minChange: number): void {
  const tested = rows.filter((row) => row.test !== null);
  const q = benjaminiHochberg(tested.map((row) => row.test!.p));
  tested.forEach((row, i) => {
    row.pAdjusted = q[i]!;
    row.verdict = decideVerdict({ ...row, a: row.a!, b: row.b!, alpha }, q[i]!, minChange);
  });
}

function missing(direction: ComparisonRow['direction']) {
  return { a: null, b: null, change: null, changeCi: null, test: null, pAdjusted: null, direction };
}

function collect(docs: readonly ComparableDocument[], tagged: boolean, side: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  for (const doc of docs) {
    for (const result of doc.benchmarks) {
      const suite = tagged ? doc.benchmark : undefined;
      const benchmark =
        suite !== undefined && suite !== result.name ? `${suite}/${result.name}` : result.name;
      const params = Object.fromEntries(Object.entries(result.params).sort(([x], [y]) => x.localeCompare(y)));
      for (const [measure, value] of Object.entries(result.measures)) {
        const key = JSON.stringify([suite ?? null, result.name, params, measure]);
        const samples =
          value.samples !== undefined && value.samples.length > 0 ? value.samples : [value.value];
        const known = entries.get(key);
        if (known === undefined) {
          entries.set(key, { key, benchmark, params, measure, unit: value.unit, samples: [...samples] });
        } else if (known.unit !== value.unit) {
          throw new InputError(
            `${side}: benchmark '${benchmark}' reports ${measure} in both ${known.unit} and ${value.unit}`,
          );
        } else {
          known.samples.push(...samples);
        }
      }
    }
  }
  return entries;
}
