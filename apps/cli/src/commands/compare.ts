import { InputError } from '@benchrunner/core';
import type { ComparisonRow } from '@benchrunner/results';
import { compareResults, comparisonConditions, DEFAULT_MIN_CHANGE } from '@benchrunner/results';
import type { Command } from '../cli.ts';
import { UsageError } from '../cli.ts';
import { renderComparisonTable } from '../compare-table.ts';
import { loadResultSource } from '../load-results.ts';
import { numberOption, stringOption } from '../options.ts';
import { dataDir } from '../paths.ts';

/** `benchrunner compare A B`: the change of every measure from A to B, with significance. */
export const compareCommand: Command = {
  name: 'compare',
  summary: 'compare two result files or runs: change of each measure, confidence interval, p-value, verdict',
  positionals: [
    { name: 'A', description: 'baseline: a result file (any format), a run directory or a run id' },
    { name: 'B', description: 'candidate: same kinds as A' },
  ],
  options: {
    json: { type: 'boolean', description: 'print the comparison as JSON instead of a table' },
    alpha: { type: 'string', valueName: 'P', description: 'significance level of the test (default 0.05)' },
    format: {
      type: 'string',
      valueName: 'NAME',
      description: 'format of both result files; detected from the content by default',
    },
    'min-change': {
      type: 'string',
      valueName: 'X',
      description: `smallest relative change reported, 0.02 = 2% (default ${DEFAULT_MIN_CHANGE})`,
    },
    'no-fdr': {
      type: 'boolean',
      description: 'test each row at alpha alone, without the false discovery rate correction',
    },
    'fail-on-regression': { type: 'boolean', description: 'exit 1 when any measure regressed' },
  },
  details: [
    'A run id reads DATA_DIR/runs/<id>/manifest.json (DATA_DIR defaults to .data at the repository root).',
    "Each measure's samples are compared; a measure with a single value (hyperfine's user and system",
    'times) has nothing to test and is left out of the table (kept in --json as "no test").',
    'A and B are medians; the change is (median B - median A) / median A with a 95% percentile-bootstrap',
    'interval (seeded, so repeatable); p is a two-sided Mann-Whitney U test, adjusted over all rows',
    '(Benjamini-Hochberg) unless --no-fdr. A change is reported when p < alpha, the interval excludes 0',
    'and the change reaches --min-change. Lower is better for latency, memory and cpu, higher for',
    'throughput; other measures report "changed". Nothing matched between A and B exits 1.',
  ].join('\n'),
  async run({ positionals, options }, context) {
    const alpha = numberOption(options, 'alpha', { min: 0, max: 1, fallback: 0.05 });
    const minChange = minChangeOption(stringOption(options, 'min-change'));
    const fdr = options['no-fdr'] !== true;
    const load = { cwd: context.cwd, dataDir: dataDir(context.env), format: stringOption(options, 'format') };
    const [a, b] = await Promise.all([
      loadResultSource(positionals[0]!, load),
      loadResultSource(positionals[1]!, load),
    ]);
    const rows = compareResults(a.documents, b.documents, { alpha, minChange, fdr });
    if (!rows.some((row) => row.a !== null && row.b !== null)) throw new InputError(nothingMatched(rows));
    const notes = comparisonConditions(a.environment, b.environment);
    if (options.json === true) {
      const side = ({ kind, name, path }: typeof a) => ({ kind, name, path });
      const report = { alpha, minChange, fdr, a: side(a), b: side(b), notes, rows };
      context.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      context.stdout(renderComparisonTable(rows, { alpha, minChange, fdr, notes }));
    }
    const regressed = rows.some((row) => row.verdict === 'regressed');
    return options['fail-on-regression'] === true && regressed ? 1 : 0;
  },
};

function nothingMatched(rows: readonly ComparisonRow[]): string {
  const names = (verdict: string) =>
    [...new Set(rows.filter((r) => r.verdict === verdict).map((r) => `'${r.benchmark}'`))]
      .slice(0, 5)
      .join(', ') || 'nothing';
  return (
    `no benchmark matched between A and B (A has ${names('only in A')}; B has ${names('only in B')}); ` +
    'benchmarks match by name, params and measure, and hyperfine names a benchmark after its command: ' +
    "give both variants the same name with 'hyperfine -n NAME'"
  );
}

function minChangeOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MIN_CHANGE;
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && Number.isFinite(value))) {
    throw new UsageError(`option '--min-change' must be a number of at least 0 (0.02 = 2%), got '${text}'`);
  }
  return value;
}
