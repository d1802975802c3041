import { MinionName } from '@benchrunner/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { errors, ok, on, routeGroup } from '../contract.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { validate } from '../validate.ts';

const LaneQuery = z
  .object({ minion: MinionName.optional().describe('one lane; default: every lane') })
  .strict();

export const queueApi = routeGroup('/queue', {
  drain: {
    method: 'post',
    path: '/drain',
    summary: 'Remove waiting runs (the active one goes on)',
    query: LaneQuery,
    responses: {
      200: ok('Drained', z.object({ drained: z.literal(true), removed: z.number().int() })),
      ...errors,
    },
  },
  pause: {
    method: 'post',
    path: '/pause',
    summary: 'Start no new runs (the active one finishes)',
    query: LaneQuery,
    responses: { 200: ok('Paused', z.object({ paused: z.literal(true) })), ...errors },
  },
  resume: {
    method: 'post',
    path: '/resume',
    summary: 'Start runs again',
    query: LaneQuery,
    responses: { 200: ok('Resumed', z.object({ paused: z.literal(false) })), ...errors },
  },
});

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
  on(app, queueApi.routes.drain, async (c) => {
    const minion = minionOf(c.req.query());
    const { removed } = await deps.runs.drain(minion);
    deps.logger.info({ minion: minion ?? 'all', removed }, 'queue drained');
    return c.json({ drained: true, removed });
  });

  // Stops starting new runs; the active run finishes.
  on(app, queueApi.routes.pause, async (c) => {
    const minion = minionOf(c.req.query());
    await deps.runs.pause(minion);
    deps.logger.info({ minion: minion ?? 'all' }, 'queue paused');
    return c.json({ paused: true });
  });

  on(app, queueApi.routes.resume, async (c) => {
    const minion = minionOf(c.req.query());
    await deps.runs.resume(minion);
    deps.logger.info({ minion: minion ?? 'all' }, 'queue resumed');
    return c.json({ paused: false });
  });

  return app;
}
