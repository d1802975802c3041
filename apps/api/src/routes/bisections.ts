import { BisectInputError, type BisectionDeps, startBisection, stopBisection } from '@benchrunner/bisect';
import { BenchmarkName, GitRevision, NotFoundError } from '@benchrunner/core';
import { Hono } from 'hono';
import { z } from 'zod';
import { IdParam, ok, on, resultsErrors, routeGroup } from '../contract.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorBody } from '../errors.ts';
import { validate } from '../validate.ts';
import { orUnavailable } from './history.ts';

/** `POST /regressions/:id/bisect`: a range by hand; each left out comes from the record. */
const BisectBody = z
  .object({
    good: GitRevision.optional().describe("the last good commit (excluded); default: the record's"),
    bad: GitRevision.optional().describe("the first bad commit (included); default: the record's"),
    benchmarks: z.array(BenchmarkName).min(1).max(100).optional().describe("default: the record's benchmark"),
  })
  .strict();

/** A bisection as GET /bisections/:id answers it: range, status, culprit or candidates, probes. */
const BisectionView = z.looseObject({}).describe('the bisection with its probes');
const noBisection = ok('No such bisection', ErrorBody);

export const bisectionsApi = routeGroup('', {
  get: {
    method: 'get',
    path: '/bisections/:id',
    summary: 'A bisection: its range, status, culprit and probes with their figures',
    params: IdParam,
    responses: { 200: ok('The bisection', BisectionView), 404: noBisection, ...resultsErrors },
  },
  stop: {
    method: 'delete',
    path: '/bisections/:id',
    summary: 'Stop a bisection: it ends `cancelled` and its waiting probes leave the lane',
    params: IdParam,
    responses: {
      200: ok('The bisection, cancelled, with `cancelledRuns`', BisectionView),
      404: noBisection,
      ...resultsErrors,
    },
  },
  bisect: {
    method: 'post',
    path: '/regressions/:id/bisect',
    summary: "Bisect a regression's range (or a range given by hand) to its culprit commit",
    description:
      'Probes run the affected benchmarks at commits of the range (first-parent order) with priority class `bisect`. A range of one commit needs no bisection: the answer names it as the culprit (`bisection: null`).',
    params: IdParam,
    body: BisectBody,
    bodyOptional: true,
    responses: {
      202: ok('The bisection, running', BisectionView),
      200: ok(
        'Nothing to probe: `{bisection: null, culprit, reason}` for a range of one commit, or a bisection that ended at once (`failed` with its reason)',
        BisectionView,
      ),
      404: ok('No such regression record', ErrorBody),
      ...resultsErrors,
    },
  },
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new ApiError(400, 'invalid_json', `body: malformed JSON (${message})`, [{ path: 'body', message }]);
  }
}

/** The bisection of the suite's target through this API's run service. */
async function bisectionDeps(deps: ApiDeps): Promise<BisectionDeps> {
  const suite = await deps.suite();
  return {
    results: deps.results,
    mirror: async () => deps.targets?.mirror(suite),
    enqueue: (data) => deps.runs.enqueue(data),
    logger: deps.logger,
  };
}

/** `GET /bisections/:id`, `DELETE /bisections/:id`, `POST /regressions/:id/bisect`. */
export function bisectionsRoutes(deps: ApiDeps) {
  const app = new Hono();

  on(app, bisectionsApi.routes.get, async (c) =>
    c.json(await orUnavailable(deps.results.bisections.get(c.req.param('id')))),
  );

  on(app, bisectionsApi.routes.stop, async (c) => {
    const { bisection: stopped, pendingRuns } = await orUnavailable(
      stopBisection(deps, c.req.param('id'), 'stopped by DELETE /bisections/:id'),
    );
    const runs = [];
    for (const runId of pendingRuns) {
      runs.push(
        await deps.runs.cancel(runId, `bisection ${stopped.id} stopped`).catch((e: unknown) => {
          if (e instanceof NotFoundError) return { id: runId, state: 'gone' };
          throw e;
        }),
      );
    }
    return c.json({ ...stopped, cancelledRuns: runs });
  });

  on(app, bisectionsApi.routes.bisect, async (c) => {
    // The body is optional (the record's own range); bodyLimit on /regressions/* caps its size.
    const text = await c.req.text();
    const body = validate(BisectBody, text.trim() === '' ? {} : parseJson(text), 'body');
    if (body.benchmarks) {
      const names = new Set((await deps.suite()).spec.benchmarks.map((b) => b.name));
      const unknown = body.benchmarks.findIndex((name) => !names.has(name));
      if (unknown >= 0) {
        const message = `unknown benchmark '${body.benchmarks[unknown]}'`;
        throw new ApiError(400, 'invalid_request', `body.benchmarks.${unknown}: ${message}`, [
          { path: `body.benchmarks.${unknown}`, message },
        ]);
      }
    }
    const regression = await orUnavailable(deps.results.regression(c.req.param('id')));
    try {
      const started = await orUnavailable(startBisection(await bisectionDeps(deps), regression, body));
      return c.json(started.bisection ?? started, started.bisection?.status === 'running' ? 202 : 200);
    } catch (e) {
      if (e instanceof BisectInputError) {
        throw new ApiError(400, 'invalid_request', `body.${e.message}`, [
          { path: `body.${e.field}`, message: e.message.slice(e.field.length + 2) },
        ]);
      }
      throw e;
    }
  });

  return app;
}
