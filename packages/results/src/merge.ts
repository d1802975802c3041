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
  /**
   * While every row of the series had the same measures in the same units and order (the usual
   * case), their names and units; the rows' values then sit in `rows`, one after the other, and
   * the merge is done once, at the end. The first row that differs turns the series into a
   * running merge per measure (`names`, `measures`).
   */
  layout: Layout | undefined;
  rows: number[] = [];
  /** Measure names and their running merges, in order of first appearance. */
  readonly names: string[] = [];
  readonly measures: Running[] = [];
  constructor(
    readonly name: string,
    readonly params: Record<string, string>,
  ) {}
}

interface Layout {
  readonly names: readonly string[];
  readonly units: readonly string[];
}

/** Whether the first `k` names and units of a row are exactly `layout`. */
function sameLayout(layout: Layout, names: readonly string[], units: readonly string[], k: number): boolean {
  if (layout.names.length !== k) return false;
  for (let j = 0; j < k; j++) if (layout.names[j] !== names[j] || layout.units[j] !== units[j]) return false;
  return true;
}

/**
 * The merge of RowMerger for formats that give rows of values (go test -bench), with no object
 * per row: a series keeps its rows' values in one array while they share one layout, and builds
 * the document's measures from them at the end; otherwise it keeps, per measure, only the object
 * and the samples array the document keeps. The caller finds its series itself (it can do so
 * without slicing strings); series keep their order of creation.
 */
export class SeriesMerger {
  readonly #series: Series[] = [];
  #mismatch: string | undefined;
  #results: BenchmarkResult[] | undefined;
  /** The last layout made, shared by the next series with the same one. */
  #lastLayout: Layout | undefined;

  /** A new series; the caller keeps it and must not create two for one name and params. */
  create(name: string, params: Record<string, string>): Series {
    const s = new Series(name, params);
    this.#series.push(s);
    return s;
  }

  /** One row: the first `k` values, each of the measure and unit at the same index. */
  addRow(
    series: Series,
    values: readonly number[],
    names: readonly string[],
    units: readonly string[],
    k: number,
  ): void {
    if (series.layout === undefined && series.names.length === 0)
      series.layout = this.#layout(names, units, k);
    const layout = series.layout;
    if (layout !== undefined) {
      if (sameLayout(layout, names, units, k)) {
        const rows = series.rows;
        for (let j = 0; j < k; j++) rows.push(values[j] as number);
        return;
      }
      this.#spill(series, layout);
    }
    for (let j = 0; j < k; j++)
      this.#add(series, j, names[j] as string, units[j] as string, values[j] as number);
  }

  /** The layout of a first row, or undefined when a measure repeats on it (then no layout). */
  #layout(names: readonly string[], units: readonly string[], k: number): Layout | undefined {
    const last = this.#lastLayout;
    if (last !== undefined && sameLayout(last, names, units, k)) return last;
    for (let j = 1; j < k; j++) if (names.indexOf(names[j] as string) < j) return undefined;
    this.#lastLayout = { names: names.slice(0, k), units: units.slice(0, k) };
    return this.#lastLayout;
  }

  /** Turns a series' rows into running merges, in the order the values came. */
  #spill(series: Series, layout: Layout): void {
    const k = layout.names.length;
    const rows = series.rows;
    series.layout = undefined;
    series.rows = [];
    for (let o = 0; o < rows.length; o += k)
      for (let j = 0; j < k; j++)
        this.#add(series, j, layout.names[j] as string, layout.units[j] as string, rows[o + j] as number);
  }

  /** One value of measure `mName` in `unit`; `hint` is where the measure usually sits in the series. */
  #add(series: Series, hint: number, mName: string, unit: string, value: number): void {
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
      const layout = series.layout;
      if (layout !== undefined) {
        const k = layout.names.length;
        const rows = series.rows;
        for (let j = 0; j < k; j++)
          measures[layout.names[j] as string] = fromRows(rows, k, j, layout.units[j] as string);
        series.rows = [];
      }
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

/** The measure of column `j` of rows of `k` values: the same figures as a running merge. */
function fromRows(rows: readonly number[], k: number, j: number, unit: string): Measure {
  const first = rows[j] as number;
  if (rows.length === k) return { value: first, unit };
  let sum = first;
  let lower = first;
  let upper = first;
  const samples = [first];
  for (let o = j + k; o < rows.length; o += k) {
    const v = rows[o] as number;
    sum += v;
    if (v < lower) lower = v;
    if (v > upper) upper = v;
    samples.push(v);
  }
  return { value: sum / samples.length, lower, upper, unit, samples };
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
