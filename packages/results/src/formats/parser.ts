import type { BenchmarkResult, Measure, ResultDocument } from '@benchrunner/core';
import { ResultParseError } from '../errors.ts';
import { UnitMismatch } from '../merge.ts';

/** One result format: a cheap content check and a parser into the shared model. */
export interface Parser {
  name: string;
  description: string;
  /** Cheap check on the content; may see only the first 64 KiB of a file. */
  detect(text: string): boolean;
  parse(text: string, source: string): ResultDocument;
  /** Line-oriented formats also parse a stream of lines, so big files need not sit in memory. */
  lines?(source: string): LineParser;
}

/** Receives a text file one line at a time (without its newline) and builds the document at the end. */
export interface LineParser {
  line(text: string, lineNumber: number): void;
  /**
   * Optional fast path over many lines at once: parses the UTF-8 lines of `bytes[start, end)`,
   * where `end` is just after a newline, the first being line `firstLine`; returns how many lines
   * it read. It must treat every line exactly as `line` would its decoded text (a trailing `\r`
   * is not part of a line).
   */
  block?(bytes: Buffer, start: number, end: number, firstLine: number): number;
  end(): ResultDocument;
}

/** Throws a ResultParseError for one format and file. */
export type Fail = (position: string, detail: string, cause?: unknown) => never;

export function failer(source: string, format: string): Fail {
  return (position, detail, cause) => {
    throw new ResultParseError(source, format, position, detail, cause === undefined ? undefined : { cause });
  };
}

/** `line 3, column 7` (both 1-based). */
export function linePosition(line: number, column?: number): string {
  return column === undefined ? `line ${line}` : `line ${line}, column ${column}`;
}

/** Runs a LineParser over a whole text (used by `parse` of line formats). */
export function parseByLines(text: string, parser: LineParser): ResultDocument {
  // Text with a lone surrogate would not survive a trip through UTF-8: it takes the line path.
  if (parser.block && (text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    const bytes = Buffer.from(text, 'utf8');
    const end = bytes.lastIndexOf(10) + 1;
    const n = end > 0 ? parser.block(bytes, 0, end, 1) : 0;
    const raw = bytes.toString('utf8', end);
    parser.line(raw.endsWith('\r') ? raw.slice(0, -1) : raw, n + 1);
    return parser.end();
  }
  let start = 0;
  let n = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    n += 1;
    const raw = text.slice(start, end);
    parser.line(raw.endsWith('\r') ? raw.slice(0, -1) : raw, n);
    start = end + 1;
  }
  return parser.end();
}

const TIME_TO_NS: Record<string, number> = {
  s: 1e9,
  sec: 1e9,
  second: 1e9,
  seconds: 1e9,
  ms: 1e6,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ns: 1,
  ps: 1e-3,
};

/** Nanoseconds per one of the given time unit, or undefined if it is not a time unit. */
export function nsPerUnit(unit: string): number | undefined {
  return TIME_TO_NS[unit.trim()];
}

/** A measure, leaving out the optional fields that are undefined. */
export function measure(
  value: number,
  unit: string,
  extra: { lower?: number | undefined; upper?: number | undefined; samples?: number[] | undefined } = {},
): Measure {
  const m: Measure = { value, unit };
  if (extra.lower !== undefined) m.lower = extra.lower;
  if (extra.upper !== undefined) m.upper = extra.upper;
  if (extra.samples !== undefined && extra.samples.length > 0) m.samples = extra.samples;
  return m;
}

/** Parses a decimal number written by a tool (`1,234.5`, `1.2e3`); NaN when it is not one. */
export function parseNumber(text: string): number {
  const cleaned =
    text.includes(',') || text.includes('_') ? text.replaceAll(',', '').replaceAll('_', '') : text;
  if (!NUMBER.test(cleaned)) return Number.NaN;
  return Number(cleaned);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The document of a format from merged rows; a unit clash between rows fails at `position`. */
export function mergedDocument(
  format: string,
  merger: { results(): BenchmarkResult[] },
  fail: Fail,
  position = '',
): ResultDocument {
  try {
    return { format, benchmarks: merger.results() };
  } catch (error) {
    if (error instanceof UnitMismatch) return fail(position, error.message, error);
    throw error;
  }
}
