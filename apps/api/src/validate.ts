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
function bodyTooLarge(limit: number): ApiError {
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
  const incoming = nodeIncoming(c);
  if (!incoming) {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > limit) throw bodyTooLarge(limit);
    return text;
  }
  const chunks: Buffer[] = [];
  const size = await closeOnTooLarge(
    c,
    streamLimited(incoming, limit, (chunk) => chunks.push(chunk)),
  );
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Node's request under @hono/node-server; undefined elsewhere (tests through `app.request`). */
function nodeIncoming(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && typeof incoming.on === 'function' ? incoming : undefined;
}

/** The rest of an oversize body is never read: close the connection once the 413 is sent. */
function closeOnTooLarge<T>(c: Context, reading: Promise<T>): Promise<T> {
  return reading.catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 413) c.header('Connection', 'close');
    throw error;
  });
}

/**
 * Hands the body of at most `limit` bytes to `onChunk` as it arrives, keeping none of it: a 413
 * past the limit (a declared or an actual length).
 */
export async function streamBody(
  c: Context,
  limit: number,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (declared > limit) {
    c.header('Connection', 'close');
    throw bodyTooLarge(limit);
  }
  const incoming = nodeIncoming(c);
  if (incoming) {
    await closeOnTooLarge(c, streamLimited(incoming, limit, onChunk));
    return;
  }
  let size = 0;
  for await (const chunk of c.req.raw.body ?? []) {
    size += chunk.length;
    if (size > limit) throw bodyTooLarge(limit);
    onChunk(chunk);
  }
}

/** Passes a Node stream's chunks to `onChunk`, refusing (and no longer reading) anything past `limit` bytes; resolves with the size. */
function streamLimited(
  incoming: IncomingMessage,
  limit: number,
  onChunk: (chunk: Buffer) => void,
): Promise<number> {
  // Events rather than `for await`: the async iterator costs a promise and a stream wrapper per chunk.
  return new Promise((resolve, reject) => {
    let size = 0;
    const done = (error?: Error) => {
      incoming.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
      if (error) reject(error);
      else resolve(size);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // Stop reading at once: a streamed body without content-length is not buffered past the limit.
      if (size > limit) {
        incoming.pause();
        done(bodyTooLarge(limit));
      } else onChunk(chunk);
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
