import { RowMerger } from '../merge.ts';
import { at, JsonReader, parseJson } from './json.ts';
import { failer, measure, mergedDocument, type Parser } from './parser.ts';

const NAME = 'hyperfine';

/**
 * `hyperfine --export-json`: `{results: [{command, mean, stddev, median, user, system, min, max,
 * times, parameters?}]}`, all in seconds. `latency` = mean (lower/upper = min/max, samples =
 * times); `user_time`/`system_time` keep hyperfine's mean user and system CPU time; `-P`/`-L`
 * parameters become params.
 */
export const hyperfineParser: Parser = {
  name: NAME,
  description: 'hyperfine --export-json',
  detect: (text) => /^\s*\{\s*"results"\s*:\s*\[/.test(text) && /"command"\s*:/.test(text),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const root = r.object(parseJson(text, fail), '$');
    const results = r.array(root.results, '$.results');
    const merger = new RowMerger();
    results.forEach((entry, i) => {
      const path = at('$.results', i);
      const o = r.object(entry, path);
      const name = r.string(o.command, at(path, 'command'));
      const params: Record<string, string> = {};
      if (o.parameters !== undefined && o.parameters !== null) {
        const pp = r.object(o.parameters, at(path, 'parameters'));
        for (const [k, v] of Object.entries(pp)) params[k] = r.param(v, at(at(path, 'parameters'), k));
      }
      const s = (field: string) => r.number(o[field], at(path, field)) * 1e9;
      const times =
        o.times === undefined ? undefined : r.numbers(o.times, at(path, 'times')).map((t) => t * 1e9);
      const measures = {
        latency: measure(s('mean'), 'ns', { lower: s('min'), upper: s('max'), samples: times }),
        ...(o.user === undefined ? {} : { user_time: measure(s('user'), 'ns') }),
        ...(o.system === undefined ? {} : { system_time: measure(s('system'), 'ns') }),
      };
      merger.add(name, params, measures);
    });
    return mergedDocument(NAME, merger, fail);
  },
};
