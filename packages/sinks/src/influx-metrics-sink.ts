import { CancelledError, ConfigError, InputError } from '@benchrunner/core';
import { Point } from '@influxdata/influxdb-client';
import {
  MissingDatabaseError,
  networkMessage,
  retryableStatus,
  SinkRejectedError,
  SinkUnavailableError,
} from './errors.ts';
import type { MetricPoint, MetricsSink } from './metrics-sink.ts';

interface CommonOptions {
  /** Base URL, e.g. `http://influxdb:8086`. Credentials do not belong here. */
  url: string;
  /** Lines per request (default 5000, InfluxDB's recommended batch size). */
  batchSize?: number;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
}

/** InfluxDB 1.x `/write?db=&rp=`; user and password travel in a basic auth header. */
export interface InfluxV1Options extends CommonOptions {
  api: 'v1';
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
}

/**
 * `/api/v2/write` (InfluxDB 2.x and 3.x; 1.8+ with bucket `db/rp` and token `user:password`);
 * the token travels as `Authorization: Token ...`.
 */
export interface InfluxV2Options extends CommonOptions {
  api: 'v2';
  bucket: string;
  org?: string;
  token?: string;
}

export type InfluxMetricsSinkOptions = InfluxV1Options | InfluxV2Options;

const SINK = 'influxdb';
// 2.x answers an empty write with 400 "writing requires points" after it accepted the token and
// found the bucket, which is all a readiness check wants to know.
const EMPTY_WRITE = /requires points|no points|no data|empty/i;
// 1.x: `database not found: "x"`; 2.x: `bucket "x" not found`.
const DATABASE_NOT_FOUND = /database not found|bucket .* not found/i;
// 1.x answers 500 for a missing retention policy, which no retry will fix.
const PERMANENT_500 = /retention policy not found/i;

/**
 * Writes points to InfluxDB with one HTTP request per batch and no retries of its own: the publish
 * queue owns the retry decision, so no line is ever dropped by a client-side buffer.
 */
export class InfluxMetricsSink implements MetricsSink {
  readonly name = SINK;
  readonly #options: InfluxMetricsSinkOptions;
  readonly #root: string;
  readonly #writeUrl: string;
  readonly #headers: Record<string, string>;
  readonly #where: string;

  constructor(options: InfluxMetricsSinkOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch (error) {
      throw new ConfigError(`InfluxDB URL ${JSON.stringify(options.url)} is not a URL`, [], { cause: error });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new ConfigError(`InfluxDB URL must start with http:// or https://, not ${base.protocol}`);
    }
    if (base.username || base.password) {
      throw new ConfigError(
        'InfluxDB URL must not contain credentials: give them as username/password or token',
      );
    }
    const batchSize = options.batchSize ?? 5000;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new ConfigError(`batchSize must be a positive integer, not ${batchSize}`);
    this.#options = { ...options, batchSize };
    const root = base.href.replace(/\/+$/, '');
    const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
    let url: URL;
    if (options.api === 'v1') {
      url = new URL(`${root}/write`);
      url.searchParams.set('db', options.database);
      if (options.retentionPolicy) url.searchParams.set('rp', options.retentionPolicy);
      url.searchParams.set('precision', 'n');
      if (options.username !== undefined || options.password !== undefined) {
        const pair = `${options.username ?? ''}:${options.password ?? ''}`;
        headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
      }
      this.#where = `InfluxDB at ${root} (database ${options.database}${options.retentionPolicy ? `, retention policy ${options.retentionPolicy}` : ''})`;
    } else {
      url = new URL(`${root}/api/v2/write`);
      if (options.org) url.searchParams.set('org', options.org);
      url.searchParams.set('bucket', options.bucket);
      url.searchParams.set('precision', 'ns');
      if (options.token) headers.authorization = `Token ${options.token}`;
      this.#where = `InfluxDB at ${root} (bucket ${options.bucket}${options.org ? `, org ${options.org}` : ''})`;
    }
    this.#root = root;
    this.#writeUrl = url.href;
    this.#headers = headers;
  }

