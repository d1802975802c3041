import { BenchmarkName, MinionName } from '@benchrunner/core';
import { type History, ResultsDbUnavailableError } from '@benchrunner/results-db';
import { Hono } from 'hono';
import { z } from 'zod';
import { ok, on, resultsErrors, routeGroup } from '../contract.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { validate } from '../validate.ts';

const Name = z.string().min(1).max(500);

/** `GET /history`; `params.<key>=<value>` query parameters are taken apart from these. */
const HistoryQuerySchema = z
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

const SeriesQuerySchema = z
  .object({ benchmark: BenchmarkName.optional(), minion: MinionName.optional(), branch: Name.optional() })
  .strict();

/** A series of the results history: what it measures, where and on which branch. */
export const SeriesInfo = z.object({
  benchmark: z.string(),
  result: z.string(),
  params: z.record(z.string(), z.string()),
  measure: z.string(),
  unit: z.string(),
  direction: z.enum(['lower', 'higher']).nullable(),
  minion: z.string(),
  branch: z.string(),
});

/** One point of a series. */
export const HistoryPoint = z.object({
  runId: z.string(),
  commit: z.string(),
  subject: z.string().nullable(),
  commitTime: z.string().nullable(),
  firstParentDepth: z.number().int().nullable(),
  startedAt: z.string(),
  cid: z.string().nullable(),
  noisy: z
    .boolean()
    .describe("the run's noise check found the minion noisy: shown, but left out of detection"),
  value: z.number(),
  n: z.number().int().nullable(),
  median: z.number().nullable(),
  mean: z.number().nullable(),
  stddev: z.number().nullable(),
  ci: z
    .object({ lower: z.number().nullable(), upper: z.number().nullable(), level: z.number().nullable() })
    .nullable()
    .describe("the median's interval from the samples (level: its coverage), else the tool's own bounds"),
});

export const historyApi = routeGroup('', {
  history: {
    method: 'get',
    path: '/history',
    summary: "One series of the results history, oldest first, in the branch's first-parent order",
    description:
      'Points of runs that recorded a target commit are ordered by its first-parent depth, then by run start; runs without a target follow, by run start. `result` and `params.<key>` may be left out when the rest names one series. Unknown names answer 400 listing the valid ones.',
    query: HistoryQuerySchema,
    moreParameters: [
      {
        name: 'params',
        in: 'query',
        style: 'deepObject',
        explode: true,
        required: false,
        schema: { type: 'object', additionalProperties: { type: 'string' } },
        description: 'a result parameter, e.g. `params.fileSet=One4MBFile`',
      },
    ],
    responses: {
      200: ok('The series and its points', z.object({ series: SeriesInfo, points: z.array(HistoryPoint) })),
      ...resultsErrors,
    },
  },
  series: {
    method: 'get',
    path: '/series',
    summary: 'The series keys that exist (benchmark, result, params, measure, minion, branch)',
    query: SeriesQuerySchema,
    responses: { 200: ok('Series', z.object({ series: z.array(SeriesInfo) })), ...resultsErrors },
  },
});

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

  on(app, historyApi.routes.history, async (c) => {
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

  on(app, historyApi.routes.series, async (c) => {
    const query = validate(SeriesQuerySchema, c.req.query(), 'query');
    return c.json({ series: await orUnavailable(deps.results.series(query)) });
  });

  return app;
}
