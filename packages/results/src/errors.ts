import { InputError } from '@benchrunner/core';

/**
 * A result file that cannot be parsed: unreadable, truncated, of another format, or with a bad value.
 * The message is one line: `FILE: FORMAT format: POSITION: what is wrong`.
 */
export class ResultParseError extends InputError {
  override name = 'ResultParseError';
  /** The file name (or the `source` given to `parseResults`). */
  readonly file: string;
  /** The format that was tried, or `auto` when none could be detected. */
  readonly format: string;
  /** `line 3, column 7` for text, a JSON path like `$[2].duration.ms` for JSON, `` when not located. */
  readonly position: string;
  constructor(file: string, format: string, position: string, detail: string, options?: { cause?: unknown }) {
    const where = position ? `${position}: ` : '';
    super(`${file}: ${format} format: ${where}${detail}`, [{ path: position, message: detail }], {
      ...options,
      code: 'invalid_result_file',
    });
    this.file = file;
    this.format = format;
    this.position = position;
  }
}
