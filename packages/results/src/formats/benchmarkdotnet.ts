import type { Measure } from '@benchrunner/core';
import { RowMerger } from '../merge.ts';
import { at, JsonReader, parseJson } from './json.ts';
import { failer, measure, mergedDocument, type Parser } from './parser.ts';

const NAME = 'benchmarkdotnet';

/**
 * BenchmarkDotNet JSON exporter (`--exporters json`, `*-report-full.json` or `-brief`):
 * `{Title, HostEnvironmentInfo, Benchmarks: [{Type, Method, Parameters "a=1&b=2", FullName,
 * Statistics {Mean, Median, StandardDeviation, ConfidenceInterval {Lower, Upper},
 * OriginalValues?}, Memory? {BytesAllocatedPerOperation}}]}`, times in ns per operation.
 * `latency` = Mean (lower/upper = the confidence interval, samples = OriginalValues),
 * `latency_median`, `latency_stddev`, `alloc_bytes` per operation. The name is `Type.Method`
 * (with the namespace when given); Parameters become params. A benchmark without Statistics
 * (it failed to run) fails the parse.
 */
export const benchmarkdotnetParser: Parser = {
  name: NAME,
  description: 'BenchmarkDotNet JSON exporter',
  detect: (text) => /"HostEnvironmentInfo"\s*:/.test(text) || /"BenchmarkDotNetVersion"\s*:/.test(text),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const root = r.object(parseJson(text, fail), '$');
    const merger = new RowMerger();
    r.array(root.Benchmarks, '$.Benchmarks').forEach((entry, i) => {
      const path = at('$.Benchmarks', i);
      const o = r.object(entry, path);
      const type = r.string(o.Type, at(path, 'Type'));
      const method = r.string(o.Method, at(path, 'Method'));
      const ns = typeof o.Namespace === 'string' && o.Namespace !== '' ? `${o.Namespace}.` : '';
      const name = `${ns}${type}.${method}`;
      const params: Record<string, string> = {};
      if (typeof o.Parameters === 'string' && o.Parameters !== '') {
        for (const pair of o.Parameters.split('&')) {
          const eq = pair.indexOf('=');
          if (eq <= 0)
            fail(at(path, 'Parameters'), `expected "name=value&...", got ${JSON.stringify(o.Parameters)}`);
          params[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
      }
      const sPath = at(path, 'Statistics');
      if (o.Statistics === null || o.Statistics === undefined)
        fail(sPath, `${name} has no statistics (the benchmark failed to run)`);
      const st = r.object(o.Statistics, sPath);
      const num = (field: string) => r.number(st[field], at(sPath, field));
      let lower: number | undefined;
      let upper: number | undefined;
      if (st.ConfidenceInterval !== undefined) {
        const ciPath = at(sPath, 'ConfidenceInterval');
        const ci = r.object(st.ConfidenceInterval, ciPath);
        lower = r.number(ci.Lower, at(ciPath, 'Lower'), true);
        upper = r.number(ci.Upper, at(ciPath, 'Upper'), true);
      }
      const samples =
        st.OriginalValues === undefined
          ? undefined
          : r.numbers(st.OriginalValues, at(sPath, 'OriginalValues'));
      const measures: Record<string, Measure> = {
        latency: measure(num('Mean'), 'ns', { lower, upper, samples }),
        latency_median: measure(num('Median'), 'ns'),
        latency_stddev: measure(num('StandardDeviation'), 'ns'),
      };
      if (o.Memory !== undefined && o.Memory !== null) {
        const mPath = at(path, 'Memory');
        const mem = r.object(o.Memory, mPath);
        measures.alloc_bytes = measure(
          r.number(mem.BytesAllocatedPerOperation, at(mPath, 'BytesAllocatedPerOperation')),
          'bytes',
        );
      }
      merger.add(name, params, measures);
    });
    return mergedDocument(NAME, merger, fail);
  },
};
