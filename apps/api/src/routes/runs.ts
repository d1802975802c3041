import { MinionName, RunRequest, RunState } from '@benchrunner/core';
import { RUN_LOG_MAX_LINE_CHARS, RUN_LOG_MAX_LINES, RunView } from '@benchrunner/queue';
import { Hono } from 'hono';
import { z } from 'zod';
import { checkRequest } from '../checks.ts';
import { errors, ok, on, routeGroup } from '../contract.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorBody } from '../errors.ts';
import { acceptTarget } from '../targets.ts';
import { jsonBody, validate } from '../validate.ts';

const RunListQuery = z
  .object({
    state: RunState.optional(),
    minion: MinionName.optional().describe('one lane; default: every lane'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).max(100_000).default(0),
  })
  .strict();

/** Most log lines one GET /runs/:id/logs answers (lines are at most RUN_LOG_MAX_LINE_CHARS). */
const RUN_LOG_PAGE_MAX = 5000;

const RunLogsQuery = z
  .object({
    offset: z.coerce.number().int().min(0).default(0).describe('first line'),
    /** Lines, not Redis entries. */
    limit: z.coerce.number().int().min(1).max(RUN_LOG_PAGE_MAX).default(1000).describe('lines to answer'),
  })
  .strict();

const RunId = z.string().regex(/^[A-Za-z0-9:._-]{1,200}$/, 'not a run id');
const RunIdParam = z.object({ id: RunId });

/** The answer to `POST /runs`. */
export const RunAccepted = z.object({
  id: z.string(),
  state: z.literal('waiting'),
  minion: z.string(),
  commit: z.string().optional().describe('the full sha the ref resolved to (suites with a `target`)'),
  ref: z.string().optional().describe('the ref as asked for (suites with a `target`)'),
  branch: z.string().optional().describe('the branch the run belongs to (suites with a `target`)'),
  position: z.number().int(),
  duplicate: z.boolean().describe('true when an identical waiting run answered'),
  links: z.object({ self: z.string(), logs: z.string() }).optional(),
});

const noRun = ok('No such run', ErrorBody);

export const runsApi = routeGroup('/runs', {
  enqueue: {
    method: 'post',
    path: '/',
    summary: 'Enqueue a run',
    description:
      "An identical run that is still waiting is not queued twice: its id is returned with `duplicate: true`. When the suite names a `target`, `commit` (a branch, tag or short sha) is resolved to a full sha in the controller's mirror of it; an unknown ref is a 400 naming `body.commit`.",
    body: RunRequest,
    responses: { 202: ok('Accepted', RunAccepted), ...errors, 413: ok('Body too large', ErrorBody) },
  },
  list: {
    method: 'get',
    path: '/',
    summary: 'List runs, newest first',
    query: RunListQuery,
    responses: {
      200: ok(
        'Runs',
        z.object({
          runs: z.array(RunView),
          total: z.number().int(),
          limit: z.number().int(),
          offset: z.number().int(),
        }),
      ),
      ...errors,
    },
  },
  get: {
    method: 'get',
    path: '/:id',
    summary: 'One run: state, step, progress, timings, results summary, archive',
    params: RunIdParam,
    responses: { 200: ok('The run', RunView), 404: noRun, ...errors },
  },
  logs: {
    method: 'get',
    path: '/:id/logs',
    summary: `The run's log lines as Redis keeps them: the first ${RUN_LOG_MAX_LINES} lines of at most ${RUN_LOG_MAX_LINE_CHARS} characters (the run archive's stdout.log has all)`,
    params: RunIdParam,
    query: RunLogsQuery,
    responses: {
      200: ok(
        'Log lines',
        z.object({
          id: z.string(),
          logs: z.array(z.string()),
          count: z.number().int(),
          offset: z.number().int(),
        }),
      ),
      404: noRun,
      ...errors,
    },
  },
  publish: {
    method: 'post',
    path: '/:id/publish',
    summary: 'Publish a finished run again (the sinks that have not confirmed it are tried once more)',
    params: RunIdParam,
    responses: {
      202: ok(
        'Queued',
        z.object({ id: z.string(), publish: z.object({ id: z.string(), state: z.string() }) }),
      ),
      404: noRun,
      409: ok('The run has not finished', ErrorBody),
      ...errors,
    },
  },
  cancel: {
    method: 'delete',
    path: '/:id',
    summary: 'Cancel a run',
    description:
      'A waiting run is removed (200, `cancelled`); an active run is aborted and its processes killed (202, `cancelling`).',
    params: RunIdParam,
    responses: {
      200: ok('Removed', z.object({ id: z.string(), state: z.literal('cancelled') })),
      202: ok('Aborting', z.object({ id: z.string(), state: z.literal('cancelling') })),
      404: noRun,
      409: ok('Already finished', ErrorBody),
      ...errors,
    },
  },
});

export function runsRoutes(deps: ApiDeps) {
  const app = new Hono();
  // The enqueue line holds only ids and names the API built itself, never a secret: it skips the
  // redaction pass, which costs as much as the rest of the line on the busiest route.
  const enqueueLog = deps.logger.child({}, { redact: { paths: [] } });

  on(app, runsApi.routes.enqueue, async (c) => {
    const request = validate(runsApi.routes.enqueue.body, await jsonBody(c, deps.bodyLimitBytes), 'body');
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

  on(app, runsApi.routes.list, async (c) => {
    const query = validate(runsApi.routes.list.query, c.req.query(), 'query');
    if (query.minion && !deps.runs.hasMinion(query.minion)) {
      throw new ApiError(400, 'invalid_request', `query.minion: unknown minion "${query.minion}"`, [
        { path: 'query.minion', message: 'unknown minion' },
      ]);
    }
    const { runs, total } = await deps.runs.list(query);
    return c.json({ runs, total, limit: query.limit, offset: query.offset });
  });

  on(app, runsApi.routes.get, async (c) => {
    const id = validate(RunId, c.req.param('id'), 'query');
    return c.json(await deps.runs.get(id));
  });

  on(app, runsApi.routes.logs, async (c) => {
    const id = validate(RunId, c.req.param('id'), 'query');
    const query = validate(runsApi.routes.logs.query, c.req.query(), 'query');
    const { logs, count } = await deps.runs.logs(id, query.offset, query.offset + query.limit - 1);
    return c.json({ id, logs, count, offset: query.offset });
  });

  on(app, runsApi.routes.publish, async (c) => {
    const id = validate(RunId, c.req.param('id'), 'query');
    const result = await deps.runs.publish(id);
    deps.logger.info({ runId: id }, 'publish requested');
    return c.json(result, 202);
  });

  on(app, runsApi.routes.cancel, async (c) => {
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
