import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadInventory } from '@benchrunner/ansible';
import { archiveRootOf } from '@benchrunner/archive';
import { createLogger, LOCAL_MINION, loadSuite, type Minion } from '@benchrunner/core';
import { TargetResolver } from '@benchrunner/git';
import {
  cancelRequested,
  connectRedis,
  createRedis,
  enqueuePublish,
  enqueueRun,
  onCancelRequests,
  PUBLISH_QUEUE,
  publishBackoff,
  QUEUE_PREFIX,
} from '@benchrunner/queue';
import { openResultsDb, type StatusChange, suiteDetectSettings } from '@benchrunner/results-db';
import { type ArtifactStore, type MetricsSink, MissingDatabaseError } from '@benchrunner/sinks';
import { type CommandRunner, LocalRunner, SshRunner } from '@benchrunner/ssh';
import { Queue, Worker } from 'bullmq';
import { ActiveRuns } from './active-runs.ts';
import { createWorkerAlerts } from './alerts.ts';
import { annotationListener } from './annotations.ts';
import { workerBisections } from './bisection.ts';
import { createConfirmations, laneEnqueuer } from './confirmation.ts';
import { loadWorkerEnv } from './env.ts';
import { type Lane, startLane } from './lane.ts';
import { ansibleProvisioner } from './provisioner.ts';
import { createPublishProcessor, queueUnpublished, RESULTS_DB_SINK } from './publisher.ts';
import { RedisOutage } from './redis-outage.ts';
import { sweepArchive } from './retention.ts';
import { sinksFromEnv } from './sinks.ts';
import type { StatusListener } from './status-listeners.ts';
import { statusNewsHandler } from './status-news.ts';
import { removeStaleTmpDirs, workerTmpDir } from './tmp-dirs.ts';

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
  const archiveRoot = archiveRootOf(dataDir);
  await mkdir(archiveRoot, { recursive: true });
  // Temp folders of workers killed mid-run (nothing ran their cleanup).
  const tmpDir = workerTmpDir(dataDir);
  const staleTmp = await removeStaleTmpDirs(path.dirname(tmpDir));
  if (staleTmp.length > 0) logger.info({ removed: staleTmp }, 'removed temp folders of workers that died');
  // The suite's target is fetched once at start: a bad repository or branch stops the worker here.
  // A suite that does not load is reported by each run, as before.
  const targets = new TargetResolver({ gitRoot: path.join(dataDir, 'git') });
  const suite = await loadSuite(path.resolve(env.SUITE_FILE)).catch(() => undefined);
  if (suite) await targets.check(suite);

  const connection = createRedis(env.REDIS_URL, { name: 'benchrunner-worker' });
  const subscriber = createRedis(env.REDIS_URL, { name: 'benchrunner-worker-cancel' });
  const outage = new RedisOutage(logger);
  connection.on('error', (error) => outage.error('connection', error));
  subscriber.on('error', (error) => outage.error('subscriber', error));
  connection.on('ready', () => outage.ready());
  await connectRedis(connection, env.REDIS_URL, 10_000);
  await connectRedis(subscriber, env.REDIS_URL, 10_000);

  const minions: Minion[] = env.INVENTORY_FILE ? await loadInventory(env.INVENTORY_FILE) : [LOCAL_MINION];
  const active = new ActiveRuns();
  const unsubscribe = await onCancelRequests(subscriber, (runId, reason) => {
    if (active.cancel(runId, reason)) logger.info({ runId, reason }, 'cancel requested: aborting run');
  });

  // Publishing: the archive goes to the artifact store, the metrics to InfluxDB, retried for hours.
  const sinks = sinksFromEnv(env, archiveRoot);
  // A sink that is down or misconfigured at start is reported, never fatal: runs still archive.
  // Checked with a time limit: a sink that silently drops packets holds up the lanes 15 s at most
  // (the metrics sink's check is awaited: it may create the database).
  const checkSink = (sink: ArtifactStore | MetricsSink) =>
    sink.check({ signal: AbortSignal.timeout(15_000) }).then(
      () => logger.info({ sink: sink.name }, 'sink ready'),
      (error: Error) => {
        // Except a missing InfluxDB database these credentials may not create (the check creates
        // it when they may): every run's publishing would retry 404s for hours. The worker stops
        // here with the command that creates it.
        if (error instanceof MissingDatabaseError) throw error;
        logger.error(
          { sink: sink.name, reason: error.message },
          'sink not ready: runs will be published when it is',
        );
      },
    );
  if (sinks.artifactStore) void checkSink(sinks.artifactStore);
  if (sinks.metricsSink) await checkSink(sinks.metricsSink);
  // The results history is one more publish sink: written when a run ends, retried like the others.
  const resultsDb = openResultsDb({
    dataDir,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  });
  void resultsDb.check().then(
    () => logger.info({ sink: RESULTS_DB_SINK, db: resultsDb.location }, 'sink ready'),
    (error: Error) =>
      logger.warn(
        { sink: RESULTS_DB_SINK, reason: error.message },
        'sink not ready: runs will be written when it is',
      ),
  );
  const publishSinks = { ...sinks, resultsDb };
  // Alert channels (webhook, Slack, GitHub) from the environment; `alerts.statusChanged` is what a
  // regression's later status changes (confirmation, fixed) call.
  const alerts = createWorkerAlerts({
    env,
    redis: connection,
    resultsDb,
    archiveRoot,
    logger,
    ...(suite ? { suite } : {}),
  });
  const lanes: Lane[] = [];
  // Probes go to the lane of the regression's minion through the ordinary enqueue.
  const bisections = workerBisections({
    results: resultsDb,
    mirror: async () => (suite ? targets.mirror(suite) : undefined),
    enqueue: async (data) => {
      const lane = lanes.find((l) => l.minion === data.minion);
      if (!lane) throw new Error(`no lane for minion ${data.minion} in this worker`);
      return enqueueRun(lane.queue, data);
    },
    logger,
    // A culprit found is told to the alert channels once (the GitHub status moves to it).
    ...(alerts ? { onEnded: alerts.bisectionEnded } : {}),
  });
  const detectSettings = suite ? suiteDetectSettings(suite.spec) : undefined;
  // Told of every regression status the worker changes or detection makes (new suspicion,
  // confirmation started, confirmed, noise, fixed); the alert channels first: they deliver once per
  // record and status, so a retry is harmless. Then the Grafana annotation is rewritten. Then
  // bisection: a confirmed record whose range holds several commits is bisected (once).
  const annotate = annotationListener(
    { ...sinks, resultsDb, ...(env.PUBLIC_URL ? { publicApiUrl: env.PUBLIC_URL } : {}) },
    logger,
  );
  const statusListeners: StatusListener[] = [
    ...(alerts
      ? [({ regression, from }: StatusChange) => alerts.statusChanged(regression, from).then(() => undefined)]
      : []),
    ...(annotate ? [annotate] : []),
    ({ regression, to }: StatusChange) =>
      to === 'confirmed' ? bisections.onConfirmed(regression.id).then(() => undefined) : undefined,
  ];
  const confirmationLanes = laneEnqueuer(connection);
  const confirmations = createConfirmations({
    resultsDb,
    ...(detectSettings ? { settings: detectSettings } : {}),
    enqueue: confirmationLanes.enqueue,
    logger,
    onStatusChange: statusListeners,
  });
  // A run that will never report (removed from its lane while waiting, or failed before it archived
  // anything): the bisection skips its commit, the confirmation counts it as a run without results.
  const runLost = async (runId: string, data: unknown, reason: string) => {
    await bisections.onFailedUnarchived(runId, data, reason);
    await confirmations.afterLost(runId, data, reason);
  };
  const statusNews = statusNewsHandler({ resultsDb, listeners: statusListeners, confirmations, logger });
  const publishQueue = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const publishWorker = new Worker(
    PUBLISH_QUEUE,
    createPublishProcessor({
      archiveRoot,
      logger,
      ...publishSinks,
      ...(detectSettings ? { detectSettings } : {}),
      ...(env.PUBLIC_URL ? { publicApiUrl: env.PUBLIC_URL } : {}),
      confirmations,
      ...(alerts ? { alerts } : {}),
      onResultsStored: bisections.onResultsStored,
      onRunLost: runLost,
      onStatusNews: statusNews,
      onStatusChange: statusListeners,
    }),
    {
      connection,
      prefix: QUEUE_PREFIX,
      concurrency: env.PUBLISH_CONCURRENCY,
      lockDuration: env.LOCK_DURATION_MS,
      settings: { backoffStrategy: (attemptsMade: number) => publishBackoff(attemptsMade) },
    },
  );
  publishWorker.on('error', (error) => outage.error('publish worker', error));

  const connect = async (minion: Minion, signal: AbortSignal): Promise<CommandRunner> => {
    if (minion.kind === 'local')
      return new LocalRunner({ minion: minion.name, workDir: path.join(dataDir, 'minions', minion.name) });
    return SshRunner.connect(minion, { logger, signal });
  };

  // Runs archived while publishing could not be queued (Redis down, a crash) are queued now.
  void queueUnpublished({ archiveRoot, publishQueue, sinks: publishSinks, logger });

  for (const minion of minions) {
    lanes.push(
      await startLane({
        minion,
        connection,
        logger,
        lockDurationMs: env.LOCK_DURATION_MS,
        outage,
        onFailedUnarchived: runLost,
        deps: {
          suiteFile: path.resolve(env.SUITE_FILE),
          tmpDir,
          archiveRoot,
          logger,
          active,
          connect,
          ...(minion.kind === 'ssh' ? { provisioner: ansibleProvisioner(minion, { logger }) } : {}),
          forceProvision: env.PROVISION_ALWAYS,
          targets,
          cancelRequested: (runId) => cancelRequested(connection, runId),
          onArchived: async (manifest) => {
            await enqueuePublish(publishQueue, manifest.id);
          },
        },
      }),
    );
  }

  const sweep = () =>
    sweepArchive({
      archiveRoot,
      days: env.RETENTION_DAYS,
      sinks: { artifacts: Boolean(sinks.artifactStore), metrics: Boolean(sinks.metricsSink), results: true },
      logger,
    }).catch((error: Error) => logger.warn({ err: error }, 'retention sweep failed'));
  const retention = env.RETENTION_DAYS > 0 ? setInterval(sweep, 3600_000) : undefined;
  if (retention) void sweep();
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
    await Promise.all([...lanes.map((lane) => lane.worker.close()), publishWorker.close()]);
    if (retention) clearInterval(retention);
    clearTimeout(grace);
    await unsubscribe().catch(() => undefined);
    await Promise.all([
      ...lanes.map((lane) => lane.queue.close()),
      publishQueue.close(),
      confirmationLanes.close(),
    ]);
    await resultsDb.close().catch(() => undefined);
    subscriber.disconnect();
    await connection.quit().catch(() => undefined);
    logger.info('worker stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: Error) => {
  process.stderr.write(`benchrunner worker: ${error.message}\n`);
  process.exit(1);
});
