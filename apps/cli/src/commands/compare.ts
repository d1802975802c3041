import { compareResults } from '@benchrunner/results';
import type { Command } from '../cli.ts';
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
    'fail-on-regression': { type: 'boolean', description: 'exit 1 when any measure regressed' },
  },
  details: [
    'A run id reads DATA_DIR/runs/<id>/manifest.json (DATA_DIR defaults to .data at the repository root).',
    "Each measure's samples are compared when present, else its single value (n=1: no test).",
    'A and B are medians; the change is (median B - median A) / median A with a 95% percentile-bootstrap',
    'interval (seeded, so repeatable); p is a two-sided Mann-Whitney U test. Lower is better for latency,',
    'memory and cpu, higher for throughput; other measures report "changed" when significant.',
  ].join('\n'),
  async run({ positionals, options }, context) {
    const alpha = numberOption(options, 'alpha', { min: 0, max: 1, fallback: 0.05 });
    const load = { cwd: context.cwd, dataDir: dataDir(context.env), format: stringOption(options, 'format') };
    const [a, b] = await Promise.all([
      loadResultSource(positionals[0]!, load),
      loadResultSource(positionals[1]!, load),
    ]);
    const rows = compareResults(a.documents, b.documents, { alpha });
    if (options.json === true) {
      const side = ({ kind, name, path }: typeof a) => ({ kind, name, path });
      context.stdout(`${JSON.stringify({ alpha, a: side(a), b: side(b), rows }, null, 2)}\n`);
    } else {
      context.stdout(renderComparisonTable(rows, alpha));
    }
    const regressed = rows.some((row) => row.verdict === 'regressed');
    return options['fail-on-regression'] === true && regressed ? 1 : 0;
  },
};
