import {
  ArchiveReadError,
  behindCid,
  finishedRuns,
  fullyPublished,
  type PublishReceipts,
  readManifest,
  readReceipts,
  runDir,
  writeReceipts,
} from '@benchrunner/archive';
import type { Logger, RunManifest } from '@benchrunner/core';
import {
  enqueuePublish,
  LOST_RUN_JOB,
  LostRunJobData,
  PublishJobData,
  publishJobId,
  STATUS_NEWS_JOB,
  StatusNewsJobData,
} from '@benchrunner/queue';
import type { DetectSettingsOf, ResultsDb } from '@benchrunner/results-db';
import { type ArtifactStore, type MetricsSink, runPoints } from '@benchrunner/sinks';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { WorkerAlerts } from './alerts.ts';
import { annotateRegressions } from './annotations.ts';
import type { Confirmations } from './confirmation.ts';
import { warnSkipped } from './skipped-runs.ts';
import { type StatusListener, tellListeners } from './status-listeners.ts';

/** Where a run's results database write failed, in `receipts.errors`. */
export const RESULTS_DB_SINK = 'results-db';

export interface PublishDeps {
  archiveRoot: string;
  logger: Logger;
  artifactStore?: ArtifactStore;
  metricsSink?: MetricsSink;
  resultsDb?: ResultsDb;
  /** The suite's `detect` settings per benchmark, for the detection after each results write. */
  detectSettings?: DetectSettingsOf;
  /** The API's URL as people reach it: Grafana annotations link to regression pages there. */
  publicApiUrl?: string;
  /** Sends pull request reports and the records detection found; a delivery failure retries the job. */
  alerts?: Pick<WorkerAlerts, 'afterDetection'>;
  /** Called once a run's results are in the results database (a bisection probe takes its next step). */
  onResultsStored?: (manifest: RunManifest) => Promise<void>;
  /** Confirmation of what detection found, and of the confirmation runs themselves. */
  confirmations?: Confirmations;
  /**
   * A `lost` job: a run left its lane before it ran (removed while waiting), so nothing will be
   * published for it; what waited for it (a confirmation, a bisection) is told. Throws to retry.
   */
  onRunLost?: (runId: string, data: unknown, reason: string) => Promise<void>;
  /** A `status` job: status changes made outside the worker (detection on demand). Throws to retry. */
  onStatusNews?: (news: StatusNewsJobData) => Promise<void>;
  /** Told of the status changes detection made: new `suspected` records, records now `fixed`. */
  onStatusChange?: readonly StatusListener[];
}

/**
 * Publishes a run's archive to every sink that has not confirmed it yet, recording each receipt
 * as soon as it arrives. The artifact store goes first so metric points carry the CID; when it
 * fails, the metrics are still written and written again with the CID on a later attempt (their
 * timestamps are deterministic, so that overwrites rather than duplicates). Any failure throws, and
 * BullMQ retries the job with a capped exponential backoff.
 */
