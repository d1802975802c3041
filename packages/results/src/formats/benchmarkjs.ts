import { RowMerger } from '../merge.ts';
import {
  failer,
  type LineParser,
  linePosition,
  measure,
  mergedDocument,
  type Parser,
  parseByLines,
  parseNumber,
} from './parser.ts';

const NAME = 'benchmarkjs';

const LINE = /^(.+?) x ([\d,]+(?:\.\d+)?) ops\/sec (?:±|\+-|\+\/-)\s?([\d.]+)% \((\d+) runs? sampled\)\s*$/;

/**
 * Benchmark.js text (`String(event.target)` per cycle): `name x 1,234 ops/sec ±1.12% (91 runs
 * sampled)`. `throughput` = ops/sec; lower/upper = value -/+ the relative margin of error.
 * A line with `ops/sec` that does not fit the pattern fails the parse.
 */
export const benchmarkjsParser: Parser = {
  name: NAME,
  description: 'Benchmark.js text: "name x 1,234 ops/sec ±1.12% (91 runs sampled)"',
  detect: (text) => / x [\d,.]+ ops\/sec (±|\+-)/.test(text),
  parse: (text, source) => parseByLines(text, benchmarkjsLines(source)),
  lines: benchmarkjsLines,
};

function benchmarkjsLines(source: string): LineParser {
  const fail = failer(source, NAME);
  const merger = new RowMerger();
  let last = 0;
  return {
    line(text, n) {
      last = n;
      if (!text.includes('ops/sec')) return;
      const m = LINE.exec(text);
      if (!m)
        return fail(
          linePosition(n, 1),
          `expected "name x N ops/sec ±P% (R runs sampled)", got ${JSON.stringify(text.slice(0, 80))}`,
        );
      const [, name = '', ops = '', rme = ''] = m;
      const value = parseNumber(ops);
      const margin = (value * Number(rme)) / 100;
      merger.add(
        name.trim(),
        {},
        {
          throughput: measure(value, 'ops/s', { lower: Math.max(0, value - margin), upper: value + margin }),
        },
      );
    },
    end() {
      if (merger.size === 0) fail(linePosition(last), 'no benchmark results found (no "x N ops/sec" lines)');
      return mergedDocument(NAME, merger, fail);
    },
  };
}
