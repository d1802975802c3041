import { InputError } from '@benchrunner/core';

/** `line 3, column 7` as linePosition writes it. */
const LINE_POSITION = /^line (\d+)(?:, column (\d+))?$/;

/**
 * A result file that cannot be parsed: unreadable, truncated, of another format, or with a bad value.
 * The message is one line that starts with where the problem is, as compilers write it, so that
 * editors and terminals can jump there: `FILE:LINE:COLUMN: FORMAT format: what is wrong` for a
 * text position, `FILE: FORMAT format: $.json.path: what is wrong` for a JSON path.
 */
export class ResultParseError extends InputError {
  override name = 'ResultParseError';
  /** The file's path as the caller gave it (or the `source` given to `parseResults`). */
  readonly file: string;
  /** The format that was tried, or `auto` when none could be detected. */
  readonly format: string;
  /** `line 3, column 7` for text, a JSON path like `$[2].duration.ms` for JSON, `` when not located. */
  readonly position: string;
  /** What is wrong, without the file, format and position. */
  readonly detail: string;
  constructor(file: string, format: string, position: string, detail: string, options?: { cause?: unknown }) {
    const line = LINE_POSITION.exec(position);
    const where = line
      ? `${file}:${line[1]}${line[2] === undefined ? '' : `:${line[2]}`}: ${format} format: `
      : `${file}: ${format} format: ${position ? `${position}: ` : ''}`;
    super(`${where}${detail}`, [{ path: position, message: detail }], {
      ...options,
      code: 'invalid_result_file',
    });
    this.file = file;
    this.format = format;
    this.position = position;
    this.detail = detail;
  }
}
