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
import { IdParam, ok, on, resultsErrors, routeGroup } from '../contract.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, ErrorBody } from '../errors.ts';
import { prefersHtml } from '../pages/html.ts';
import { regressionListResponse } from '../pages/regression-list.ts';
import { regressionPageResponse } from '../pages/regression-page.ts';
import { validate } from '../validate.ts';
import { orUnavailable, SeriesInfo } from './history.ts';

const RegressionStatus = z.enum(['suspected', 'confirming', 'confirmed', 'noise', 'acknowledged', 'fixed']);

/** `GET /regressions`. */
const RegressionsQuerySchema = z
  .object({
    status: RegressionStatus.optional(),
    minion: MinionName.optional(),
    benchmark: BenchmarkName.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const Level = z.object({
  median: z.number(),
  ci: z.object({ lower: z.number(), upper: z.number() }).nullable(),
});
const CommitRun = z.object({ commit: z.string(), runId: z.string() });

const Interval = z.object({ lower: z.number(), upper: z.number() });
const ConfirmationSide = z.object({
  runs: z.number().int().describe("this side's runs that gave results"),
  n: z.number().int().describe('values pooled (samples, else values)'),
  median: z.number().nullable(),
  ci: Interval.nullable(),
});
const Confirmation = z
  .object({
    startedAt: z.string(),
    runs: z
      .array(
        z.object({
          runId: z.string(),
          side: z.enum(['baseline', 'suspect']),
          round: z.number().int(),
          commit: z.string(),
          lost: z
            .string()
            .optional()
            .describe('why the run left its lane before it ran; it counts as a run without results'),
        }),
      )
      .describe('the runs asked for: last good (baseline) and first bad (suspect) commits, interleaved'),
    result: z
      .object({
        outcome: z.enum(['confirmed', 'noise', 'undecided']),
        reason: z.string(),
        baseline: ConfirmationSide,
        suspect: ConfirmationSide,
        change: z.number().nullable().describe('(suspect - baseline) / |baseline| of the pooled medians'),
        changeCi: Interval.nullable(),
        pValue: z.number().nullable().describe('two-sided Mann-Whitney U'),
        verdict: z.string().nullable(),
        maxPValue: z.number(),
        minChange: z.number(),
        decidedAt: z.string(),
      })
      .nullable()
      .describe('null while runs are missing'),
  })
  .nullable()
  .describe('the latest re-measurement of the change; null before any');

/** A regression record as GET /regressions/:id answers it. */
export const RegressionSchema = z.object({
  id: z.string(),
  series: SeriesInfo.extend({ key: z.string() }),
  detector: z
    .enum(['baseline', 'change-point'])
    .describe(
      'baseline: the per-run test against the recent points; change-point: E-Divisive over the history',
    ),
  kind: z
    .enum(['regression', 'improvement', 'change'])
    .describe('change: the measure has no better direction'),
  status: RegressionStatus,
  lastGood: CommitRun.nullable().describe(
    'the measured point before the change; commits between were skipped',
  ),
  firstBad: CommitRun,
  before: Level,
  after: Level,
  change: z.number().nullable().describe('(after - before) / |before| of the medians'),
  changeCi: z.object({ lower: z.number(), upper: z.number() }).nullable(),
  pValue: z.number().nullable(),
  runs: z.array(z.string()).describe('the runs whose points the verdict used'),
  confirmation: Confirmation,
  createdAt: z.string(),
  updatedAt: z.string(),
  bisection: z
    .looseObject({})
    .optional()
    .describe('GET /regressions/:id: the newest bisection of the range, as GET /bisections/:id answers'),
});

const noRecord = ok('No such record', ErrorBody);

export const regressionsApi = routeGroup('/regressions', {
  list: {
    method: 'get',
    path: '/',
    summary: 'Regression records (suspected changes of a series), newest first',
    description:
      "Each run written to the results database is tested against its branch's recent points on the same minion, and its series are searched for change points; each change found is recorded once per series, first bad commit and detector.",
    query: RegressionsQuerySchema,
    responses: {
      200: {
        ...ok(
          'Records (JSON), or with `Accept: text/html` a table linking to each page',
          z.object({ regressions: z.array(RegressionSchema) }),
        ),
        orHtml: true,
      },
      ...resultsErrors,
    },
  },
  get: {
    method: 'get',
    path: '/:id',
    summary: 'One regression record',
    description:
      'With `Accept: text/html` (a browser): a page with the facts and the series around the change drawn as a chart, rendered by the API with no script and no request to another origin.',
    params: IdParam,
    responses: {
      200: {
        ...ok('The record (JSON), or with `Accept: text/html` its page', RegressionSchema),
        orHtml: true,
      },
      404: noRecord,
      ...resultsErrors,
    },
  },
  acknowledge: {
    method: 'post',
    path: '/:id/acknowledge',
    summary: 'Acknowledge a regression record (status `acknowledged`)',
    params: IdParam,
    responses: { 200: ok('The record', RegressionSchema), 404: noRecord, ...resultsErrors },
  },
  confirm: {
    method: 'post',
    path: '/:id/confirm',
    summary: 'Start (or restart) the confirmation of a regression record',
    description:
      "Queues runs of the last good and the first bad commit, interleaved, on the series' minion with priority `bisect`; the record is `confirming` until they are stored, then `confirmed`, `noise`, or `suspected` again when too few gave results.",
    params: IdParam,
    responses: {
      202: ok('The record, confirming', RegressionSchema),
      404: noRecord,
      409: ok(
        'Its status cannot be confirmed (acknowledged, fixed), no last good commit, or its minion is not in the inventory',
        ErrorBody,
      ),
      ...resultsErrors,
    },
  },
});

/** Regression records of the results database: list, read (JSON or a page), acknowledge, confirm. */
export function regressionsRoutes(deps: ApiDeps) {
  const app = new Hono();

  on(app, regressionsApi.routes.list, async (c) => {
    const query = validate(RegressionsQuerySchema, c.req.query(), 'query');
    const regressions = await orUnavailable(deps.results.regressions(query));
    if (prefersHtml(c.req.header('accept'))) return regressionListResponse(c, regressions);
    return c.json({ regressions });
  });

  on(app, regressionsApi.routes.get, async (c) => {
    const regression = await orUnavailable(deps.results.regression(c.req.param('id')));
    if (prefersHtml(c.req.header('accept'))) return regressionPageResponse(c, deps.results, regression);
    return c.json(regression);
  });

  on(app, regressionsApi.routes.acknowledge, async (c) =>
    c.json(await orUnavailable(deps.results.acknowledgeRegression(c.req.param('id')))),
  );

  /** (Re)starts a confirmation by hand, with the suite's rounds (the default when it sets `confirm: false`). */
  on(app, regressionsApi.routes.confirm, async (c) => {
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
