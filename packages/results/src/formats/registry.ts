import { benchmarkdotnetParser } from './benchmarkdotnet.ts';
import { benchmarkjsParser } from './benchmarkjs.ts';
import { bmfParser } from './bmf.ts';
import { cargoBenchParser } from './cargo-bench.ts';
import { catch2Parser } from './catch2.ts';
import { criterionParser } from './criterion.ts';
import { githubActionBenchmarkParser } from './github-action-benchmark.ts';
import { goBenchParser } from './go-bench.ts';
import { googleBenchmarkParser } from './google-benchmark.ts';
import { hyperfineParser } from './hyperfine.ts';
import { jmhParser } from './jmh.ts';
import type { Parser } from './parser.ts';
import { pytestBenchmarkParser } from './pytest-benchmark.ts';
import { seedParser } from './seed.ts';
import { vitestBenchParser } from './vitest-bench.ts';

/**
 * Every format, in detection order: the more specific checks come first so that a file matching
 * two loose checks goes to the stricter format (JSON formats with a marker key, then the loose
 * JSON shapes, then the text formats; libtest before Criterion, whose `--output-format bencher`
 * writes libtest lines).
 */
export const PARSERS: readonly Parser[] = [
  seedParser,
  jmhParser,
  benchmarkdotnetParser,
  googleBenchmarkParser,
  pytestBenchmarkParser,
  hyperfineParser,
  vitestBenchParser,
  githubActionBenchmarkParser,
  bmfParser,
  goBenchParser,
  cargoBenchParser,
  criterionParser,
  catch2Parser,
  benchmarkjsParser,
];
