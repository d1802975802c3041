import { zodProblems } from '@benchrunner/core';
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from './errors.ts';

/** Parses a value with a schema, or throws a 400 naming every bad field. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = zodProblems(result.error, where);
  const first = problems[0];
  throw new ApiError(
    400,
    'invalid_request',
    first
      ? `${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`
      : 'invalid request',
    problems,
  );
}

/** Reads a JSON body; malformed JSON is a 400 naming the body and the position. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '')
    throw new ApiError(400, 'invalid_json', 'body: expected a JSON object, got an empty body', [
      { path: 'body', message: 'empty' },
    ]);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = `body: malformed JSON (${(error as Error).message})`;
    throw new ApiError(400, 'invalid_json', message, [{ path: 'body', message: (error as Error).message }]);
  }
}
