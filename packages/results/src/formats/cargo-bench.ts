import type { Measure } from '@benchrunner/core';
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

const NAME = 'cargo-bench';

const LINE =
  /^test (.+?)\s+\.\.\. bench:\s+([\d,.]+) ns\/iter \(\+\/- ([\d,.]+)\)(?: = ([\d,.]+) MB\/s)?\s*$/;

/**
 * cargo's libtest bench text (`cargo bench` with `#[bench]`): `test name ... bench: 1,234 ns/iter
 * (+/- 56)`, optionally `= 12 MB/s`. `latency` = ns/iter; lower/upper = value -/+ libtest's
 * spread (max - min of the winsorized samples); `bytes_per_second` from MB/s (x 1e6). A failed
 * bench or test result fails the parse.
 */
export const cargoBenchParser: Parser = {
  name: NAME,
  description: 'cargo bench (libtest #[bench]) text',
  detect: (text) => /^test .+?\s+\.\.\. bench:\s+[\d,.]+ ns\/iter/m.test(text),
  parse: (text, source) => parseByLines(text, cargoLines(source)),
  lines: cargoLines,
};

function cargoLines(source: string): LineParser {
  const fail = failer(source, NAME);
  const merger = new RowMerger();
  let last = 0;
  return {
    line(text, n) {
      last = n;
      if (/^test .* \.\.\. FAILED\s*$/.test(text) || /^test result: FAILED/.test(text)) {
        fail(linePosition(n, 1), `cargo bench reported a failure: ${text.trim()}`);
      }
      if (!/^test .+?\s+\.\.\. bench:/.test(text)) return;
      const m = LINE.exec(text);
      if (!m)
        return fail(
          linePosition(n, 1),
          `expected "test NAME ... bench: N ns/iter (+/- D)", got ${JSON.stringify(text.slice(0, 80))}`,
        );
      const [, name = '', v = '', d = '', mbs] = m;
      const value = parseNumber(v);
      const spread = parseNumber(d);
      if (!Number.isFinite(value) || !Number.isFinite(spread))
        fail(linePosition(n, 1), `bad number in ${JSON.stringify(text.trim())}`);
      const measures: Record<string, Measure> = {
        latency: measure(value, 'ns', { lower: Math.max(0, value - spread), upper: value + spread }),
      };
      if (mbs !== undefined) measures.bytes_per_second = measure(parseNumber(mbs) * 1e6, 'bytes/s');
      merger.add(name, {}, measures);
    },
    end() {
      if (merger.size === 0)
        fail(linePosition(last), 'no benchmark results found (no "... bench: N ns/iter" lines)');
      return mergedDocument(NAME, merger, fail);
    },
  };
}
