import {
  BenchrunnerError,
  InputError,
  NotFoundError,
  type Problem,
  UnavailableError,
} from '@benchrunner/core';
import { ConflictError } from '@benchrunner/queue';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';

/** An HTTP error with the API's error shape: `{"error": {"code", "message", "details"?}}`. */
export class ApiError extends HTTPException {
  override name = 'ApiError';
  readonly code: string;
  readonly details: Problem[] | undefined;
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    details?: Problem[],
    options?: { cause?: unknown },
  ) {
    super(status, { message, ...(options?.cause ? { cause: options.cause } : {}) });
    this.code = code;
    this.details = details;
  }
}

/** Every error response: `{"error": {"code", "message", "details"?}}` (documented as `Error`). */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export function errorBody(code: string, message: string, details?: Problem[]) {
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}) } };
}

/** Redis client errors that mean "not reachable now" rather than a bug. */
function isRedisDown(error: Error): boolean {
  return /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|enableOfflineQueue|MaxRetriesPerRequest|ETIMEDOUT|EPIPE/i.test(
    `${error.name} ${error.message}`,
  );
}

/** The one place that turns any error into a response. */
export function toResponse(error: Error, c: Context) {
  if (error instanceof ApiError) {
    return c.json(errorBody(error.code, error.message, error.details), error.status);
  }
  if (error instanceof InputError) return c.json(errorBody(error.code, error.message, error.problems), 400);
  if (error instanceof NotFoundError) return c.json(errorBody(error.code, error.message), 404);
  if (error instanceof ConflictError) return c.json(errorBody('conflict', error.message), 409);
  if (error instanceof UnavailableError || isRedisDown(error)) {
    c.header('Retry-After', '5');
    return c.json(errorBody('unavailable', `the queue is unavailable: ${error.message}`), 503);
  }
  if (error instanceof HTTPException) {
    // Middleware such as basicAuth puts its challenge on its own response; without it a browser
    // never asks for credentials.
    const challenge = error.res?.headers.get('www-authenticate');
    if (challenge) c.header('WWW-Authenticate', challenge);
    const message =
      error.message ||
      (error.status === 401
        ? 'missing or wrong credentials: use HTTP basic auth with any user name and one of API_KEYS as the password'
        : `HTTP ${error.status}`);
    return c.json(errorBody(error.status === 401 ? 'unauthorized' : 'http_error', message), error.status);
  }
  if (error instanceof BenchrunnerError) return c.json(errorBody(error.code, error.message), 500);
  return c.json(errorBody('internal', 'internal error; see the API log'), 500);
}
