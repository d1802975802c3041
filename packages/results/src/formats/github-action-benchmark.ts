import type { Measure } from '@benchrunner/core';
import { RowMerger } from '../merge.ts';
import { at, describe, JsonReader, parseJson } from './json.ts';
import { failer, measure, mergedDocument, nsPerUnit, type Parser, parseNumber } from './parser.ts';

const NAME = 'github-action-benchmark';

const THROUGHPUT_UNITS = new Set(['ops/s', 'ops/sec', 'op/s', 'ops']);

/**
 * github-action-benchmark's custom JSON (tools `customSmallerIsBetter` and
 * `customBiggerIsBetter`: the file is the same, the direction is a setting of the action):
 * `[{name, unit, value, range?, extra?}]`. A time unit (s, ms, us, ns) gives `latency` in ns, an
 * ops-per-second unit gives `throughput`; any other unit becomes the `value` measure with that
 * unit. `range` (`"± 0.5"` or a number) gives lower/upper = value -/+ range.
 */
export const githubActionBenchmarkParser: Parser = {
  name: NAME,
  description: 'github-action-benchmark custom JSON (customSmallerIsBetter / customBiggerIsBetter)',
  detect: (text) =>
    /^\s*\[\s*\{/.test(text) &&
    /"unit"\s*:/.test(text) &&
    /"value"\s*:/.test(text) &&
    !/"(jmhVersion|duration)"\s*:/.test(text),
  parse(text, source) {
    const fail = failer(source, NAME);
    const r = new JsonReader(fail);
    const merger = new RowMerger();
    r.array(parseJson(text, fail), '$').forEach((entry, i) => {
      const path = at('$', i);
      const o = r.object(entry, path);
      const name = r.string(o.name, at(path, 'name'));
      const unit = r.string(o.unit, at(path, 'unit'));
      const value = r.number(o.value, at(path, 'value'), true);
      let range: number | undefined;
      if (typeof o.range === 'number') range = r.number(o.range, at(path, 'range'));
      else if (typeof o.range === 'string') {
        range = parseNumber(o.range.replace(/^\s*(±|\+\/-|\+-)\s*/, '').trim());
        if (!Number.isFinite(range) || range < 0)
          fail(at(path, 'range'), `expected "± N" or a number, got ${describe(o.range)}`);
      } else if (o.range !== undefined && o.range !== null)
        fail(at(path, 'range'), `expected "± N" or a number, got ${describe(o.range)}`);
      const f = nsPerUnit(unit);
      const [mName, mUnit, factor] =
        f !== undefined
          ? ['latency', 'ns', f]
          : THROUGHPUT_UNITS.has(unit.toLowerCase())
            ? ['throughput', 'ops/s', 1]
            : ['value', unit, 1];
      const m: Measure =
        range === undefined
          ? measure(value * factor, mUnit)
          : measure(value * factor, mUnit, {
              lower: (value - range) * factor,
              upper: (value + range) * factor,
            });
      merger.add(name, {}, { [mName]: m });
    });
    return mergedDocument(NAME, merger, fail);
  },
};
