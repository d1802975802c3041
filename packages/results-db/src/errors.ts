import { InputError, UnavailableError } from '@benchrunner/core';

/** The database cannot be reached or refused the connection; trying later may work. */
export class ResultsDbUnavailableError extends UnavailableError {
  override name = 'ResultsDbUnavailableError';
}

/** A history query names something that does not exist, or does not pick one series. */
export class HistoryQueryError extends InputError {
  override name = 'HistoryQueryError';
  /** The query parameter at fault, e.g. `benchmark`, `params.fileSet`. */
  readonly field: string;
  /** The values that would have matched. */
  readonly valid: string[];
  constructor(field: string, message: string, valid: string[]) {
    super(`${field}: ${message}; valid: ${valid.length > 0 ? valid.join(', ') : '(none)'}`, [
      { path: field, message },
    ]);
    this.field = field;
    this.valid = valid;
  }
}
