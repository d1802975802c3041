import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, createLogger, LOCAL_MINION, type Minion } from '@benchrunner/core';
import { cancelRequested, connectRedis, createRedis, onCancelRequests } from '@benchrunner/queue';
import { type CommandRunner, LocalRunner } from '@benchrunner/ssh';
import { ActiveRuns } from './active-runs.ts';
import { loadWorkerEnv } from './env.ts';
import { type Lane, startLane } from './lane.ts';

async function main(): Promise<void> {
  let env: ReturnType<typeof loadWorkerEnv>;
  try {
    env = loadWorkerEnv();
  } catch (error) {
    process.stderr.write(`benchrunner worker: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ name: 'worker', level: env.LOG_LEVEL });
  const dataDir = path.resolve(env.DATA_DIR);
  const archiveRoot = path.join(dataDir, 'runs');
  await mkdir(archiveRoot, { recursive: true });

  const connection = createRedis(env.REDIS_URL, { name: 'benchrunner-worker' });
  const subscriber = createRedis(env.REDIS_URL, { name: 'benchrunner-worker-cancel' });
  connection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  subscriber.on('error', (error) => logger.warn({ err: error }, 'redis subscriber error'));
  await connectRedis(connection, env.REDIS_URL, 10_000);
  await connectRedis(subscriber, env.REDIS_URL, 10_000);

  const minions: Minion[] = env.INVENTORY_FILE ? await loadMinions(env.INVENTORY_FILE) : [LOCAL_MINION];
  const active = new ActiveRuns();
  const unsubscribe = await onCancelRequests(subscriber, (runId, reason) => {
    if (active.cancel(runId, reason)) logger.info({ runId, reason }, 'cancel requested: aborting run');
  });

  const connect = async (minion: Minion): Promise<CommandRunner> => {
    if (minion.kind === 'local')
      return new LocalRunner({ minion: minion.name, workDir: path.join(dataDir, 'minions', minion.name) });
    throw new ConfigError(`minion ${minion.name}: SSH minions are not supported by this build`);
  };

  const lanes: Lane[] = [];
  for (const minion of minions) {
    lanes.push(
      await startLane({
        minion,
        connection,
        logger,
        lockDurationMs: env.LOCK_DURATION_MS,
        deps: {
          suiteFile: path.resolve(env.SUITE_FILE),
          archiveRoot,
          logger,
          active,
          connect,
          forceProvision: env.PROVISION_ALWAYS,
          cancelRequested: (runId) => cancelRequested(connection, runId),
        },
      }),
    );
  }
  logger.info({ minions: minions.map((m) => m.name), dataDir, suite: env.SUITE_FILE }, 'worker ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: aborting active runs now');
      active.shutdown();
      return;
    }
    stopping = true;
    logger.info({ signal, active: active.size, graceSeconds: env.SHUTDOWN_GRACE_SECONDS }, 'shutting down');
    const grace = setTimeout(() => {
      const n = active.shutdown();
      if (n > 0) logger.warn({ runs: n }, 'grace period over: active runs aborted and requeued');
    }, env.SHUTDOWN_GRACE_SECONDS * 1000);
    // close() waits for the active run: it finishes, or the grace timer aborts and requeues it.
    await Promise.all(lanes.map((lane) => lane.worker.close()));
    clearTimeout(grace);
    await unsubscribe().catch(() => undefined);
    await Promise.all(lanes.map((lane) => lane.queue.close()));
    subscriber.disconnect();
    await connection.quit().catch(() => undefined);
    logger.info('worker stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

async function loadMinions(file: string): Promise<Minion[]> {
  const { loadInventory } = await import('@benchrunner/ansible');
  return loadInventory(file);
}

main().catch((error: Error) => {
  process.stderr.write(`benchrunner worker: ${error.message}\n`);
  process.exit(1);
});
