import { BenchmarkName, MinionName } from '@benchrunner/core';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { prefersHtml } from '../pages/html.ts';
import { regressionListResponse } from '../pages/regression-list.ts';
import { regressionPageResponse } from '../pages/regression-page.ts';
import { validate } from '../validate.ts';
import { orUnavailable } from './history.ts';

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

/** Regression records of the results database: list, read, acknowledge. */
export function regressionsRoutes(deps: ApiDeps) {
  const app = new Hono();

  app.get('/', async (c) => {
    const query = validate(RegressionsQuerySchema, c.req.query(), 'query');
    const regressions = await orUnavailable(deps.results.regressions(query));
    if (prefersHtml(c.req.header('accept'))) return regressionListResponse(c, regressions);
    return c.json({ regressions });
  });

  app.get('/:id', async (c) => {
    const regression = await orUnavailable(deps.results.regression(c.req.param('id')));
    if (prefersHtml(c.req.header('accept'))) return regressionPageResponse(c, deps.results, regression);
    return c.json(regression);
  });

  app.post('/:id/acknowledge', async (c) =>
    c.json(await orUnavailable(deps.results.acknowledgeRegression(c.req.param('id')))),
  );

  return app;
}
