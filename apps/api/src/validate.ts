import type { IncomingMessage } from 'node:http';
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

/** The 413 of a body larger than `limit` bytes. */
export function bodyTooLarge(limit: number): ApiError {
  return new ApiError(413, 'body_too_large', `body: larger than ${limit} bytes`, [
    { path: 'body', message: `at most ${limit} bytes` },
  ]);
}

/**
 * The request body as text, at most `limit` bytes. Under @hono/node-server it is read straight from
 * Node's IncomingMessage: building a fetch `Request` just to read a small JSON body cost about a
 * sixth of the API's time per request. Elsewhere (tests through `app.request`) it uses `c.req`.
 */
async function bodyText(c: Context, limit: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > limit) throw bodyTooLarge(limit);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== 'function') {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > limit) throw bodyTooLarge(limit);
    return text;
  }
  return readLimited(incoming, limit).catch((error: unknown) => {
    // The rest of an oversize body is never read: close the connection once the 413 is sent.
    if (error instanceof ApiError && error.status === 413) c.header('Connection', 'close');
    throw error;
  });
}

/** Reads a Node stream to text, refusing (and no longer buffering) anything past `limit` bytes. */
function readLimited(incoming: IncomingMessage, limit: number): Promise<string> {
  // Events rather than `for await`: the async iterator costs a promise and a stream wrapper per chunk.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // Stop reading at once: a streamed body without content-length is not buffered past the limit.
      if (size > limit) {
        incoming.pause();
        done(bodyTooLarge(limit));
      } else chunks.push(chunk);
    };
    const onEnd = () => done();
    // A client that goes away mid-body gets no answer; a 400 keeps it out of the error log.
    const onGone = () =>
      done(
        new ApiError(400, 'incomplete_body', 'body: the connection closed before the whole body arrived', [
          { path: 'body', message: 'incomplete' },
        ]),
      );
    incoming.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
  });
}

/** Reads a JSON body of at most `limit` bytes; malformed JSON is a 400 naming the body and the position. */
export async function jsonBody(c: Context, limit: number): Promise<unknown> {
  const text = await bodyText(c, limit);
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
