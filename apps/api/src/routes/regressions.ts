import { BenchmarkName, MinionName } from '@benchrunner/core';
import {
  CONFIRMABLE,
  confirmRounds,
  DEFAULT_CONFIRM_ROUNDS,
  startConfirmation,
  suiteDetectSettings,
} from '@benchrunner/results-db';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
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

/** Regression records of the results database: list, read, acknowledge, confirm. */
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

  /** (Re)starts a confirmation by hand, with the suite's rounds (the default when it sets `confirm: false`). */
  app.post('/:id/confirm', async (c) => {
    const regression = await orUnavailable(deps.results.regression(c.req.param('id')));
    if (!deps.runs.hasMinion(regression.series.minion)) {
      throw new ApiError(
        409,
        'conflict',
        `regression ${regression.id} cannot be confirmed: its minion ${regression.series.minion} is not in the inventory`,
      );
    }
    // A suite file that does not load now leaves the default rounds: confirming needs none of it.
    const suite = await deps.suite().catch(() => undefined);
    const settings = suite ? suiteDetectSettings(suite.spec)(regression.series.benchmark) : undefined;
    const started = await orUnavailable(
      startConfirmation({
        db: deps.results,
        regression,
        rounds: confirmRounds(settings) ?? DEFAULT_CONFIRM_ROUNDS,
        from: CONFIRMABLE,
        enqueue: (data, id) => deps.runs.enqueue(data, id),
      }),
    );
    if (!started) {
      const why = regression.lastGood
        ? `its status is ${regression.status} (confirmable: ${CONFIRMABLE.join(', ')})`
        : 'it has no last good commit to compare with';
      throw new ApiError(409, 'conflict', `regression ${regression.id} cannot be confirmed: ${why}`);
    }
    return c.json(started.regression, 202);
  });

  return app;
}