  /** Also creates a missing v1 database when the credentials allow it (see {@link MissingDatabaseError}). */
  async check(options: { signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.#post('', options.signal);
    } catch (error) {
      if (error instanceof SinkRejectedError) {
        if (this.#options.api === 'v2' && error.status === 400 && EMPTY_WRITE.test(error.message)) return;
        if (error.status === 404 && DATABASE_NOT_FOUND.test(error.message)) {
          await this.#createDatabase(error, options.signal);
          return;
        }
        throw new ConfigError(error.message, [], { cause: error });
      }
      throw error;
    }
  }

  /**
   * `CREATE DATABASE` (idempotent in 1.x; needs an admin user when auth is on), then the empty
   * write again. A v2 bucket needs an org and an all-access token: that one is only explained.
   */
  async #createDatabase(notFound: SinkRejectedError, signal: AbortSignal | undefined): Promise<void> {
    const options = this.#options;
    if (options.api === 'v2') {
      throw new MissingDatabaseError(
        `${notFound.message}. Create the bucket: influx bucket create --name ${shellWord(options.bucket)}${options.org ? ` --org ${shellWord(options.org)}` : ''} (InfluxDB 2.x/3.x; on 1.8 the bucket db/rp is a database: CREATE DATABASE)`,
        [],
        { cause: notFound },
      );
    }
    const statement = `CREATE DATABASE ${influxIdentifier(options.database)}`;
    let refusal: string | undefined;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    try {
      const res = await fetch(`${this.#root}/query`, {
        method: 'POST',
        headers: { ...this.#headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ q: statement }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await res.text();
      // 1.x answers 200 with the statement's own error in results[0].error.
      const statementError = res.ok ? firstStatementError(text) : undefined;
      if (!res.ok || statementError)
        refusal = `answered ${res.status}: ${statementError ?? serverMessage(res, text)}`;
    } catch (error) {
      if (signal?.aborted) throw new CancelledError(`creating the database was cancelled`, { cause: error });
      throw new SinkUnavailableError(
        `${this.#where} cannot be reached: ${networkMessage(error)}`,
        { sink: SINK },
        { cause: error },
      );
    }
    if (refusal) {
      const who = options.username ? `user ${options.username}` : 'an anonymous user';
      throw new MissingDatabaseError(
        `${notFound.message}, and ${who} may not create it (${statement} ${refusal}). Create it as an admin: curl -XPOST ${this.#root}/query -u ADMIN_USER --data-urlencode ${shellWord(`q=${statement}`)}`,
        [],
        { cause: notFound },
      );
    }
    await this.#post('', signal);
  }

  async write(
    points: readonly MetricPoint[],
    options: { signal?: AbortSignal } = {},
  ): Promise<{ points: number }> {
    const size = this.#options.batchSize ?? 5000;
    // One request at a time, in order; the next batch's lines are built while the server works
    // on the previous one, which hides most of the cost of building lines with `Point`.
    let inFlight: Promise<void> | undefined;
    for (let i = 0; i < points.length; i += size) {
      const body = points
        .slice(i, i + size)
        .map(toLine)
        .join('\n');
      if (inFlight) await inFlight;
      inFlight = this.#post(body, options.signal);
      // Handled by the await above or below; this only keeps Node from calling it unhandled meanwhile.
      inFlight.catch(() => {});
      await new Promise((resolve) => setImmediate(resolve));
    }
    await inFlight;
    return { points: points.length };
  }

  async #post(body: string, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.#options.timeoutMs ?? 30_000);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.#writeUrl, {
        method: 'POST',
        headers: this.#headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await res.text();
    } catch (error) {
      if (signal?.aborted)
        throw new CancelledError(`writing to ${this.#where} was cancelled`, { cause: error });
      throw new SinkUnavailableError(
        `${this.#where} cannot be reached: ${networkMessage(error)}`,
        { sink: SINK },
        { cause: error },
      );
    }
    if (res.status === 204 || res.status === 200) return;
    const message = `${this.#where} answered ${res.status}: ${serverMessage(res, text)}`;
    const detail = { sink: SINK, status: res.status };
    if (retryableStatus(res.status) && !PERMANENT_500.test(text))
      throw new SinkUnavailableError(message, detail);
    throw new SinkRejectedError(message, detail);
  }
}

/** The server's own words: `{"error"}` (1.x), `{"message"}` (2.x/3.x), the error header, or the body. */
function serverMessage(res: Response, text: string): string {
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof json.error === 'string') return json.error;
    if (typeof json.message === 'string') return json.message;
  } catch {
    // Not JSON: fall through to the header or the raw body.
  }
  const header = res.headers.get('x-influxdb-error');
  if (header) return header;
  const trimmed = text.trim().slice(0, 500);
  return trimmed || res.statusText || 'no message';
}

/** The error of the first statement of a 1.x `/query` answer, if any. */
function firstStatementError(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { results?: { error?: string }[] }).results?.[0]?.error;
  } catch {
    return undefined;
  }
}

/** An InfluxQL identifier in double quotes. */
function influxIdentifier(name: string): string {
  return `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** A word for a command line the user copies: single-quoted unless it is plain. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** One line of line protocol, built with the client library's `Point` (its escaping rules). */
export function toLine(point: MetricPoint): string {
  const p = new Point(point.measurement);
  for (const [key, value] of Object.entries(point.tags)) p.tag(key, value);
  for (const [key, value] of Object.entries(point.fields)) {
    if (typeof value === 'number') p.floatField(key, value);
    else if (typeof value === 'bigint') p.intField(key, value.toString());
    else if (typeof value === 'boolean') p.booleanField(key, value);
    else p.stringField(key, value);
  }
  p.timestamp(point.timestamp.toString());
  const line = p.toLineProtocol();
  if (!line)
    throw new InputError(`a point of measurement ${JSON.stringify(point.measurement)} has no fields`);
  return line;
}
