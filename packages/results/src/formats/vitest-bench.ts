import { RowMerger } from '../merge.ts';
import { at, JsonReader, parseJson } from './json.ts';
import { failer, measure, mergedDocument, type Parser } from './parser.ts';

const NAME = 'vitest-bench';

/**
 * `vitest bench --outputJson FILE`: `{files: [{filepath, groups: [{fullName, benchmarks: [{name,
 * hz, min, max, mean, median?, rme, samples, ...}]}]}]}`, times in ms (tinybench). The headline,
 * as in vitest's own table, is `throughput` = hz (lower/upper = hz -/+ rme%); `latency` = mean in
 * ns (lower/upper = min/max, samples when vitest kept them). The name is `group > bench`.
 */
export const vitestBenchParser: Parser = {
  name: NAME,
  description: 'Vitest bench --outputJson',
  detect: (text) => /^\s*\{\s*"files"\s*:\s*\[/.test(text) && /"groups"\s*:/.test(text),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const root = r.object(parseJson(text, fail), '$');
    const merger = new RowMerger();
    r.array(root.files, '$.files').forEach((file, fi) => {
      const fPath = at('$.files', fi);
      const f = r.object(file, fPath);
      r.array(f.groups, at(fPath, 'groups')).forEach((group, gi) => {
        const gPath = at(at(fPath, 'groups'), gi);
        const g = r.object(group, gPath);
        const groupName = r.string(g.fullName, at(gPath, 'fullName'));
        r.array(g.benchmarks, at(gPath, 'benchmarks')).forEach((bench, bi) => {
          const path = at(at(gPath, 'benchmarks'), bi);
          const b = r.object(bench, path);
          const name = `${groupName} > ${r.string(b.name, at(path, 'name'))}`;
          const num = (field: string) => r.number(b[field], at(path, field));
          const hz = num('hz');
          const rme = num('rme');
          const samples =
            b.samples === undefined
              ? undefined
              : r.numbers(b.samples, at(path, 'samples')).map((s) => s * 1e6);
          merger.add(
            name,
            {},
            {
              throughput: measure(hz, 'ops/s', {
                lower: Math.max(0, hz * (1 - rme / 100)),
                upper: hz * (1 + rme / 100),
              }),
              latency: measure(num('mean') * 1e6, 'ns', {
                lower: num('min') * 1e6,
                upper: num('max') * 1e6,
                samples,
              }),
            },
          );
        });
      });
    });
    return mergedDocument(NAME, merger, fail);
  },
};
