import { BenchrunnerError, type Problem } from '@benchrunner/core';

/** Why a file of the archive could not be read. */
export type ArchiveReadReason = 'missing' | 'unreadable' | 'not-json' | 'invalid';

/**
 * A file of the archive that is missing, unreadable, not JSON or not what it should be. The
 * message names the file; `problems` lists every schema violation of an `invalid` one.
 */
export class ArchiveReadError extends BenchrunnerError {
  override name = 'ArchiveReadError';
  readonly file: string;
  readonly reason: ArchiveReadReason;
  readonly problems: Problem[];
  constructor(
    file: string,
    reason: ArchiveReadReason,
    message: string,
    options: { cause?: unknown; problems?: Problem[] } = {},
  ) {
    super('archive_unreadable', message, options.cause === undefined ? {} : { cause: options.cause });
    this.file = file;
    this.reason = reason;
    this.problems = options.problems ?? [];
  }
}
