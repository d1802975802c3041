import { BenchmarkName, MinionName } from '@benchrunner/core';
import { type History, ResultsDbUnavailableError } from '@benchrunner/results-db';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { validate } from '../validate.ts';

const Name = z.string().min(1).max(500);

/** `GET /history`; `params.<key>=<value>` query parameters are taken apart from these. */
export const HistoryQuerySchema = z
  .object({
    benchmark: BenchmarkName,
    measure: Name,
    result: Name.optional(),
    minion: MinionName.optional().describe('default: the default lane'),
    branch: Name.optional().describe("default: the benchmark's one branch on that minion"),
    limit: z.coerce.number().int().min(1).max(10_000).default(100),
    before: Name.optional().describe('a run id: only points ordered before it'),
  })
  .strict();

export const SeriesQuerySchema = z
  .object({ benchmark: BenchmarkName.optional(), minion: MinionName.optional(), branch: Name.optional() })
  .strict();

const PARAM = /^params\.(.+)$/;

/** Query parameters apart from `params.<key>`; each key given once. */
function splitQuery(query: Record<string, string[]>): {
  plain: Record<string, string>;
  params: Record<string, string>;
} {
  const plain: Record<string, string> = {};
  const params: Record<string, string> = {};
  for (const [key, values] of Object.entries(query)) {
    if (values.length > 1) {
      throw new ApiError(400, 'invalid_request', `query.${key}: given ${values.length} times`, [
        { path: `query.${key}`, message: 'give it once' },
      ]);
    }
    const param = PARAM.exec(key);
    if (param) params[param[1] as string] = values[0] ?? '';
    else plain[key] = values[0] ?? '';
  }
  return { plain, params };
}

/** A database that is down answers 503 with the reason, like Redis does. */
export async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ResultsDbUnavailableError) {
      throw new ApiError(503, 'unavailable', error.message, undefined, { cause: error });
    }
    throw error;
  }
}

/** Reading the results history: one series in first-parent order, and the series that exist. */
export function historyRoutes(deps: ApiDeps) {
  const app = new Hono();
  // The results database hands back the same frozen History while no ingest happened, so its
  // JSON (about 350 KB for 1,000 points, a millisecond or two to build) is made once per answer.
  // Kept as bytes, so a cached answer is written without encoding 350 KB of text again.
  const serialized = new WeakMap<History, Uint8Array<ArrayBuffer>>();

  app.get('/history', async (c) => {
    const { plain, params } = splitQuery(c.req.queries());
    const query = validate(HistoryQuerySchema, plain, 'query');
    const history = await orUnavailable(
      deps.results.history({
        ...query,
        minion: query.minion ?? deps.runs.defaultMinion,
        ...(Object.keys(params).length > 0 ? { params } : {}),
      }),
    );
    let body = serialized.get(history);
    if (body === undefined) {
      body = new TextEncoder().encode(JSON.stringify(history));
      serialized.set(history, body);
    }
    // What c.json(history) sends, without stringifying again.
    c.header('content-type', 'application/json');
    return c.body(body);
  });

  app.get('/series', async (c) => {
    const query = validate(SeriesQuerySchema, c.req.query(), 'query');
    return c.json({ series: await orUnavailable(deps.results.series(query)) });
  });

  return app;
}
