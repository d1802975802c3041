import type { ComparisonRow } from '@benchrunner/results';

const TIME_STEPS: [number, string][] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];
const BYTE_STEPS: [number, string][] = [
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
  [1, 'B'],
];

function number(value: number): string {
  if (Math.abs(value) >= 1e4) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(4)));
}

function scaled(value: number, steps: [number, string][]): string {
  const [factor, name] = steps.find(([f]) => Math.abs(value) >= f) ?? steps[steps.length - 1]!;
  return `${number(value / factor)} ${name}`;
}

/** A value with its unit for people: nanoseconds and bytes scaled, other units as they are. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'ns') return scaled(value, TIME_STEPS);
  if (unit === 'bytes') return scaled(value, BYTE_STEPS);
  if (unit === 'percent') return `${number(value)}%`;
  return `${number(value)} ${unit}`;
}

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

/** The comparison as an aligned text table (A and B are medians) with a summary line. */
export function renderComparisonTable(rows: readonly ComparisonRow[], alpha: number): string {
  const cells = rows.map((row) => [
    row.benchmark,
    Object.entries(row.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-',
    row.measure,
    row.a === null ? '-' : formatValue(row.a.median, row.unit),
    row.b === null ? '-' : formatValue(row.b.median, row.unitB ?? row.unit),
    row.change === null ? '-' : formatChange(row.change),
    row.changeCi === null
      ? '-'
      : `[${formatChange(row.changeCi.lower)}, ${formatChange(row.changeCi.upper)}]`,
    row.test === null ? '-' : formatP(row.test.p),
    verdictText(row),
  ]);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.verdict, (counts.get(row.verdict) ?? 0) + 1);
  const summary =
    [...counts].map(([verdict, count]) => `${count} ${verdict}`).join(', ') || 'nothing to compare';
  return [
    ...alignedTable(HEADER, cells, RIGHT),
    '',
    `${summary}.`,
    `A and B are medians; change is B against A with a 95% bootstrap interval; p is a two-sided Mann-Whitney U test, significant below ${alpha}.`,
    '',
  ].join('\n');
}
