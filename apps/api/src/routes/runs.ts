import { MinionName, RunRequest, RunState } from '@benchrunner/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { checkRequest } from '../checks.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { acceptTarget } from '../targets.ts';
import { jsonBody, validate } from '../validate.ts';

export const RunListQuery = z
  .object({
    state: RunState.optional(),
    minion: MinionName.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  })
  .strict();

/** Most log lines one GET /runs/:id/logs answers (lines are at most RUN_LOG_MAX_LINE_CHARS). */
export const RUN_LOG_PAGE_MAX = 5000;

export const RunLogsQuery = z
  .object({
    offset: z.coerce.number().int().min(0).default(0),
    /** Lines, not Redis entries. */
    limit: z.coerce.number().int().min(1).max(RUN_LOG_PAGE_MAX).default(1000),
  })
  .strict();

const RunId = z.string().regex(/^[A-Za-z0-9:._-]{1,200}$/, 'not a run id');

export function runsRoutes(deps: ApiDeps) {
  const app = new Hono();
  // The enqueue line holds only ids and names the API built itself, never a secret: it skips the
  // redaction pass, which costs as much as the rest of the line on the busiest route.
  const enqueueLog = deps.logger.child({}, { redact: { paths: [] } });

  app.post('/', async (c) => {
    const request = validate(RunRequest, await jsonBody(c, deps.bodyLimitBytes), 'body');
    const suite = await deps.suite();
    checkRequest(request, suite, (name) => deps.runs.hasMinion(name));
    const target = await acceptTarget(
      deps,
      suite,
      { ref: request.commit, ...(request.branch ? { branch: request.branch } : {}) },
      'body.commit',
    );
    const minion = request.minion ?? deps.runs.defaultMinion;
    const enqueued = await deps.runs.enqueue({
      ...request,
      ...(target ? { commit: target.commit.sha, target } : {}),
      minion,
      trigger: { kind: 'api', detail: {} },
      requestedAt: new Date().toISOString(),
    });
    enqueueLog.info(
      {
        runId: enqueued.id,
        minion,
        commit: target?.commit.sha ?? request.commit,
        duplicate: enqueued.duplicate,
      },
      'run enqueued',
    );
    return c.json(
      {
        id: enqueued.id,
        state: 'waiting',
        minion,
        ...(target ? { commit: target.commit.sha, ref: target.ref, branch: target.branch } : {}),
        position: enqueued.position,
        duplicate: enqueued.duplicate,
        links: { self: `/runs/${enqueued.id}`, logs: `/runs/${enqueued.id}/logs` },
      },
      202,
    );
  });

  app.get('/', async (c) => {
    const query = validate(RunListQuery, c.req.query(), 'query');
    if (query.minion && !deps.runs.hasMinion(query.minion)) {
      throw new ApiError(400, 'invalid_request', `query.minion: unknown minion "${query.minion}"`, [
        { path: 'query.minion', message: 'unknown minion' },
      ]);
    }
    const { runs, total } = await deps.runs.list(query);
    return c.json({ runs, total, limit: query.limit, offset: query.offset });
  });

  app.get('/:id', async (c) => {
    const id = validate(RunId, c.req.param('id'), 'query');
    return c.json(await deps.runs.get(id));
  });

  app.get('/:id/logs', async (c) => {
    const id = validate(RunId, c.req.param('id'), 'query');
    const query = validate(RunLogsQuery, c.req.query(), 'query');
    const { logs, count } = await deps.runs.logs(id, query.offset, query.offset + query.limit - 1);
    return c.json({ id, logs, count, offset: query.offset });
  });

  app.post('/:id/publish', async (c) => {
    const id = validate(RunId, c.req.param('id'), 'query');
    const result = await deps.runs.publish(id);
    deps.logger.info({ runId: id }, 'publish requested');
    return c.json(result, 202);
  });

  app.delete('/:id', async (c) => {
    const id = validate(RunId, c.req.param('id'), 'query');
    const result = await deps.runs.cancel(id, 'cancelled through the API');
    if ('finished' in result) {
      throw new ApiError(409, 'already_finished', `run ${id} already finished (${result.state})`);
    }
    deps.logger.info({ runId: id, state: result.state }, 'run cancel requested');
    return c.json(result, result.state === 'cancelled' ? 200 : 202);
  });

  return app;
}
