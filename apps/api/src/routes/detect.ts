import { BenchmarkName, MinionName } from '@benchrunner/core';
import { suiteDetectSettings } from '@benchrunner/results-db';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { jsonBody, validate } from '../validate.ts';
import { orUnavailable } from './history.ts';

/** `POST /history/detect`: which stored series to search; each field left out matches all. */
export const DetectBodySchema = z
  .object({
    minion: MinionName.optional(),
    benchmark: BenchmarkName.optional(),
    branch: z.string().min(1).max(255).optional(),
  })
  .strict();

/**
 * Detection on demand. Beside /history rather than under /regressions/: a static segment next to
 * `/regressions/:id/acknowledge` would move every route of the app off Hono's RegExpRouter.
 */
export function detectRoutes(deps: ApiDeps) {
  const app = new Hono();
  app.post('/history/detect', async (c) => {
    const body = validate(DetectBodySchema, await jsonBody(c, deps.bodyLimitBytes), 'body');
    const settings = suiteDetectSettings((await deps.suite()).spec);
    return c.json({ regressions: await orUnavailable(deps.results.detectSeries(body, { settings })) });
  });
  return app;
}
