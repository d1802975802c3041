import type { ComparisonRow } from '@benchrunner/results';
import { formatMeasure } from '@benchrunner/results';

/** A relative change as a signed percentage: 0.0512 -> `+5.12%`. */
export function formatChange(change: number): string {
  const percent = (change * 100).toFixed(2);
  return change > 0 ? `+${percent}%` : `${percent}%`;
}

function formatP(p: number): string {
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}

function verdictText(row: ComparisonRow): string {
  if (row.verdict === 'no test') return `n=${Math.min(row.a?.n ?? 0, row.b?.n ?? 0)}, no test`;
  if (row.verdict === 'too few samples') return `n=${row.a?.n}/${row.b?.n}, too few to decide`;
  if (row.verdict === 'unit mismatch') return `unit mismatch (${row.unit} vs ${row.unitB})`;
  return row.verdict;
}

const HEADER = ['benchmark', 'params', 'measure', 'A', 'B', 'change', 'CI', 'p', 'verdict'] as const;
// A, B, change, CI and p are numbers: right-aligned.
const RIGHT = new Set([3, 4, 5, 6, 7]);

/** A header, a rule and the rows, each column as wide as its widest cell; `right` columns right-aligned. */
export function alignedTable(
  header: readonly string[],
  cells: readonly string[][],
  right: ReadonlySet<number>,
): string[] {
  const all = [[...header], ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((line) => line[i]!.length)));
  const format = (line: readonly string[]) =>
    line
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...cells.map(format)];
}

/** How the rows were decided, for the lines under the table. */
export interface TableSettings {
  alpha: number;
  minChange: number;
  fdr: boolean;
  /** Conditions that make the comparison doubtful (environments, load), one sentence each. */
  notes?: readonly string[];
}

/**
 * The comparison as an aligned text table (A and B are medians) with a summary line. Rows with a
 * single value on a side have nothing to test: they are left out and named once below the table.
 */
export function renderComparisonTable(all: readonly ComparisonRow[], settings: TableSettings): string {
  const { alpha, minChange, fdr } = settings;
  const rows = all.filter((row) => row.verdict !== 'no test');
  const single = all.filter((row) => row.verdict === 'no test');
  const cells = rows.map((row) => [
    row.benchmark,
    Object.entries(row.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-',
    row.measure,
    row.a === null ? '-' : formatMeasure(row.a.median, row.unit),
    row.b === null ? '-' : formatMeasure(row.b.median, row.unitB ?? row.unit),
    row.change === null ? '-' : formatChange(row.change),
    row.changeCi === null
      ? '-'
      : `[${formatChange(row.changeCi.lower)}, ${formatChange(row.changeCi.upper)}]`,
    row.pAdjusted === null ? '-' : formatP(row.pAdjusted),
    verdictText(row),
  ]);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.verdict, (counts.get(row.verdict) ?? 0) + 1);
  const summary =
    [...counts].map(([verdict, count]) => `${count} ${verdict}`).join(', ') || 'nothing to compare';
  const tested = rows.filter((row) => row.pAdjusted !== null).length;
  const pText = fdr
    ? `p is a two-sided Mann-Whitney U test adjusted over ${tested} ${tested === 1 ? 'test' : 'tests'} (Benjamini-Hochberg)`
    : 'p is a two-sided Mann-Whitney U test';
  const below = [
    `${summary}.`,
    `A and B are medians; change is B against A with a 95% bootstrap interval; ${pText}.`,
    `A change is reported when p < ${alpha}, the interval excludes 0 and |change| >= ${formatChange(minChange).replace('+', '')}.`,
  ];
  if (single.length > 0) {
    const measures = [...new Set(single.map((row) => row.measure))].join(', ');
    below.push(
      `${single.length} measures with a single value on a side (${measures}) are left out: one value has no spread to test.`,
    );
  }
  if (counts.has('too few samples')) {
    below.push(
      `"too few to decide": no arrangement of that many samples gives p < ${alpha}; collect more runs.`,
    );
  }
  for (const note of settings.notes ?? []) below.push(`Cannot trust this comparison fully: ${note}.`);
  return [...alignedTable(HEADER, cells, RIGHT), '', ...below, ''].join('\n');
}
