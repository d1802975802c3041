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
      "Runs E-Divisive over the latest 1,000 points of every series the body matches (each field left out matches all; pull-request series never), with the suite's `detect` settings, records what is new as `suspected` (and records a later change undid as `fixed`), hands those status changes to the worker (alerts, annotations and confirmation follow as after a run), and answers every record the histories support, new or already stored.",
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
    const { regressions, changes } = await orUnavailable(
      deps.results.detectSeriesChanges(body, { settings }),
    );
    if (changes.length > 0) {
      // The worker's listeners hear of new suspicions and fixes as after a run: alerts, annotations,
      // confirmation. The records are written either way; a queue that cannot take the news is logged.
      const news = changes.map((ch) => ({ regression: ch.regression.id, from: ch.from, to: ch.to }));
      await deps.runs
        .statusNews({ changes: news, source: 'POST /history/detect' })
        .catch((error: unknown) => {
          deps.logger.error({ err: error, changes: news }, 'could not hand the status changes to the worker');
        });
    }
    return c.json({ regressions });
  });
  return app;
}
