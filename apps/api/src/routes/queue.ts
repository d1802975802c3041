import { MinionName } from '@benchrunner/core';
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { validate } from '../validate.ts';

export const LaneQuery = z.object({ minion: MinionName.optional() }).strict();

/** Maintenance of the lanes: every lane, or one with `?minion=`. */
export function queueRoutes(deps: ApiDeps) {
  const app = new Hono();
  const minionOf = (query: Record<string, string>) => {
    const { minion } = validate(LaneQuery, query, 'query');
    if (minion && !deps.runs.hasMinion(minion)) {
      throw new ApiError(400, 'invalid_request', `query.minion: unknown minion "${minion}"`, [
        { path: 'query.minion', message: 'unknown minion' },
      ]);
    }
    return minion;
  };

  // Removes waiting runs; the active run goes on.
  app.post('/drain', async (c) => {
    const minion = minionOf(c.req.query());
    const { removed } = await deps.runs.drain(minion);
    deps.logger.info({ minion: minion ?? 'all', removed }, 'queue drained');
    return c.json({ drained: true, removed });
  });

  // Stops starting new runs; the active run finishes.
  app.post('/pause', async (c) => {
    const minion = minionOf(c.req.query());
    await deps.runs.pause(minion);
    deps.logger.info({ minion: minion ?? 'all' }, 'queue paused');
    return c.json({ paused: true });
  });

  app.post('/resume', async (c) => {
    const minion = minionOf(c.req.query());
    await deps.runs.resume(minion);
    deps.logger.info({ minion: minion ?? 'all' }, 'queue resumed');
    return c.json({ paused: false });
  });

  return app;
}
