import { RowMerger } from '../merge.ts';
import {
  type Fail,
  failer,
  type LineParser,
  linePosition,
  mergedDocument,
  type Parser,
  parseByLines,
  parseNumber,
} from './parser.ts';

const NAME = 'go-bench';

const BENCH_LINE = /^(Benchmark\S*)\s+(\d+)\s+(.*)$/;
const SUFFIX = /^(.*?)-(\d+)$/;
const WS = /\s+/;

/** How go's units map to the model: measure name, unit, factor. */
const UNITS: Record<string, [string, string, number]> = {
  'ns/op': ['latency', 'ns', 1],
  'MB/s': ['bytes_per_second', 'bytes/s', 1e6],
  'B/op': ['alloc_bytes', 'bytes', 1],
  'allocs/op': ['allocs', 'allocs/op', 1],
};

class GoLines implements LineParser {
  readonly #merger = new RowMerger();
  readonly #fail: Fail;
  #pkg: string | undefined;
  #last = 0;

  constructor(fail: Fail) {
    this.#fail = fail;
  }

  line(text: string, n: number): void {
    this.#last = n;
    if (text.startsWith('pkg: ')) {
      this.#pkg = text.slice(5).trim();
      return;
    }
    if (text.startsWith('--- FAIL') || /^FAIL(\s|$)/.test(text)) {
      this.#fail(linePosition(n, 1), `go test reported a failure: ${text.trim()}`);
    }
    if (!text.startsWith('Benchmark')) return;
    const m = BENCH_LINE.exec(text);
    // A benchmark that prints while running leaves its name alone on a line: not a result.
    if (!m) {
      if (/^Benchmark\S*\s*$/.test(text)) return;
      this.#fail(
        linePosition(n, 1),
        `expected "BenchmarkName  N  value unit ...", got ${JSON.stringify(text.slice(0, 60))}`,
      );
    }
    const [, full = '', , rest = ''] = m as RegExpExecArray;
    const sfx = SUFFIX.exec(full);
    const name = sfx ? (sfx[1] as string) : full;
    const pkg = this.#pkg;
    const key = `${full}\u0000${pkg ?? ''}`;
    const params = () => {
      const out: Record<string, string> = {};
      if (sfx) out.gomaxprocs = sfx[2] as string;
      if (pkg) out.pkg = pkg;
      return out;
    };
    const parts = rest.trim().split(WS);
    if (parts.length < 2 || parts.length % 2 !== 0) {
      this.#fail(
        linePosition(n, text.indexOf(rest) + 1),
        `expected pairs of "value unit" after the iteration count, got ${JSON.stringify(rest.trim().slice(0, 60))}`,
      );
    }
    let sawLatency = false;
    for (let i = 0; i < parts.length; i += 2) {
      const raw = parts[i] as string;
      const unit = parts[i + 1] as string;
      const v = parseNumber(raw);
      if (!Number.isFinite(v) || v < 0) {
        // Only a bad line pays for finding its column.
        let from = text.length - rest.length;
        for (let j = 0; j < i; j++)
          from = text.indexOf(parts[j] as string, from) + (parts[j] as string).length;
        this.#fail(
          linePosition(n, text.indexOf(raw, from) + 1),
          `${unit}: expected a non-negative number, got ${JSON.stringify(raw)}`,
        );
      }
      const conv = UNITS[unit];
      if (conv) {
        if (conv[0] === 'latency') sawLatency = true;
        this.#merger.addValue(key, name, params, conv[0], conv[1], v * conv[2]);
      } else this.#merger.addValue(key, name, params, unit, unit, v);
    }
    if (!sawLatency) this.#fail(linePosition(n, 1), `${full}: no ns/op figure`);
  }

  end() {
    if (this.#merger.size === 0)
      this.#fail(linePosition(this.#last), 'no benchmark results found (no "Benchmark... ns/op" lines)');
    return mergedDocument(NAME, this.#merger, this.#fail);
  }
}

/**
 * `go test -bench` text, any number of packages, with `-benchmem`, `-count` and `-cpu`.
 * `latency` = ns/op; `bytes_per_second` from MB/s (x 1e6); `alloc_bytes` = B/op; `allocs` =
 * allocs/op; custom `b.ReportMetric` units keep their unit as the measure name. The `-N`
 * GOMAXPROCS suffix becomes the `gomaxprocs` param and the `pkg:` header the `pkg` param; `-count`
 * rows merge. A `FAIL` line fails the parse.
 */
export const goBenchParser: Parser = {
  name: NAME,
  description: 'go test -bench text output',
  detect: (text) => /^Benchmark\S*\s+\d+\s+[\d.]+ ns\/op/m.test(text),
  parse: (text, source) => parseByLines(text, new GoLines(failer(source, NAME))),
  lines: (source) => new GoLines(failer(source, NAME)),
};
