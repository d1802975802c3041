import type { ResultDocument } from '@benchrunner/core';
import { InputError } from '@benchrunner/core';
import type { CompareOptions, SampleComparison, Verdict } from './compare.ts';
import { compareSamples, measureDirection } from './compare.ts';
import type { SampleStats } from './describe.ts';
import { describeSamples } from './describe.ts';

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
  verdict: RowVerdict;
}

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
 * present, else its single `value` (then n = 1 and the verdict is `no test`). The same benchmark
 * appearing more than once on a side (repeats in separate documents) has its samples pooled. The
 * suite benchmark tag is part of the match only when every document on both sides carries it.
 * Rows follow A's order, then what only B has.
 *
 * @throws InputError when one side holds the same measure in two different units.
 */
export function compareResults(
  a: readonly ComparableDocument[],
  b: readonly ComparableDocument[],
  options: Omit<CompareOptions, 'measure' | 'direction'> = {},
): ComparisonRow[] {
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
      const result = compareSamples(entry.samples, other.samples, { ...options, measure: entry.measure });
      rows.push({ ...base, ...result });
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
  return rows;
}

function missing(direction: ComparisonRow['direction']) {
  return { a: null, b: null, change: null, changeCi: null, test: null, direction };
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
