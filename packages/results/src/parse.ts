import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { ResultDocument } from '@benchrunner/core';
import { DETECT_BYTES, detectFormat, findFormat } from './detect.ts';
import { ResultParseError } from './errors.ts';
import { parseJson } from './formats/json.ts';
import type { LineParser, Parser } from './formats/parser.ts';
import { PARSERS } from './formats/registry.ts';

/** Options of parseResults. */
export interface ParseOptions {
  /** A name from listFormats(), or `auto` (default) to detect it from the content. */
  format?: string;
  /** The file name used in messages (default `input`). */
  source?: string;
}

/** Options of parseResultFile. */
export interface ParseFileOptions {
  /** A name from listFormats(), or `auto` (default) to detect it from the content. */
  format?: string;
  /** The file name used in messages (default: `file` as given). */
  source?: string;
}

/** The supported formats, in detection order. */
export function listFormats(): { name: string; description: string }[] {
  return PARSERS.map((p) => ({ name: p.name, description: p.description }));
}

function formatNames(): string {
  return PARSERS.map((p) => p.name).join(', ');
}

/**
 * The parser for a format name, or the detected one. `complete` says that `text` is the whole
 * input (not only its head): then broken JSON that no format detects is located, since a truncated
 * file (a benchmark that died while writing it) is the likeliest reason nothing matched.
 */
function choose(text: string, format: string | undefined, source: string, complete: boolean): Parser {
  if (format === undefined || format === 'auto') {
    const p = detectFormat(text);
    if (!p) {
      if (complete && /^\s*[[{]/.test(text)) {
        parseJson(text, (position, detail, cause) => {
          throw new ResultParseError(source, 'auto', position, `cannot detect the format: ${detail}`, {
            cause,
          });
        });
      }
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
  const body = stripBom(text);
  const parser = choose(body, options.format, source, true);
  try {
    return guard(source, parser.name, () => parser.parse(body, source));
  } catch (error) {
    if (!(error instanceof ResultParseError)) throw error;
    const names = otherCandidates(text, parser)
      .filter((p) => succeeds(() => p.parse(body, source)))
      .map((p) => p.name);
    throw withAlternatives(error, names);
  }
}

/**
 * The formats other than `failed` whose detection accepts the start of the content: on a parse
 * error they are tried in full, to tell the user which format the file really is.
 */
function otherCandidates(text: string, failed: Parser): Parser[] {
  const head = text.length > DETECT_BYTES ? text.slice(0, DETECT_BYTES) : text;
  return PARSERS.filter((p) => p !== failed && p.detect(head));
}

function succeeds(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch {
    // Only whether it parses matters here; the error the user sees is the first format's.
    return false;
  }
}

/** The error, naming the formats that would have parsed the file (the error itself when none would). */
function withAlternatives(error: ResultParseError, names: readonly string[]): ResultParseError {
  if (names.length === 0) return error;
  return new ResultParseError(
    error.file,
    error.format,
    error.position,
    `${error.detail}; the file parses as: ${names.join(', ')}`,
    { cause: error },
  );
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

/** The first DETECT_BYTES of a file, and whether that is all of it. */
async function readHead(file: string): Promise<{ head: string; complete: boolean }> {
  const handle = await open(file, 'r');
  try {
    // One byte more than detection looks at tells whether the file ends within it.
    const buf = Buffer.alloc(DETECT_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, DETECT_BYTES + 1, 0);
    const complete = bytesRead <= DETECT_BYTES;
    const head = buf.subarray(0, Math.min(bytesRead, DETECT_BYTES)).toString('utf8');
    return { head: stripBom(head), complete };
  } finally {
    await handle.close();
  }
}

const READ_BYTES = 1 << 20;

/**
 * Reads a file into one reused buffer and hands its complete lines to `lp.block` undecoded; the
 * unfinished last line moves to the front of the buffer before the next read. A fresh buffer per
 * read would leave 100 MB of dead buffers to a 100 MB file, and their external memory makes V8
 * run full collections. `read.lines` counts the lines parsed so far, for a read error's position.
 */
async function streamBlocks(
  file: string,
  lp: Required<LineParser>,
  guarded: (run: () => number) => number,
  read: { lines: number },
): Promise<void> {
  const handle = await open(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(READ_BYTES);
    let have = 0;
    let first = true;
    for (;;) {
      if (have === buf.length) {
        // A line longer than the buffer: make room for it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, have, buf.length - have, null);
      if (bytesRead === 0) break;
      const filled = have + bytesRead;
      let start = 0;
      if (first) {
        first = false;
        if (filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
      }
      const end = buf.lastIndexOf(10, filled - 1) + 1;
      if (end > start) {
        const b = buf;
        const from = start;
        read.lines += guarded(() => lp.block(b, from, end, read.lines + 1));
        start = end;
      }
      buf.copy(buf, 0, start, filled);
      have = filled - start;
    }
    if (have > 0) {
      const text = buf.toString('utf8', 0, have);
      const last = text.endsWith('\r') ? text.slice(0, -1) : text;
      read.lines += guarded(() => {
        lp.line(last, read.lines + 1);
        return 1;
      });
    }
  } finally {
    await handle.close();
  }
}

/** parseResultFile for a parser with a `block` path: the file's bytes go to it undecoded. */
async function parseBlocks(
  file: string,
  source: string,
  format: string,
  lp: Required<LineParser>,
): Promise<ResultDocument> {
  const read = { lines: 0 };
  try {
    await streamBlocks(file, lp, (run) => guard(source, format, run), read);
  } catch (error) {
    if (error instanceof ResultParseError) throw error;
    throw new ResultParseError(
      source,
      format,
      `line ${read.lines + 1}`,
      `cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return guard(source, format, () => lp.end());
}

/**
 * Reads a file and parses it. Line-oriented formats (go test -bench, Benchmark.js, libtest,
 * Criterion, Catch2) are read line by line, so memory does not grow with the file; JSON formats
 * are read whole. An unreadable file is a ResultParseError too; so is a file that the format does
 * not parse, whose message then also names the formats that would have parsed it.
 */
export async function parseResultFile(file: string, options: ParseFileOptions = {}): Promise<ResultDocument> {
  const source = options.source ?? file;
  let head: string;
  let complete: boolean;
  try {
    ({ head, complete } = await readHead(file));
  } catch (error) {
    throw new ResultParseError(
      source,
      options.format ?? 'auto',
      '',
      `cannot read ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const parser = choose(head, options.format, source, complete);
  try {
    return await parseFileAs(file, source, parser);
  } catch (error) {
    if (!(error instanceof ResultParseError)) throw error;
    const names: string[] = [];
    for (const p of otherCandidates(head, parser)) {
      if (
        await parseFileAs(file, source, p).then(
          () => true,
          () => false,
        )
      )
        names.push(p.name);
    }
    throw withAlternatives(error, names);
  }
}

async function parseFileAs(file: string, source: string, parser: Parser): Promise<ResultDocument> {
  const makeLines = parser.lines;
  if (!makeLines) {
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
