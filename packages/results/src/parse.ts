import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { ResultDocument } from '@benchrunner/core';
import { DETECT_BYTES, detectFormat, findFormat } from './detect.ts';
import { ResultParseError } from './errors.ts';
import type { LineParser, Parser } from './formats/parser.ts';
import { PARSERS } from './formats/registry.ts';

/** Options of parseResults. */
export interface ParseOptions {
  /** A name from listFormats(), or `auto` (default) to detect it from the content. */
  format?: string;
  /** The file name used in messages (default `input`). */
  source?: string;
}

/** The supported formats, in detection order. */
export function listFormats(): { name: string; description: string }[] {
  return PARSERS.map((p) => ({ name: p.name, description: p.description }));
}

function formatNames(): string {
  return PARSERS.map((p) => p.name).join(', ');
}

function choose(text: string, format: string | undefined, source: string): Parser {
  if (format === undefined || format === 'auto') {
    const p = detectFormat(text);
    if (!p) {
      throw new ResultParseError(
        source,
        'auto',
        '',
        `cannot detect the format; supported formats: ${formatNames()} (pass one with --format)`,
      );
    }
    return p;
  }
  const p = findFormat(format);
  if (!p)
    throw new ResultParseError(source, format, '', `unknown format; supported formats: ${formatNames()}`);
  return p;
}

/**
 * Parses result text into the shared model. Throws ResultParseError (one line naming the file,
 * the format tried and the position) for anything it cannot take whole: it never returns a partial
 * result.
 */
export function parseResults(text: string, options: ParseOptions = {}): ResultDocument {
  const source = options.source ?? 'input';
  const parser = choose(text, options.format, source);
  return guard(source, parser.name, () => parser.parse(stripBom(text), source));
}

/** Turns an unexpected exception of a parser into a ResultParseError, so callers see one type. */
function guard<T>(source: string, format: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof ResultParseError) throw error;
    const detail =
      error instanceof RangeError ? 'input too large or too deeply nested' : `cannot parse: ${String(error)}`;
    throw new ResultParseError(source, format, '', detail, { cause: error });
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

async function readHead(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(DETECT_BYTES);
    const { bytesRead } = await handle.read(buf, 0, DETECT_BYTES, 0);
    return stripBom(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}

/**
 * Feeds the chunks of a byte stream to `lp.block` without joining them: only the line that spans
 * two chunks is copied. `read.lines` counts the lines parsed so far, for a read error's position.
 */
async function streamBlocks(
  input: AsyncIterable<Buffer>,
  lp: Required<LineParser>,
  guarded: (run: () => number) => number,
  read: { lines: number },
): Promise<void> {
  // The start of a line that has not ended yet, possibly over several chunks.
  let carry: Buffer[] = [];
  let first = true;
  for await (let chunk of input) {
    if (first) {
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      first = false;
    }
    const nl = chunk.indexOf(10);
    if (nl < 0) {
      carry.push(chunk);
      continue;
    }
    let start = 0;
    if (carry.length > 0) {
      carry.push(chunk.subarray(0, nl + 1));
      const head = Buffer.concat(carry);
      read.lines += guarded(() => lp.block(head, 0, head.length, read.lines + 1));
      start = nl + 1;
    }
    const end = chunk.lastIndexOf(10) + 1;
    read.lines += guarded(() => lp.block(chunk, start, end, read.lines + 1));
    carry = end < chunk.length ? [chunk.subarray(end)] : [];
  }
  if (carry.length > 0) {
    const text = Buffer.concat(carry).toString('utf8');
    const last = text.endsWith('\r') ? text.slice(0, -1) : text;
    read.lines += guarded(() => {
      lp.line(last, read.lines + 1);
      return 1;
    });
  }
}

/** parseResultFile for a parser with a `block` path: the file's bytes go to it undecoded. */
async function parseBlocks(
  file: string,
  source: string,
  format: string,
  lp: Required<LineParser>,
): Promise<ResultDocument> {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const read = { lines: 0 };
  try {
    await streamBlocks(input as AsyncIterable<Buffer>, lp, (run) => guard(source, format, run), read);
  } catch (error) {
    if (error instanceof ResultParseError) throw error;
    throw new ResultParseError(
      source,
      format,
      `line ${read.lines + 1}`,
      `cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    input.destroy();
  }
  return guard(source, format, () => lp.end());
}

/**
 * Reads a file and parses it. Line-oriented formats (go test -bench, Benchmark.js, libtest,
 * Criterion, Catch2) are read line by line, so memory does not grow with the file; JSON formats
 * are read whole. An unreadable file is a ResultParseError too.
 */
export async function parseResultFile(
  file: string,
  options: { format?: string } = {},
): Promise<ResultDocument> {
  const source = path.basename(file);
  let head: string;
  try {
    head = await readHead(file);
  } catch (error) {
    throw new ResultParseError(
      source,
      options.format ?? 'auto',
      '',
      `cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parser = choose(head, options.format, source);
  const makeLines = parser.lines;
  if (!makeLines) {
    const { readFile } = await import('node:fs/promises');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ResultParseError(
        source,
        parser.name,
        '',
        `cannot read ${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return guard(source, parser.name, () => parser.parse(stripBom(text), source));
  }
  const lp = makeLines.call(parser, source);
  if (lp.block) return parseBlocks(file, source, parser.name, lp as Required<LineParser>);
  // Lines are split by hand: readline's async iteration costs more than the parsing itself.
  const input = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let n = 0;
  let carry = '';
  const feed = (line: string) => {
    n += 1;
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    lp.line(n === 1 ? stripBom(text) : text, n);
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const text = carry + chunk;
      let start = 0;
      guard(source, parser.name, () => {
        for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
          feed(text.slice(start, end));
          start = end + 1;
        }
      });
      carry = text.slice(start);
    }
    if (carry !== '') guard(source, parser.name, () => feed(carry));
  } catch (error) {
    if (error instanceof ResultParseError) throw error;
    throw new ResultParseError(
      source,
      parser.name,
      `line ${n + 1}`,
      `cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    input.destroy();
  }
  return guard(source, parser.name, () => lp.end());
}
