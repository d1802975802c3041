import type { Measure } from '@benchrunner/core';
import { RowMerger } from '../merge.ts';
import {
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

const NAME = 'criterion';

const FIGURE = /^(.*?)\s*(time|thrpt):\s+\[(.+)\]\s*$/;
const TRIPLE = /^\s*([\d.,]+)\s*(\S+)\s+([\d.,]+)\s*(\S+)\s+([\d.,]+)\s*(\S+)\s*$/;

const THROUGHPUT: Record<string, [string, string, number]> = {
  'elem/s': ['throughput', 'ops/s', 1],
  'Kelem/s': ['throughput', 'ops/s', 1e3],
  'Melem/s': ['throughput', 'ops/s', 1e6],
  'Gelem/s': ['throughput', 'ops/s', 1e9],
  'B/s': ['bytes_per_second', 'bytes/s', 1],
  'KiB/s': ['bytes_per_second', 'bytes/s', 1024],
  'MiB/s': ['bytes_per_second', 'bytes/s', 1024 ** 2],
  'GiB/s': ['bytes_per_second', 'bytes/s', 1024 ** 3],
  'TiB/s': ['bytes_per_second', 'bytes/s', 1024 ** 4],
  'KB/s': ['bytes_per_second', 'bytes/s', 1e3],
  'MB/s': ['bytes_per_second', 'bytes/s', 1e6],
  'GB/s': ['bytes_per_second', 'bytes/s', 1e9],
};

/**
 * Criterion.rs text (`cargo bench` with criterion): `name  time: [low estimate high]` with units
 * ps/ns/µs/us/ms/s, and `thrpt: [...]` in elem/s or bytes/s (K/M/G, binary for B/s). A long name
 * stands alone on the line before `time:`. `latency` = the middle estimate in ns, lower/upper = the
 * confidence bounds; `change:` percentages and outlier notes are ignored.
 */
export const criterionParser: Parser = {
  name: NAME,
  description: 'Criterion.rs text: "name  time: [1.2 µs 1.3 µs 1.4 µs]"',
  detect: (text) => /time:\s+\[[\d.]+ ?(ps|ns|µs|μs|us|ms|s) [\d.]+ ?(ps|ns|µs|μs|us|ms|s) /.test(text),
  parse: (text, source) => parseByLines(text, criterionLines(source)),
  lines: criterionLines,
};

function criterionLines(source: string): LineParser {
  const fail = failer(source, NAME);
  const merger = new RowMerger();
  let last = 0;
  let pendingName: string | undefined;
  let current: { name: string; measures: Record<string, Measure> } | undefined;
  const flush = () => {
    if (current) merger.add(current.name, {}, current.measures);
    current = undefined;
  };
  return {
    line(text, n) {
      last = n;
      const m = FIGURE.exec(text);
      if (!m) {
        const t = text.trim();
        // A name alone on its line (too long for the column) comes before its `time:` line.
        if (
          t !== '' &&
          !/^\s/.test(text) &&
          !/^(Benchmarking|Found|Gnuplot|Warning|Running|Finished|Compiling|WARNING)\b/.test(t)
        ) {
          flush();
          pendingName = t;
        } else if (t !== '' && !/^\s/.test(text)) flush();
        return;
      }
      const [, label = '', kind = '', inner = ''] = m;
      if (inner.includes('%')) return; // a `change:` line
      const t = TRIPLE.exec(inner);
      if (!t)
        return fail(
          linePosition(n, text.indexOf('[') + 2),
          `expected three "value unit" figures, got [${inner}]`,
        );
      const [, a = '', ua = '', b = '', ub = '', c = '', uc = ''] = t;
      const conv = (raw: string, unit: string): [string, string, number] => {
        const v = parseNumber(raw);
        if (!Number.isFinite(v))
          return fail(linePosition(n, text.indexOf(raw) + 1), `bad number ${JSON.stringify(raw)}`);
        if (kind === 'time') {
          const f = nsPerUnit(unit);
          if (f === undefined)
            return fail(linePosition(n, text.indexOf(unit) + 1), `unknown time unit ${JSON.stringify(unit)}`);
          return ['latency', 'ns', v * f];
        }
        const tu = THROUGHPUT[unit];
        if (!tu)
          return fail(
            linePosition(n, text.indexOf(unit) + 1),
            `unknown throughput unit ${JSON.stringify(unit)}`,
          );
        return [tu[0], tu[1], v * tu[2]];
      };
      const [mName, mUnit, lo] = conv(a, ua);
      const [, , mid] = conv(b, ub);
      const [, , hi] = conv(c, uc);
      if (kind === 'time') {
        flush();
        const name = label.trim() || pendingName;
        if (!name) return fail(linePosition(n, 1), 'a "time:" line without a benchmark name');
        current = { name, measures: {} };
        pendingName = undefined;
      }
      if (!current) return fail(linePosition(n, 1), `a "${kind}:" line without a benchmark`);
      current.measures[mName] = measure(mid, mUnit, { lower: lo, upper: hi });
    },
    end() {
      flush();
      if (merger.size === 0) fail(linePosition(last), 'no benchmark results found (no "time: [...]" lines)');
      return mergedDocument(NAME, merger, fail);
    },
  };
}
