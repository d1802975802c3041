import { BenchrunnerError, ConfigError, UnavailableError } from '@benchrunner/core';

/** Where a sink error came from: the sink's name, the HTTP status when there was an answer. */
export interface SinkErrorDetail {
  sink: string;
  status?: number;
}

/**
 * The store could not be reached or answered that it cannot take the data now (network error,
 * timeout, HTTP 408/429/5xx). Publishing the same data again later may work: the queue retries.
 */
export class SinkUnavailableError extends UnavailableError {
  override name = 'SinkUnavailableError';
  readonly retryable = true;
  readonly sink: string;
  readonly status: number | undefined;
  constructor(message: string, detail: SinkErrorDetail, options?: { cause?: unknown }) {
    super(message, options);
    this.sink = detail.sink;
    this.status = detail.status;
  }
}

/**
 * The store answered and refused the data or the credentials (HTTP 400 bad line, 401/403 auth,
 * 404 database or bucket not found, ...). Sending the same request again gives the same answer
 * until someone changes the configuration or the data.
 */
export class SinkRejectedError extends BenchrunnerError {
  override name = 'SinkRejectedError';
  readonly retryable = false;
  readonly sink: string;
  readonly status: number | undefined;
  constructor(message: string, detail: SinkErrorDetail, options?: { cause?: unknown }) {
    super('sink_rejected', message, options);
    this.sink = detail.sink;
    this.status = detail.status;
  }
}

/**
 * The database or bucket does not exist and these credentials may not create it. The message
 * gives the server's words and the command that creates it.
 */
export class MissingDatabaseError extends ConfigError {
  override name = 'MissingDatabaseError';
}

/** Whether trying the same publish again later may succeed. Unknown errors count as not retryable. */
export function isRetryable(error: unknown): boolean {
  return error instanceof UnavailableError;
}

/** HTTP statuses after which the same request may succeed later. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** A message for a failed fetch (connection refused, DNS, timeout), naming the low-level cause. */
export function networkMessage(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: string }).code;
      return code ? `${code}: ${cause.message}` : cause.message;
    }
    return error.message;
  }
  return String(error);
}
