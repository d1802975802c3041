import path from 'node:path';
import { InputError } from '@benchrunner/core';
import type { ChangePoint, DetectOptions } from '@benchrunner/results';
import { detectChangePoints } from '@benchrunner/results';
import type { Command, CommandInput } from '../cli.ts';
import { UsageError } from '../cli.ts';
import { formatChange } from '../compare-table.ts';
import { stringOption } from '../options.ts';
import { readSeriesFile } from '../series-file.ts';

/** `benchrunner detect FILE`: change points of each series of a CSV or JSON file (E-Divisive, as Otava). */
export const detectCommand: Command = {
  name: 'detect',
  summary: 'find change points in each series of a CSV or JSON file (E-Divisive means, as Apache Otava)',
  positionals: [{ name: 'FILE', description: 'CSV with a header row, or a JSON series' }],
  options: {
    column: { type: 'string', valueName: 'NAME', description: 'only this series (column or metric)' },
    window: { type: 'string', valueName: 'N', description: "sliding window (Otava's window_len)" },
    'max-pvalue': { type: 'string', valueName: 'P', description: 'significance level (Otava: 0.001)' },
    'min-magnitude': {
      type: 'string',
      valueName: 'M',
      description: 'smallest relative change to report, 0.05 = 5% (Otava: 0)',
    },
    json: { type: 'boolean', description: 'print {"metrics": [{"metric", "changePoints": [...]}]}' },
  },
  details: [
    'CSV: an optional commit or time column labels the rows; every other numeric column is a series.',
    'JSON: [numbers], [{value, samples?, commit?}], or {"<metric>": [...]}.',
    'index is the 0-based position of the first point after the change, as Otava counts.',
    "Without samples the result is Otava's for the same parameters (defaults window 50, p 0.001,",
    'magnitude 0). When every point has samples, each point is the median of its samples and the',
    'defaults are window 30, p 0.001, magnitude 0.01.',
  ].join('\n'),
  async run({ positionals, options }, context) {
    const detect = detectOptions(options);
    const file = path.resolve(context.cwd, positionals[0]!);
    let columns = await readSeriesFile(file);
    const only = stringOption(options, 'column');
    if (only !== undefined) {
      columns = columns.filter((c) => c.metric === only);
      if (columns.length === 0) {
        const names = (await readSeriesFile(file)).map((c) => c.metric).join(', ');
        throw new InputError(`${path.basename(file)}: no series '${only}'; series: ${names}`);
      }
    }
    const metrics = columns.map((column) => ({
      metric: column.metric,
      changePoints: detectChangePoints(column.points, detect).map((p) => output(p, column.commits)),
    }));
    if (options.json === true) {
      context.stdout(`${JSON.stringify({ metrics }, null, 2)}\n`);
      return 0;
    }
    const column = (metric: string) => columns.find((c) => c.metric === metric);
    const lines: string[] = [];
    for (const { metric, changePoints } of metrics) {
      lines.push(
        `${metric}: ${changePoints.length === 0 ? 'no change points' : `${changePoints.length} change points`}`,
      );
      for (const p of changePoints) {
        const label = p.commit ?? column(metric)?.times?.[p.index];
        const at = label === undefined ? `index ${p.index}` : `index ${p.index} (${label})`;
        const change = p.before === 0 ? '' : ` ${formatChange(p.after / p.before - 1)}`;
        lines.push(
          `  ${at}: ${number(p.before)} -> ${number(p.after)}${change}, p=${p.pValue.toPrecision(3)}`,
        );
      }
    }
    context.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};

function output(point: ChangePoint, commits: string[] | undefined) {
  const commit = commits?.[point.index];
  return {
    index: point.index,
    ...(commit === undefined || commit === '' ? {} : { commit }),
    before: point.before,
    after: point.after,
    magnitude: point.magnitude,
    pValue: point.pValue,
  };
}

function number(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function detectOptions(options: CommandInput['options']): DetectOptions {
  const result: DetectOptions = {};
  const window = stringOption(options, 'window');
  if (window !== undefined) {
    const n = Number(window);
    if (!(Number.isInteger(n) && n >= 2)) {
      throw new UsageError(`option '--window' must be an integer of at least 2, got '${window}'`);
    }
    result.window = n;
  }
  const p = stringOption(options, 'max-pvalue');
  if (p !== undefined) {
    const value = Number(p);
    if (p.trim() === '' || !(value > 0 && value <= 1)) {
      throw new UsageError(`option '--max-pvalue' must be a number in (0, 1], got '${p}'`);
    }
    result.maxPValue = value;
  }
  const m = stringOption(options, 'min-magnitude');
  if (m !== undefined) {
    const value = Number(m);
    if (m.trim() === '' || !(value >= 0 && Number.isFinite(value))) {
      throw new UsageError(`option '--min-magnitude' must be a number of at least 0, got '${m}'`);
    }
    result.minMagnitude = value;
  }
  return result;
}
