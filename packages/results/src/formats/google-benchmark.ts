import type { Measure } from '@benchrunner/core';
import { RowMerger } from '../merge.ts';
import { at, type JsonObject, JsonReader, parseJson } from './json.ts';
import { type Fail, failer, measure, mergedDocument, nsPerUnit, type Parser } from './parser.ts';

const NAME = 'google-benchmark';

/** Fields of a run that are not user counters. */
const KNOWN = new Set([
  'name',
  'family_index',
  'per_family_instance_index',
  'run_name',
  'run_type',
  'repetitions',
  'repetition_index',
  'threads',
  'iterations',
  'real_time',
  'cpu_time',
  'time_unit',
  'aggregate_name',
  'aggregate_unit',
  'error_occurred',
  'error_message',
  'label',
  'bytes_per_second',
  'items_per_second',
  'big_o',
  'rms',
]);

function unitFactor(o: JsonObject, path: string, fail: Fail): number {
  const unit = typeof o.time_unit === 'string' ? o.time_unit : 'ns';
  const f = nsPerUnit(unit);
  if (f === undefined) return fail(at(path, 'time_unit'), `unknown time unit ${JSON.stringify(unit)}`);
  return f;
}

/**
 * Google Benchmark `--benchmark_format=json` (or `--benchmark_out`). Each `iteration` run gives
 * `latency` = real_time per iteration in ns (any `time_unit`), `cpu_time` ns, `bytes_per_second`,
 * `throughput` = items_per_second, and user counters under their own name (unit `counter`).
 * Repetitions of one run merge (samples = every repetition). The tool's `mean` aggregate, when
 * present, is the headline value; `median` and `stddev` aggregates become `latency_median` and
 * `latency_stddev`. A run that reported an error fails the parse.
 */
export const googleBenchmarkParser: Parser = {
  name: NAME,
  description: 'Google Benchmark --benchmark_format=json',
  detect: (text) =>
    /"context"\s*:/.test(text) && /"(library_build_type|num_cpus|mhz_per_cpu)"\s*:/.test(text),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const root = r.object(parseJson(text, fail), '$');
    r.object(root.context, '$.context');
    const runs = r.array(root.benchmarks, '$.benchmarks');
    const merger = new RowMerger();
    const aggregates = new Map<string, Map<string, Measure>>();
    runs.forEach((entry, i) => {
      const path = at('$.benchmarks', i);
      const o = r.object(entry, path);
      const name = r.string(o.run_name ?? o.name, at(path, o.run_name === undefined ? 'name' : 'run_name'));
      if (o.error_occurred === true) {
        fail(path, `benchmark ${name} reported an error: ${String(o.error_message ?? '(no message)')}`);
      }
      const f = unitFactor(o, path, fail);
      if (o.run_type === 'aggregate') {
        const agg = r.string(o.aggregate_name, at(path, 'aggregate_name'));
        if (o.aggregate_unit !== undefined && o.aggregate_unit !== 'time') return;
        const m = aggregates.get(name) ?? new Map<string, Measure>();
        m.set(agg, measure(r.number(o.real_time, at(path, 'real_time')) * f, 'ns'));
        aggregates.set(name, m);
        return;
      }
      const measures: Record<string, Measure> = {
        latency: measure(r.number(o.real_time, at(path, 'real_time')) * f, 'ns'),
        cpu_time: measure(r.number(o.cpu_time, at(path, 'cpu_time')) * f, 'ns'),
      };
      if (o.bytes_per_second !== undefined) {
        measures.bytes_per_second = measure(
          r.number(o.bytes_per_second, at(path, 'bytes_per_second')),
          'bytes/s',
        );
      }
      if (o.items_per_second !== undefined) {
        measures.throughput = measure(r.number(o.items_per_second, at(path, 'items_per_second')), 'ops/s');
      }
      for (const [k, v] of Object.entries(o)) {
        if (!KNOWN.has(k) && typeof v === 'number')
          measures[k] = measure(r.number(v, at(path, k), true), 'counter');
      }
      merger.add(name, {}, measures);
    });
    const doc = mergedDocument(NAME, merger, fail);
    for (const b of doc.benchmarks) {
      const agg = aggregates.get(b.name);
      aggregates.delete(b.name);
      const lat = b.measures.latency;
      if (!agg || !lat) continue;
      const mean = agg.get('mean');
      if (mean) lat.value = mean.value;
      const median = agg.get('median');
      if (median) b.measures.latency_median = median;
      const stddev = agg.get('stddev');
      if (stddev) b.measures.latency_stddev = stddev;
    }
    // --benchmark_report_aggregates_only: only the aggregates are in the file.
    for (const [name, agg] of aggregates) {
      const mean = agg.get('mean');
      if (!mean) continue;
      const measures: Record<string, Measure> = { latency: mean };
      const median = agg.get('median');
      if (median) measures.latency_median = median;
      const stddev = agg.get('stddev');
      if (stddev) measures.latency_stddev = stddev;
      doc.benchmarks.push({ name, params: {}, measures });
    }
    return doc;
  },
};