export function createPublishProcessor(deps: PublishDeps) {
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<PublishReceipts> => {
    if (job.name === LOST_RUN_JOB) {
      const lost = LostRunJobData.safeParse(job.data);
      if (!lost.success) throw new UnrecoverableError(`invalid lost-run job data: ${lost.error.message}`);
      deps.logger.info(
        { runId: lost.data.runId, reason: lost.data.reason },
        'run left its lane before it ran',
      );
      await deps.onRunLost?.(lost.data.runId, lost.data.data, lost.data.reason);
      // Nothing of it was published: no receipts.
      return { errors: {} };
    }
    if (job.name === STATUS_NEWS_JOB) {
      const news = StatusNewsJobData.safeParse(job.data);
      if (!news.success) throw new UnrecoverableError(`invalid status job data: ${news.error.message}`);
      await deps.onStatusNews?.(news.data);
      return { errors: {} };
    }
    const parsed = PublishJobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid publish job data: ${parsed.error.message}`);
    const { runId, force } = parsed.data;
    const log = deps.logger.child({ runId, job: 'publish' });
    const dir = runDir(deps.archiveRoot, runId);
    let manifest: RunManifest;
    try {
      manifest = await readManifest(deps.archiveRoot, runId);
    } catch (error) {
      if (!(error instanceof ArchiveReadError)) throw error;
      throw new UnrecoverableError(`cannot read the archive of run ${runId} at ${dir}: ${error.message}`);
    }
    const receipts = await readReceipts(deps.archiveRoot, runId);
    // Forced (on demand, first attempt only): every sink again, since their writes are idempotent;
    // a sink that fails keeps its earlier receipt.
    const again = Boolean(force) && job.attemptsMade === 0;
    const opts = signal ? { signal } : {};
    const failures: string[] = [];

    if (deps.artifactStore && (again || !receipts.artifacts)) {
      try {
        const receipt = await deps.artifactStore.publish(dir, opts);
        receipts.artifacts = { store: deps.artifactStore.name, ...receipt, at: new Date().toISOString() };
        delete receipts.errors[deps.artifactStore.name];
        log.info({ cid: receipt.cid, store: deps.artifactStore.name }, 'archive published');
      } catch (error) {
        receipts.errors[deps.artifactStore.name] = (error as Error).message;
        failures.push(`${deps.artifactStore.name}: ${(error as Error).message}`);
      }
      await writeReceipts(deps.archiveRoot, runId, receipts);
    }

    const cid = receipts.artifacts?.cid;
    if (deps.metricsSink && (again || behindCid(receipts.metrics, cid))) {
      try {
        const points = runPoints(manifest, cid ? { cid } : {});
        const written = await deps.metricsSink.write(points, opts);
        receipts.metrics = {
          sink: deps.metricsSink.name,
          points: written.points,
          ...(cid ? { cid } : {}),
          at: new Date().toISOString(),
        };
        delete receipts.errors[deps.metricsSink.name];
        log.info({ points: written.points, sink: deps.metricsSink.name, cid }, 'metrics published');
      } catch (error) {
        receipts.errors[deps.metricsSink.name] = (error as Error).message;
        failures.push(`${deps.metricsSink.name}: ${(error as Error).message}`);
      }
      await writeReceipts(deps.archiveRoot, runId, receipts);
    }

    if (deps.resultsDb && (again || behindCid(receipts.results, cid))) {
      try {
        const written = await deps.resultsDb.ingestRun(manifest, cid ? { cid } : {});
        // Detection is part of this sink: it is idempotent, and a failure leaves no receipt,
        // so the retry writes and detects again.
        // Probe runs are evidence for a regression, not history: nothing to detect on them.
        const { found, changes } = manifest.request.probe
          ? { found: [], changes: [] }
          : await deps.resultsDb.detectRunChanges(runId, {
              ...(deps.detectSettings ? { settings: deps.detectSettings } : {}),
            });
        await annotateRegressions({ ...deps, resultsDb: deps.resultsDb, ...opts }, found, log);
        // Before confirmation starts: a listener must not hear `suspected` after `confirming`.
        for (const change of changes) await tellListeners(deps.onStatusChange, change, log);
        for (const r of found) {
          log.warn(
            { regression: r.id, kind: r.kind, detector: r.detector, series: r.series, change: r.change },
            `suspected ${r.kind}`,
          );
        }
        // Idempotent too: a retry starts nothing already started and decides nothing twice.
        await deps.confirmations?.afterResults(manifest, found);
        await deps.alerts?.afterDetection(manifest, found);
        receipts.results = {
          db: deps.resultsDb.name,
          points: written.points,
          ...(cid ? { cid } : {}),
          at: new Date().toISOString(),
        };
        delete receipts.errors[RESULTS_DB_SINK];
        log.info({ points: written.points, db: deps.resultsDb.name, cid }, 'results written');
        await deps.onResultsStored?.(manifest);
      } catch (error) {
        receipts.errors[RESULTS_DB_SINK] = (error as Error).message;
        failures.push(`${RESULTS_DB_SINK}: ${(error as Error).message}`);
      }
      await writeReceipts(deps.archiveRoot, runId, receipts);
    }

    await job.updateProgress(receipts);
    if (failures.length > 0) {
      const next =
        job.attemptsMade + 1 < (job.opts.attempts ?? 1)
          ? 'will retry'
          : 'no attempts left: POST /runs/:id/publish to try again';
      log.warn({ failures, attempt: job.attemptsMade + 1 }, `publishing incomplete, ${next}`);
      throw new Error(`publishing incomplete (${next}): ${failures.join('; ')}`);
    }
    return receipts;
  };
}

/**
 * Queues publishing for every finished run in the archive that the configured sinks have not all
 * confirmed and that has no publish job: runs whose publishing could not be queued when they
 * finished. Idempotent (one job id per run).
 */
export async function queueUnpublished(options: {
  archiveRoot: string;
  publishQueue: Queue;
  sinks: { artifactStore?: ArtifactStore; metricsSink?: MetricsSink; resultsDb?: ResultsDb };
  logger: Logger;
}): Promise<number> {
  const configured = {
    artifacts: Boolean(options.sinks.artifactStore),
    metrics: Boolean(options.sinks.metricsSink),
    results: Boolean(options.sinks.resultsDb),
  };
  if (!configured.artifacts && !configured.metrics && !configured.results) return 0;
  let queued = 0;
  try {
    const runs = finishedRuns(options.archiveRoot, {
      onSkipped: (skipped) => warnSkipped(options.logger, skipped),
    });
    for await (const run of runs) {
      if (run.receipts && fullyPublished(run.receipts, configured)) continue;
      if (await options.publishQueue.getJob(publishJobId(run.id))) continue;
      await enqueuePublish(options.publishQueue, run.id);
      queued++;
    }
  } catch (error) {
    options.logger.warn({ err: error }, 'could not look for unpublished runs');
  }
  if (queued > 0) options.logger.info({ runs: queued }, 'queued publishing of archived runs that had none');
  return queued;
}
