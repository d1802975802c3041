import { BenchmarkName, MinionName } from '@benchrunner/core';
import { suiteDetectSettings } from '@benchrunner/results-db';
import { Hono } from 'hono';
import { z } from 'zod';
import { ok, on, resultsErrors, routeGroup } from '../contract.ts';
import type { ApiDeps } from '../deps.ts';
import { jsonBody, validate } from '../validate.ts';
import { orUnavailable } from './history.ts';
import { RegressionSchema } from './regressions.ts';

/** `POST /history/detect`: which stored series to search; each field left out matches all. */
const DetectBodySchema = z
  .object({
    minion: MinionName.optional(),
    benchmark: BenchmarkName.optional(),
    branch: z.string().min(1).max(255).optional(),
  })
  .strict();

export const detectApi = routeGroup('', {
  detect: {
    method: 'post',
    path: '/history/detect',
    summary: 'Change-point detection now over the stored history of the matching series',
    description:
      "Runs E-Divisive over the latest 1,000 points of every series the body matches (each field left out matches all; pull-request series never), with the suite's `detect` settings, records what is new as `suspected`, and answers every record the histories support, new or already stored.",
    body: DetectBodySchema,
    responses: {
      200: ok('The records the histories support', z.object({ regressions: z.array(RegressionSchema) })),
      ...resultsErrors,
    },
  },
});

/**
 * Detection on demand. Beside /history rather than under /regressions/: a static segment next to
 * `/regressions/:id/acknowledge` would move every route of the app off Hono's RegExpRouter.
 */
export function detectRoutes(deps: ApiDeps) {
  const app = new Hono();
  on(app, detectApi.routes.detect, async (c) => {
    const body = validate(DetectBodySchema, await jsonBody(c, deps.bodyLimitBytes), 'body');
    const settings = suiteDetectSettings((await deps.suite()).spec);
    return c.json({ regressions: await orUnavailable(deps.results.detectSeries(body, { settings })) });
  });
  return app;
}
