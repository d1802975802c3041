import { RunRequest, RunState } from '@benchrunner/core';
import { RUN_LOG_MAX_LINE_CHARS, RUN_LOG_MAX_LINES, RunView } from '@benchrunner/queue';
import { z } from 'zod';
import { HistoryQuerySchema, SeriesQuerySchema } from './routes/history.ts';
import { RegressionStatus, RegressionsQuerySchema } from './routes/regressions.ts';
import { RUN_LOG_PAGE_MAX } from './routes/runs.ts';

const RunAccepted = z.object({
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

const SeriesInfo = z.object({
  benchmark: z.string(),
  result: z.string(),
  params: z.record(z.string(), z.string()),
  measure: z.string(),
  unit: z.string(),
  direction: z.enum(['lower', 'higher']).nullable(),
  minion: z.string(),
  branch: z.string(),
});

const HistoryPoint = z.object({
  runId: z.string(),
  commit: z.string(),
  subject: z.string().nullable(),
  commitTime: z.string().nullable(),
  firstParentDepth: z.number().int().nullable(),
  startedAt: z.string(),
  cid: z.string().nullable(),
  value: z.number(),
  n: z.number().int().nullable(),
  median: z.number().nullable(),
  mean: z.number().nullable(),
  stddev: z.number().nullable(),
  ci: z
    .object({ lower: z.number().nullable(), upper: z.number().nullable(), level: z.number().nullable() })
    .nullable()
    .describe("the median's interval from the samples (level: its coverage), else the tool's own bounds"),
});

const Level = z.object({
  median: z.number(),
  ci: z.object({ lower: z.number(), upper: z.number() }).nullable(),
});
const CommitRun = z.object({ commit: z.string(), runId: z.string() });

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
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Query parameters of a GET route, from the zod schema it validates with. */
function queryParams(schema: z.ZodObject) {
  const required = new Set(json(schema, 'input').required as string[] | undefined);
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: z.toJSONSchema(field as z.ZodType, { io: 'input', unrepresentable: 'any' }),
  }));
}

