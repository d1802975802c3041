import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '@benchrunner/core';
import type { SeriesPoint } from '@benchrunner/results';

/** One metric of a series file: its points in file order, and each point's commit (or time) if given. */
export interface SeriesColumn {
  metric: string;
  points: SeriesPoint[];
  /** Same length as `points` when the file names commits, else undefined. */
  commits?: string[];
  /** Same length as `points` when a CSV has a `time` column (and no `commit` column). */
  times?: string[];
}

const LABEL_COLUMNS = ['commit', 'time'];

/**
 * Reads a series file: JSON when it starts with `[` or `{`, else CSV.
 *
 * CSV: a header row; a `commit` or `time` column (either; `commit` wins) labels the points; every
 * other column whose first filled cell is a number is a series, the rest are ignored. An empty cell
 * takes the value before it (the first ones the value after), as Otava fills gaps.
 *
 * JSON: an array of numbers or of points `{value, samples?, commit?}` (metric `value`), or an
 * object mapping metric names to such arrays.
 *
 * @throws InputError naming the file and the row (CSV line or JSON position) of the first problem.
 */
export async function readSeriesFile(file: string): Promise<SeriesColumn[]> {
  const name = path.basename(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`${name}: cannot read: ${(error as Error).message}`, [], { cause: error });
  }
  const start = text.trimStart()[0];
  return start === '[' || start === '{' ? readJson(name, text) : readCsv(name, text);
}

function readCsv(name: string, text: string): SeriesColumn[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length < 2) throw new InputError(`${name}: expected a header row and at least one data row`);
  const header = splitCsvLine(lines[0]!, name, 1).map((h) => h.trim());
  const rows = lines.slice(1).map((line, i) => {
    const cells = splitCsvLine(line, name, i + 2);
    if (cells.length !== header.length) {
      throw new InputError(`${name}: row ${i + 2}: expected ${header.length} cells, found ${cells.length}`);
    }
    return cells.map((c) => c.trim());
  });
  const lowered = header.map((h) => h.toLowerCase());
  const labelAt = LABEL_COLUMNS.map((l) => lowered.indexOf(l)).find((i) => i >= 0);
  const columns: SeriesColumn[] = [];
  header.forEach((metric, c) => {
    if (LABEL_COLUMNS.includes(lowered[c]!)) return;
    const first = rows.find((row) => row[c] !== '')?.[c];
    if (first === undefined || !Number.isFinite(Number(first))) return;
    const values = rows.map((row, r) => {
      const cell = row[c]!;
      if (cell === '') return undefined;
      const value = Number(cell);
      if (!Number.isFinite(value)) {
        throw new InputError(`${name}: row ${r + 2}: column '${metric}': expected a number, got '${cell}'`);
      }
      return value;
    });
    const column: SeriesColumn = { metric, points: fillMissing(values).map((value) => ({ value })) };
    if (labelAt !== undefined) {
      column[lowered[labelAt] === 'commit' ? 'commits' : 'times'] = rows.map((row) => row[labelAt]!);
    }
    columns.push(column);
  });
  if (columns.length === 0) throw new InputError(`${name}: no numeric column after the header row`);
  return columns;
}

/** Splits one CSV line; double quotes enclose commas and `""` is a quote. */
function splitCsvLine(line: string, name: string, row: number): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  if (quoted) throw new InputError(`${name}: row ${row}: unclosed quote`);
  cells.push(cell);
  return cells;
}

function fillMissing(values: (number | undefined)[]): number[] {
  let previous: number | undefined;
  const forward = values.map((v) => {
    previous = v ?? previous;
    return previous;
  });
  let next: number | undefined;
  for (let i = forward.length - 1; i >= 0; i--) {
    next = forward[i] ?? next;
    forward[i] = next;
  }
  return forward as number[];
}

function readJson(name: string, text: string): SeriesColumn[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${name}: not JSON: ${(error as Error).message}`, [], { cause: error });
  }
  if (Array.isArray(json)) return [jsonColumn(name, 'value', json, '$')];
  if (json === null || typeof json !== 'object') {
    throw new InputError(`${name}: expected an array of points or an object of metrics`);
  }
  return Object.entries(json).map(([metric, points]) => {
    const where = `$.${metric}`;
    if (!Array.isArray(points)) throw new InputError(`${name}: ${where}: expected an array of points`);
    return jsonColumn(name, metric, points, where);
  });
}

function jsonColumn(name: string, metric: string, items: unknown[], where: string): SeriesColumn {
  const commits: string[] = [];
  const points = items.map((item, i): SeriesPoint => {
    const at = `${name}: row ${i} (${where}[${i}])`;
    if (typeof item === 'number') return { value: finite(item, at) };
    if (item === null || typeof item !== 'object') {
      throw new InputError(`${at}: expected a number or {value, samples?, commit?}`);
    }
    const { value, samples, commit } = item as Record<string, unknown>;
    if (typeof value !== 'number') throw new InputError(`${at}: value: expected a number`);
    const point: SeriesPoint = { value: finite(value, at) };
    if (samples !== undefined) {
      if (!Array.isArray(samples)) throw new InputError(`${at}: samples: expected an array of numbers`);
      point.samples = samples.map((s, k) =>
        typeof s === 'number'
          ? finite(s, `${at}: samples[${k}]`)
          : finite(Number.NaN, `${at}: samples[${k}]`),
      );
    }
    if (typeof commit === 'string') commits[i] = commit;
    return point;
  });
  const column: SeriesColumn = { metric, points };
  if (commits.length > 0) column.commits = Array.from({ length: points.length }, (_, i) => commits[i] ?? '');
  return column;
}

function finite(value: number, at: string): number {
  if (!Number.isFinite(value)) throw new InputError(`${at}: expected a finite number, got ${value}`);
  return value;
}
