import { type BenchmarkResult, InputError, type Measure, type ResultDocument } from '@benchrunner/core';

/** Running merge of one measure of one benchmark: keeps memory to the samples themselves. */
interface Acc {
  first: Measure;
  count: number;
  sum: number;
  lower: number;
  upper: number;
  samples: number[];
}

interface Pending {
  name: string;
  params: Record<string, string>;
  measures: Map<string, Acc>;
}

/** Thrown by RowMerger when two rows of one benchmark give one measure in different units. */
export class UnitMismatch extends Error {
  override name = 'UnitMismatch';
}

function key(name: string, params: Record<string, string>): string {
  let k = name;
  const names = Object.keys(params);
  if (names.length > 1) names.sort();
  for (const p of names) k += `\u0000${p}\u0001${params[p]}`;
  return k;
}

function pushAll(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into.push(from[i] as number);
}

function addTo(acc: Acc, m: Measure): void {
  if (acc.count === 1) {
    const f = acc.first;
    acc.sum = f.value;
    acc.lower = f.lower ?? f.value;
    acc.upper = f.upper ?? f.value;
    acc.samples = [];
    if (f.samples) pushAll(acc.samples, f.samples);
    else acc.samples.push(f.value);
  }
  acc.count += 1;
  acc.sum += m.value;
  acc.lower = Math.min(acc.lower, m.lower ?? m.value);
  acc.upper = Math.max(acc.upper, m.upper ?? m.value);
  if (m.samples) pushAll(acc.samples, m.samples);
  else acc.samples.push(m.value);
}

function finish(acc: Acc): Measure {
  if (acc.count === 1) return acc.first;
  return {
    value: acc.sum / acc.count,
    lower: acc.lower,
    upper: acc.upper,
    unit: acc.first.unit,
    samples: acc.samples,
  };
}

/**
 * Collects rows in order of first appearance and merges rows of the same name and params as they
 * come (see `mergeResults` for the rule), so that a file of a million rows keeps only its samples.
 */
export class RowMerger {
  readonly #byKey = new Map<string, Pending>();
  #mismatch: string | undefined;

  add(name: string, params: Record<string, string>, measures: Record<string, Measure>): void {
    const k = key(name, params);
    let p = this.#byKey.get(k);
    if (!p) {
      p = { name, params, measures: new Map() };
      this.#byKey.set(k, p);
    }
    for (const mName in measures) {
      const m = measures[mName] as Measure;
      const acc = p.measures.get(mName);
      if (!acc) p.measures.set(mName, { first: m, count: 1, sum: 0, lower: 0, upper: 0, samples: [] });
      else if (acc.first.unit !== m.unit)
        this.#mismatch ??= `${name}: measure ${mName} in ${acc.first.unit} and in ${m.unit}`;
      else addTo(acc, m);
    }
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** Throws UnitMismatch when rows of one benchmark disagreed on a unit. */
  results(): BenchmarkResult[] {
    if (this.#mismatch) throw new UnitMismatch(this.#mismatch);
    const out: BenchmarkResult[] = [];
    for (const p of this.#byKey.values()) {
      const measures: Record<string, Measure> = {};
      for (const [mName, acc] of p.measures) measures[mName] = finish(acc);
      out.push({ name: p.name, params: p.params, measures });
    }
    return out;
  }
}

/**
 * One measure of one series while values arrive, already in the shape (and key order) of the
 * document's Measure, so that the merge builds no second object per measure: `value` holds the
 * running sum until `results()` makes it the mean, and `samples` holds every value so far.
 */
interface Running {
  value: number;
  lower: number;
  upper: number;
  readonly unit: string;
  readonly samples: number[];
}

/** One benchmark (name + params) of a SeriesMerger; values are added through the merger. */
export class Series {
  /** Measure names and their running merges, in order of first appearance. */
  readonly names: string[] = [];
  readonly measures: Running[] = [];
  constructor(
    readonly name: string,
    readonly params: Record<string, string>,
  ) {}
}

/**
 * The merge of RowMerger for formats that give one value at a time (go test -bench): no object
 * per row, and per measure only the object and the samples array the document keeps. The caller
 * finds its series itself (it can do so without slicing strings) and adds values to them;
 * series keep their order of creation.
 */
export class SeriesMerger {
  readonly #series: Series[] = [];
  #mismatch: string | undefined;
  #results: BenchmarkResult[] | undefined;

  /** A new series; the caller keeps it and must not create two for one name and params. */
  create(name: string, params: Record<string, string>): Series {
    const s = new Series(name, params);
    this.#series.push(s);
    return s;
  }

  /**
   * One value of measure `mName` in `unit`. `hint` is where the measure usually sits in the
   * series (its position on the row), which saves the search.
   */
  add(series: Series, hint: number, mName: string, unit: string, value: number): void {
    const names = series.names;
    let i = hint;
    if (names[i] !== mName) {
      i = names.indexOf(mName);
      if (i < 0) {
        names.push(mName);
        series.measures.push({ value, lower: value, upper: value, unit, samples: [value] });
        return;
      }
    }
    const m = series.measures[i] as Running;
    if (m.unit !== unit) {
      this.#mismatch ??= `${series.name}: measure ${mName} in ${m.unit} and in ${unit}`;
      return;
    }
    m.value += value;
    if (value < m.lower) m.lower = value;
    if (value > m.upper) m.upper = value;
    m.samples.push(value);
  }

  get size(): number {
    return this.#series.length;
  }

  /** Throws UnitMismatch when values of one measure of one series came in two units. */
  results(): BenchmarkResult[] {
    if (this.#mismatch) throw new UnitMismatch(this.#mismatch);
    if (this.#results) return this.#results;
    const out: BenchmarkResult[] = new Array(this.#series.length);
    for (let s = 0; s < out.length; s++) {
      const series = this.#series[s] as Series;
      const measures: Record<string, Measure> = {};
      for (let i = 0; i < series.names.length; i++) {
        const m = series.measures[i] as Running;
        const n = m.samples.length;
        if (n === 1) measures[series.names[i] as string] = { value: m.value, unit: m.unit };
        else {
          m.value /= n;
          measures[series.names[i] as string] = m;
        }
      }
      out[s] = { name: series.name, params: series.params, measures };
    }
    this.#results = out;
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