const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const content = (schema: object) => ({ 'application/json': { schema } });
const errors = {
  '400': { description: 'Invalid input; `details` names each field', content: content(ref('Error')) },
  '401': { description: 'Missing or wrong API key', content: content(ref('Error')) },
  '503': {
    description: 'Redis (or the target repository) is not reachable; retry later',
    content: content(ref('Error')),
  },
};
const minionParam = {
  name: 'minion',
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description: 'one lane; default: every lane',
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const ok = (description: string, schema: object = { type: 'object' }) => ({
  description,
  content: content(schema),
});
/** Routes that read the results database answer 503 when it is down. */
const resultsErrors = {
  ...errors,
  '503': ok('The results database is not reachable; retry later', ref('Error')),
};

/** OpenAPI 3.1, generated from the same zod schemas the API validates with. */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'benchrunner',
      version,
      description:
        'Enqueue and inspect benchmark runs. Every route needs `Authorization: Bearer <key>` unless marked public.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'Bull Board: any user name, an API key as the password',
        },
        githubSignature: { type: 'apiKey', in: 'header', name: 'X-Hub-Signature-256' },
      },
      schemas: {
        RunRequest: json(RunRequest, 'input'),
        RunAccepted: json(RunAccepted),
        Run: json(RunView),
        Error: json(ErrorBody),
        Series: json(SeriesInfo),
        HistoryPoint: json(HistoryPoint),
        Regression: json(RegressionSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/runs': {
        post: {
          summary: 'Enqueue a run',
          description:
            "An identical run that is still waiting is not queued twice: its id is returned with `duplicate: true`. When the suite names a `target`, `commit` (a branch, tag or short sha) is resolved to a full sha in the controller's mirror of it; an unknown ref is a 400 naming `body.commit`.",
          requestBody: { required: true, content: content(ref('RunRequest')) },
          responses: {
            '202': ok('Accepted', ref('RunAccepted')),
            ...errors,
            '413': ok('Body too large', ref('Error')),
          },
        },
        get: {
          summary: 'List runs, newest first',
          parameters: [
            { name: 'state', in: 'query', schema: json(RunState) },
            minionParam,
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
          ],
          responses: {
            '200': ok('Runs', {
              type: 'object',
              properties: {
                runs: { type: 'array', items: ref('Run') },
                total: { type: 'integer' },
                limit: { type: 'integer' },
                offset: { type: 'integer' },
              },
            }),
            ...errors,
          },
        },
      },
      '/runs/{id}': {
        get: {
          summary: 'One run: state, step, progress, timings, results summary, archive',
          parameters: [idParam],
          responses: { '200': ok('The run', ref('Run')), '404': ok('No such run', ref('Error')), ...errors },
        },
        delete: {
          summary: 'Cancel a run',
          description:
            'A waiting run is removed (200, `cancelled`); an active run is aborted and its processes killed (202, `cancelling`).',
          parameters: [idParam],
          responses: {
            '200': ok('Removed'),
            '202': ok('Aborting'),
            '404': ok('No such run', ref('Error')),
            '409': ok('Already finished', ref('Error')),
            ...errors,
          },
        },
      },
      '/runs/{id}/logs': {
        get: {
          summary: `The run's log lines as Redis keeps them: the first ${RUN_LOG_MAX_LINES} lines of at most ${RUN_LOG_MAX_LINE_CHARS} characters (the run archive's stdout.log has all)`,
          parameters: [
            idParam,
            {
              name: 'offset',
              in: 'query',
              description: 'first line',
              schema: { type: 'integer', minimum: 0 },
            },
            {
              name: 'limit',
              in: 'query',
              description: 'lines to answer',
              schema: { type: 'integer', minimum: 1, maximum: RUN_LOG_PAGE_MAX, default: 1000 },
            },
          ],
          responses: {
            '200': ok('Log lines', {
              type: 'object',
              properties: { logs: { type: 'array', items: { type: 'string' } }, count: { type: 'integer' } },
            }),
            ...errors,
          },
        },
      },
      '/runs/{id}/publish': {
        post: {
          summary: 'Publish a finished run again (the sinks that have not confirmed it are tried once more)',
          parameters: [idParam],
          responses: {
            '202': ok('Queued'),
            '404': ok('No such run', ref('Error')),
            '409': ok('The run has not finished', ref('Error')),
            ...errors,
          },
        },
      },
      '/queue/drain': {
        post: {
          summary: 'Remove waiting runs (the active one goes on)',
          parameters: [minionParam],
          responses: { '200': ok('Drained'), ...errors },
        },
      },
      '/queue/pause': {
        post: {
          summary: 'Start no new runs (the active one finishes)',
          parameters: [minionParam],
          responses: { '200': ok('Paused'), ...errors },
        },
      },
      '/queue/resume': {
        post: {
          summary: 'Start runs again',
          parameters: [minionParam],
          responses: { '200': ok('Resumed'), ...errors },
        },
      },
      '/benchmarks': {
        get: {
          summary: 'The suite: benchmarks, file sets, profilers',
          responses: { '200': ok('The suite'), ...errors },
        },
      },
      '/minions': {
        get: {
          summary: "Each minion's lane: state, why a worker paused it, active run, queue length",
          responses: { '200': ok('Minions'), ...errors },
        },
      },
      '/history': {
        get: {
          summary: "One series of the results history, oldest first, in the branch's first-parent order",
          description:
            'Points of runs that recorded a target commit are ordered by its first-parent depth, then by run start; runs without a target follow, by run start. `result` and `params.<key>` may be left out when the rest names one series. Unknown names answer 400 listing the valid ones.',
          parameters: [
            ...queryParams(HistoryQuerySchema),
            {
              name: 'params',
              in: 'query',
              style: 'deepObject',
              explode: true,
              required: false,
              schema: { type: 'object', additionalProperties: { type: 'string' } },
              description: 'a result parameter, e.g. `params.fileSet=One4MBFile`',
            },
          ],
          responses: {
            '200': ok('The series and its points', {
              type: 'object',
              properties: { series: ref('Series'), points: { type: 'array', items: ref('HistoryPoint') } },
            }),
            ...resultsErrors,
          },
        },
      },
      '/series': {
        get: {
          summary: 'The series keys that exist (benchmark, result, params, measure, minion, branch)',
          parameters: queryParams(SeriesQuerySchema),
          responses: {
            '200': ok('Series', {
              type: 'object',
              properties: { series: { type: 'array', items: ref('Series') } },
            }),
            ...resultsErrors,
          },
        },
      },
      '/regressions': {
        get: {
          summary: 'Regression records (suspected changes of a series), newest first',
          description:
            "Each run written to the results database is tested against its branch's recent points on the same minion, and its series are searched for change points; each change found is recorded once per series, first bad commit and detector.",
          parameters: queryParams(RegressionsQuerySchema),
          responses: {
            '200': ok('Records', {
              type: 'object',
              properties: { regressions: { type: 'array', items: ref('Regression') } },
            }),
            ...resultsErrors,
          },
        },
      },
      '/regressions/{id}': {
        get: {
          summary: 'One regression record',
          parameters: [idParam],
          responses: {
            '200': ok('The record', ref('Regression')),
            '404': ok('No such record', ref('Error')),
            ...resultsErrors,
          },
        },
      },
      '/regressions/{id}/acknowledge': {
        post: {
          summary: 'Acknowledge a regression record (status `acknowledged`)',
          parameters: [idParam],
          responses: {
            '200': ok('The record', ref('Regression')),
            '404': ok('No such record', ref('Error')),
            ...resultsErrors,
          },
        },
      },
      '/webhooks/github': {
        post: {
          summary: 'GitHub push and pull_request events enqueue a run of the head commit (priority ci)',
          security: [{ githubSignature: [] }],
          responses: {
            '202': ok('Enqueued', ref('RunAccepted')),
            '200': ok(
              'Acknowledged and ignored, or a delivery id seen before (`duplicate`, the run it started)',
            ),
            '400': ok(
              'Malformed payload, or no X-GitHub-Delivery on an event that starts a run',
              ref('Error'),
            ),
            '401': ok('Bad signature (a missing or malformed one before the body is read)', ref('Error')),
            '404': ok('Webhook off', ref('Error')),
            '413': ok('Body larger than 25 MB', ref('Error')),
          },
        },
      },
      '/health': { get: { summary: 'Liveness (public)', security: [], responses: { '200': ok('Alive') } } },
      '/ready': {
        get: {
          summary:
            'Readiness: Redis reachable (public); `degraded` lists lanes paused for a full or read-only disk',
          security: [],
          responses: { '200': ok('Ready'), '503': ok('Not ready; the reason says why', ref('Error')) },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document (public)', security: [], responses: { '200': ok('OpenAPI 3.1') } },
      },
      '/docs': {
        get: {
          summary: 'API documentation UI, served offline (public)',
          security: [],
          responses: { '200': { description: 'HTML' } },
        },
      },
      '/ui': {
        get: {
          summary: 'Bull Board: lanes, runs, logs',
          security: [{ basic: [] }],
          responses: { '200': { description: 'HTML' }, '401': { description: 'Missing or wrong key' } },
        },
      },
    },
  };
}
