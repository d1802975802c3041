import { BenchmarkName, MinionName } from '@benchrunner/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { IdParam, ok, on, resultsErrors, routeGroup } from '../contract.ts';
import type { ApiDeps } from '../deps.ts';
import { ErrorBody } from '../errors.ts';
import { validate } from '../validate.ts';
import { orUnavailable, SeriesInfo } from './history.ts';

export const RegressionStatus = z.enum([
  'suspected',
  'confirming',
  'confirmed',
  'noise',
  'acknowledged',
  'fixed',
]);

/** `GET /regressions`. */
export const RegressionsQuerySchema = z
  .object({
    status: RegressionStatus.optional(),
    minion: MinionName.optional(),
    benchmark: BenchmarkName.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const Level = z.object({
  median: z.number(),
  ci: z.object({ lower: z.number(), upper: z.number() }).nullable(),
});
const CommitRun = z.object({ commit: z.string(), runId: z.string() });

/** A regression record as GET /regressions/:id answers it. */
export const RegressionSchema = z.object({
  id: z.string(),
  series: SeriesInfo.extend({ key: z.string() }),
  detector: z
    .enum(['baseline', 'change-point'])
    .describe(
      'baseline: the per-run test against the recent points; change-point: E-Divisive over the history',
    ),
  kind: z
    .enum(['regression', 'improvement', 'change'])
    .describe('change: the measure has no better direction'),
  status: RegressionStatus,
  lastGood: CommitRun.nullable().describe(
    'the measured point before the change; commits between were skipped',
  ),
  firstBad: CommitRun,
  before: Level,
  after: Level,
  change: z.number().nullable().describe('(after - before) / |before| of the medians'),
  changeCi: z.object({ lower: z.number(), upper: z.number() }).nullable(),
  pValue: z.number().nullable(),
  runs: z.array(z.string()).describe('the runs whose points the verdict used'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const noRecord = ok('No such record', ErrorBody);

export const regressionsApi = routeGroup('/regressions', {
  list: {
    method: 'get',
    path: '/',
    summary: 'Regression records (suspected changes of a series), newest first',
    description:
      "Each run written to the results database is tested against its branch's recent points on the same minion, and its series are searched for change points; each change found is recorded once per series, first bad commit and detector.",
    query: RegressionsQuerySchema,
    responses: {
      200: ok('Records', z.object({ regressions: z.array(RegressionSchema) })),
      ...resultsErrors,
    },
  },
  get: {
    method: 'get',
    path: '/:id',
    summary: 'One regression record',
    params: IdParam,
    responses: { 200: ok('The record', RegressionSchema), 404: noRecord, ...resultsErrors },
  },
  acknowledge: {
    method: 'post',
    path: '/:id/acknowledge',
    summary: 'Acknowledge a regression record (status `acknowledged`)',
    params: IdParam,
    responses: { 200: ok('The record', RegressionSchema), 404: noRecord, ...resultsErrors },
  },
});

/** Regression records of the results database: list, read, acknowledge. */
export function regressionsRoutes(deps: ApiDeps) {
  const app = new Hono();

  on(app, regressionsApi.routes.list, async (c) => {
    const query = validate(RegressionsQuerySchema, c.req.query(), 'query');
    return c.json({ regressions: await orUnavailable(deps.results.regressions(query)) });
  });

  on(app, regressionsApi.routes.get, async (c) =>
    c.json(await orUnavailable(deps.results.regression(c.req.param('id')))),
  );

  on(app, regressionsApi.routes.acknowledge, async (c) =>
    c.json(await orUnavailable(deps.results.acknowledgeRegression(c.req.param('id')))),
  );

  return app;
}
