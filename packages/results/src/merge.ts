import { type BenchmarkResult, InputError, type Measure, type ResultDocument } from '@benchrunner/core';

interface Pending {
  name: string;
  params: Record<string, string>;
  rows: Record<string, Measure>[];
}

/** Thrown by RowMerger when two rows of one benchmark give one measure in different units. */
export class UnitMismatch extends Error {
  override name = 'UnitMismatch';
}

function key(name: string, params: Record<string, string>): string {
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, params[k]]);
  return JSON.stringify([name, sorted]);
}

function mergeMeasures(name: string, measureName: string, ms: Measure[]): Measure {
  const first = ms[0] as Measure;
  if (ms.length === 1) return first;
  let sum = 0;
  let lower = Number.POSITIVE_INFINITY;
  let upper = Number.NEGATIVE_INFINITY;
  const samples: number[] = [];
  for (const m of ms) {
    if (m.unit !== first.unit) {
      throw new UnitMismatch(`${name}: measure ${measureName} in ${first.unit} and in ${m.unit}`);
    }
    sum += m.value;
    lower = Math.min(lower, m.lower ?? m.value);
    upper = Math.max(upper, m.upper ?? m.value);
    if (m.samples) for (const s of m.samples) samples.push(s);
    else samples.push(m.value);
  }
  return { value: sum / ms.length, lower, upper, unit: first.unit, samples };
}

/**
 * Collects rows in order of first appearance and merges rows of the same name and params
 * (see `mergeResults` for the rule).
 */
export class RowMerger {
  readonly #byKey = new Map<string, Pending>();

  add(name: string, params: Record<string, string>, measures: Record<string, Measure>): void {
    const k = key(name, params);
    const p = this.#byKey.get(k);
    if (p) p.rows.push(measures);
    else this.#byKey.set(k, { name, params, rows: [measures] });
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Throws UnitMismatch when rows of one benchmark disagree on a unit. */
  results(): BenchmarkResult[] {
    const out: BenchmarkResult[] = [];
    for (const p of this.#byKey.values()) {
      const names: string[] = [];
      for (const row of p.rows) for (const m of Object.keys(row)) if (!names.includes(m)) names.push(m);
      const measures: Record<string, Measure> = {};
      for (const m of names) {
        const ms = p.rows.flatMap((row) => (row[m] ? [row[m]] : []));
        measures[m] = mergeMeasures(p.name, m, ms);
      }
      out.push({ name: p.name, params: p.params, measures });
    }
    return out;
  }
}

/**
 * Merges documents of repeated runs. Entries with the same name and params become one entry; for
 * each measure: `value` is the mean of the merged values, `samples` holds every merged entry's
 * samples (or its value when it has none), `lower`/`upper` are the smallest lower (or value) and
 * the largest upper (or value). A measure present in only one entry is kept as it is. Entries keep
 * the order of first appearance; `format` is the common format, or the formats joined by `+`.
 * Throws InputError when one measure of one benchmark comes in two units.
 */
export function mergeResults(docs: ResultDocument[]): ResultDocument {
  const merger = new RowMerger();
  const formats: string[] = [];
  for (const doc of docs) {
    if (!formats.includes(doc.format)) formats.push(doc.format);
    for (const b of doc.benchmarks) merger.add(b.name, b.params, b.measures);
  }
  try {
    return { format: formats.join('+') || 'empty', benchmarks: merger.results() };
  } catch (error) {
    if (error instanceof UnitMismatch)
      throw new InputError(`cannot merge results: ${error.message}`, [], { cause: error });
    throw error;
  }
}
