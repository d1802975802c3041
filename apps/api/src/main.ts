import { randomBytes } from 'node:crypto';
import path from 'node:path';
// The inventory reader alone: the package's entry would bring the playbook runner and its SSH client.
import { loadInventory } from '@benchrunner/ansible/inventory';
import { createLogger, LOCAL_MINION, loadSuite, type Minion } from '@benchrunner/core';
import { TargetResolver } from '@benchrunner/git';
import {
  connectRedis,
  createRedis,
  ensureNightlySchedule,
  PUBLISH_QUEUE,
  QUEUE_PREFIX,
  RunStore,
  redactUrl,
  removeNightlySchedule,
} from '@benchrunner/queue';
import { openResultsDb } from '@benchrunner/results-db';
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { createApp } from './app.ts';
import { loadApiEnv } from './env.ts';
import { suiteProvider } from './suite-provider.ts';

async function main(): Promise<void> {
  let env: ReturnType<typeof loadApiEnv>;
  try {
    env = loadApiEnv();
  } catch (error) {
    process.stderr.write(`benchrunner api: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ name: 'api', level: env.LOG_LEVEL });

  let apiKeys = env.API_KEYS ?? [];
  let host = env.HOST;
  if (env.BENCHRUNNER_LOCAL) {
    host = '127.0.0.1';
    if (apiKeys.length === 0) {
      apiKeys = [randomBytes(24).toString('base64url')];
      process.stdout.write(
        `\nbenchrunner local mode: API key for this session (set API_KEYS to choose your own):\n\n  ${apiKeys[0]}\n\n`,
      );
    }
  } else if (apiKeys.length === 0) {
    process.stderr.write(
      'benchrunner api: API_KEYS is required (comma-separated bearer tokens, e.g. `openssl rand -hex 32`); or set BENCHRUNNER_LOCAL=true to run on 127.0.0.1 with a generated key\n',
    );
    process.exit(2);
  }

  const suiteFile = path.resolve(env.SUITE_FILE);
  const suite = await loadSuite(suiteFile);
  // A suite's target is fetched once at start: a bad repository or branch stops the API here.
  const targets = new TargetResolver({ gitRoot: path.resolve(env.DATA_DIR, 'git') });
  await targets.check(suite);
  const minions: Minion[] = env.INVENTORY_FILE ? await loadInventory(env.INVENTORY_FILE) : [LOCAL_MINION];

  // failFast: while Redis is down, requests fail at once with 503 instead of hanging.
  const redis = createRedis(env.REDIS_URL, {
    failFast: true,
    name: 'benchrunner-api',
    coalesceWrites: true,
  });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  await connectRedis(redis, env.REDIS_URL, 10_000);

  const publishQueue = new Queue(PUBLISH_QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  const runs = new RunStore({ minions, connection: redis, publishQueue, logger });
  const lanes = runs.lanes;
  for (const [minion, queue] of lanes) {
    if (env.NIGHTLY_ENABLED) {
      await ensureNightlySchedule(queue, {
        cron: env.NIGHTLY_CRON,
        tz: env.NIGHTLY_TZ,
        template: {
          commit: env.NIGHTLY_COMMIT,
          benchmarks: [],
          profile: env.NIGHTLY_PROFILE,
          minion,
          priority: 'nightly',
          trigger: {
            kind: 'schedule',
            detail: { scheduler: 'nightly', cron: env.NIGHTLY_CRON, tz: env.NIGHTLY_TZ },
          },
        },
      });
    } else {
      await removeNightlySchedule(queue);
    }
  }

  // Each queue re-emits its connection's errors; one without a listener prints raw stack traces.
  // The shared connection already logs them (above), so here they only reach debug.
  for (const queue of [...lanes.values(), publishQueue]) {
    queue.on('error', (error) => logger.debug({ err: error.message, queue: queue.name }, 'queue error'));
  }
  const results = openResultsDb({
    dataDir: path.resolve(env.DATA_DIR),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  });
  const app = createApp({
    results,
    logger,
    runs,
    suite: suiteProvider(suiteFile, suite),
    targets,
    minions,
    apiKeys,
    publicReads: env.PUBLIC_READS,
    ...(env.GITHUB_WEBHOOK_SECRET ? { webhookSecret: env.GITHUB_WEBHOOK_SECRET } : {}),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    boardQueues: [...lanes.values(), publishQueue],
  });

  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: host }, (info) => {
    logger.info(
      {
        url: `http://${host}:${info.port}`,
        redis: redactUrl(env.REDIS_URL),
        minions: minions.map((m) => m.name),
        nightly: env.NIGHTLY_ENABLED ? `${env.NIGHTLY_CRON} ${env.NIGHTLY_TZ}` : 'off',
      },
      'api listening',
    );
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'api shutting down');
    server.close(async () => {
      await Promise.all([...lanes.values(), publishQueue].map((q) => q.close()));
      await results.close().catch(() => undefined);
      await redis.quit().catch(() => undefined);
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: Error) => {
  process.stderr.write(`benchrunner api: ${error.message}\n`);
  process.exit(1);
});
