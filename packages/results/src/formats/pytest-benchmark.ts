import type { Measure } from '@benchrunner/core';
import { RowMerger } from '../merge.ts';
import { at, JsonReader, parseJson } from './json.ts';
import { failer, measure, mergedDocument, type Parser } from './parser.ts';

const NAME = 'pytest-benchmark';

/**
 * pytest-benchmark `--benchmark-json`: `{machine_info, commit_info, benchmarks: [{name, fullname,
 * group, params, stats {min, max, mean, stddev, median, ops, data?}}], version}`, times in seconds
 * per iteration. `latency` = mean in ns (lower/upper = min/max, samples = `data` when saved),
 * `latency_median`, `latency_stddev`, `throughput` = ops. The name is `fullname` without its
 * `[param]` suffix; `params` and `group` become params.
 */
export const pytestBenchmarkParser: Parser = {
  name: NAME,
  description: 'pytest-benchmark --benchmark-json',
  detect: (text) =>
    /"machine_info"\s*:/.test(text) ||
    (/"benchmarks"\s*:/.test(text) && /"stats"\s*:\s*\{/.test(text) && /"fullname"\s*:/.test(text)),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const root = r.object(parseJson(text, fail), '$');
    const list = r.array(root.benchmarks, '$.benchmarks');
    const merger = new RowMerger();
    list.forEach((entry, i) => {
      const path = at('$.benchmarks', i);
      const o = r.object(entry, path);
      const full = r.string(o.fullname ?? o.name, at(path, o.fullname === undefined ? 'name' : 'fullname'));
      const params: Record<string, string> = {};
      if (o.params !== undefined && o.params !== null) {
        const pp = r.object(o.params, at(path, 'params'));
        for (const [k, v] of Object.entries(pp)) params[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
      if (typeof o.group === 'string') params.group = o.group;
      const name =
        Object.keys(params).length > 0 && o.param !== null ? full.replace(/\[[^\]]*\]$/, '') : full;
      const sPath = at(path, 'stats');
      const st = r.object(o.stats, sPath);
      const ns = (field: string) => r.number(st[field], at(sPath, field)) * 1e9;
      const data = st.data === undefined ? undefined : r.scaledNumbers(st.data, at(sPath, 'data'), 1e9);
      const measures: Record<string, Measure> = {
        latency: measure(ns('mean'), 'ns', { lower: ns('min'), upper: ns('max'), samples: data }),
        latency_median: measure(ns('median'), 'ns'),
        latency_stddev: measure(ns('stddev'), 'ns'),
      };
      if (st.ops !== undefined) measures.throughput = measure(r.number(st.ops, at(sPath, 'ops')), 'ops/s');
      merger.add(name, params, measures);
    });
    return mergedDocument(NAME, merger, fail);
  },
};
