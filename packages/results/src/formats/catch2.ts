import { RowMerger } from '../merge.ts';
import {
  type Fail,
  failer,
  type LineParser,
  linePosition,
  measure,
  mergedDocument,
  nsPerUnit,
  type Parser,
  parseByLines,
  parseNumber,
} from './parser.ts';

const NAME = 'catch2';

const HEAD = /^(.*\S)\s+(\d+)\s+(\d+)\s+([\d.]+ ?\S+)\s*$/;
const TRIPLE = /^\s+([\d.]+) ?(\S+)\s+([\d.]+) ?(\S+)\s+([\d.]+) ?(\S+)\s*$/;

function ns(raw: string, unit: string, n: number, fail: Fail): number {
  const f = nsPerUnit(unit);
  const v = parseNumber(raw);
  if (f === undefined) return fail(linePosition(n), `unknown time unit ${JSON.stringify(unit)}`);
  if (!Number.isFinite(v)) return fail(linePosition(n), `bad number ${JSON.stringify(raw)}`);
  return v * f;
}

/**
 * Catch2 console text of `BENCHMARK` (v2 and v3): a row `name samples iterations estimated`, then
 * `mean low-mean high-mean`, then `std-dev low high`. `latency` = mean in ns, lower/upper = Catch2's
 * bootstrapped bounds of the mean; `latency_stddev` = std dev. A row without its two following
 * lines (a truncated file) fails the parse.
 */
export const catch2Parser: Parser = {
  name: NAME,
  description: 'Catch2 BENCHMARK console text',
  detect: (text) => /benchmark name\s+samples\s+iterations\s+(estimated|est run time)/.test(text),
  parse: (text, source) => parseByLines(text, catch2Lines(source)),
  lines: catch2Lines,
};

function catch2Lines(source: string): LineParser {
  const fail = failer(source, NAME);
  const merger = new RowMerger();
  let inTable = false;
  let last = 0;
  let row: { name: string; line: number; mean?: [number, number, number] } | undefined;
  return {
    line(text, n) {
      last = n;
      if (/^benchmark name\s+samples/.test(text)) {
        inTable = true;
        return;
      }
      if (!inTable || /^-+$/.test(text) || /^\s+(mean|std dev)\s/.test(text)) return;
      if (row) {
        const t = TRIPLE.exec(text);
        if (!t)
          return fail(
            linePosition(n, 1),
            `expected three "value unit" figures for ${row.name}, got ${JSON.stringify(text.trim().slice(0, 60))}`,
          );
        const [, a = '', ua = '', b = '', ub = '', c = '', uc = ''] = t;
        const v: [number, number, number] = [ns(a, ua, n, fail), ns(b, ub, n, fail), ns(c, uc, n, fail)];
        if (!row.mean) {
          row.mean = v;
          return;
        }
        merger.add(
          row.name,
          {},
          {
            latency: measure(row.mean[0], 'ns', { lower: row.mean[1], upper: row.mean[2] }),
            latency_stddev: measure(v[0], 'ns'),
          },
        );
        row = undefined;
        return;
      }
      if (text.trim() === '' || /^={5,}/.test(text)) {
        if (/^={5,}/.test(text)) inTable = false;
        return;
      }
      const h = HEAD.exec(text);
      if (h) row = { name: (h[1] as string).trim(), line: n };
    },
    end() {
      if (row) fail(linePosition(row.line), `${row.name}: the file ends before its mean and std dev lines`);
      if (merger.size === 0)
        fail(linePosition(last), 'no benchmark results found (no Catch2 benchmark table)');
      return mergedDocument(NAME, merger, fail);
    },
  };
}
