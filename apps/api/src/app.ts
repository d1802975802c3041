import { type Context, Hono } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { bodyLimit } from 'hono/body-limit';
import { bearerToken, keyMatcher } from './auth.ts';
import { boardApp } from './board.ts';
import { on } from './contract.ts';
import type { ApiDeps } from './deps.ts';
import { docsRoutes } from './docs.ts';
import { ApiError, errorBody, toResponse } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { bisectionsRoutes } from './routes/bisections.ts';
import { detectRoutes } from './routes/detect.ts';
import { historyRoutes } from './routes/history.ts';
import { queueRoutes } from './routes/queue.ts';
import { regressionsRoutes } from './routes/regressions.ts';
import { runsRoutes } from './routes/runs.ts';
import { systemApi } from './routes/system.ts';
import { webhookRoutes } from './routes/webhooks.ts';

const VERSION = '0.1.0';

/** Routes anyone may call: probes and the API description. */
const PUBLIC = [/^\/health$/, /^\/ready$/, /^\/openapi\.json$/, /^\/docs(\/.*)?$/];

/** The HTTP API. All wiring happens in main.ts; tests call this with their own deps. */
export function createApp(deps: ApiDeps) {
  const app = new Hono({ strict: false });
  const matches = keyMatcher(deps.apiKeys);

  app.onError((error, c) => {
    const response = toResponse(error, c);
    // A 503 is Redis being away, not a bug: one warning with the reason, no stack per request.
    if (response.status === 503)
      deps.logger.warn({ path: c.req.path, reason: error.message }, 'request refused: queue unavailable');
    else if (response.status >= 500) deps.logger.error({ err: error, path: c.req.path }, 'request failed');
    return response;
  });
  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  app.use('*', async (c, next) => {
    if (!deps.logger.isLevelEnabled('debug')) return next();
    const started = performance.now();
    await next();
    deps.logger.debug(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });

  // Bearer keys everywhere except the public routes, the webhook (signed) and Bull Board (basic auth).
  app.use('*', async (c, next) => {
    const p = c.req.path;
    if (PUBLIC.some((re) => re.test(p)) || p.startsWith('/webhooks/') || p === '/ui' || p.startsWith('/ui/'))
      return next();
    if (deps.publicReads && (c.req.method === 'GET' || c.req.method === 'HEAD')) return next();
    if (!matches(bearerToken(c.req.header('authorization')))) {
      c.header('WWW-Authenticate', 'Bearer realm="benchrunner"');
      throw new ApiError(
        401,
        'unauthorized',
        'missing or wrong API key: send Authorization: Bearer <one of API_KEYS>',
      );
    }
    return next();
  });

  const tooLarge = (limit: number) => () => {
    throw new ApiError(413, 'body_too_large', `body: larger than ${limit} bytes`, [
      { path: 'body', message: `at most ${limit} bytes` },
    ]);
  };
  // POST /runs reads its body through jsonBody, which enforces BODY_LIMIT_BYTES itself without
  // building a fetch Request; the other routes take no body, and a large one is refused all the same.
  app.use('/queue/*', bodyLimit({ maxSize: deps.bodyLimitBytes, onError: tooLarge(deps.bodyLimitBytes) }));
  app.use(
    '/regressions/*',
    bodyLimit({ maxSize: deps.bodyLimitBytes, onError: tooLarge(deps.bodyLimitBytes) }),
  );
  // The webhook streams its body through the HMAC and enforces WEBHOOK_BODY_LIMIT itself.

  on(app, systemApi.routes.health, (c) =>
    c.json({ status: 'ok', version: VERSION, uptimeSeconds: Math.round(process.uptime()) }),
  );
  on(app, systemApi.routes.ready, async (c) => {
    await deps.runs.ping();
    // A lane paused for a full or read-only disk still takes runs (they wait): the API is ready,
    // and says what keeps the runs from starting.
    const lanes = await deps.runs.laneProblems();
    return c.json(lanes.length > 0 ? { status: 'degraded', lanes } : { status: 'ready' });
  });

  app.route('/runs', runsRoutes(deps));
  app.route('/queue', queueRoutes(deps));
  app.route('/webhooks', webhookRoutes(deps));
  app.route('/', historyRoutes(deps));
  app.route('/', bisectionsRoutes(deps));
  app.route('/regressions', regressionsRoutes(deps));
  app.route('/', detectRoutes(deps));

  on(app, systemApi.routes.benchmarks, async (c) => {
    const suite = await deps.suite();
    return c.json({
      project: suite.spec.project,
      suiteHash: suite.fileHash,
      benchmarks: suite.spec.benchmarks.map((b) => ({
        name: b.name,
        description: b.description,
        format: b.format,
        fileSets: b.fileSets,
        profilers: b.profilers,
        repeats: b.repeats,
        warmup: b.warmup,
        timeoutSeconds: b.timeout,
      })),
    });
  });
  on(app, systemApi.routes.minions, async (c) => c.json({ minions: await deps.runs.lanesStatus() }));

  const document = openApiDocument(VERSION);
  on(app, systemApi.routes.openapi, (c) => c.json(document));
  app.route('/docs', docsRoutes());

  const board = basicAuth({ verifyUser: (_user, password) => matches(password), realm: 'benchrunner' });
  app.use('/ui', board);
  app.use('/ui/*', board);
  const boardUi = boardApp(deps.boardQueues, '/ui');
  const toBoard = (c: Context) => boardUi.fetch(c.req.raw, c.env);
  app.all('/ui', toBoard);
  app.all('/ui/*', toBoard);

  return app;
}
