import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Logger, RunManifest } from '@benchrunner/core';
import { enqueuePublish, PublishJobData, publishJobId } from '@benchrunner/queue';
import type { DetectSettingsOf, ResultsDb } from '@benchrunner/results-db';
import { type ArtifactStore, type MetricsSink, runPoints } from '@benchrunner/sinks';
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import type { Confirmations } from './confirmation.ts';

/** What each sink confirmed for a run. Kept beside the archive: `runs/<id>.publish.json`. */
export const PublishReceipts = z.object({
  artifacts: z
    .object({
      store: z.string(),
      cid: z.string(),
      url: z.string().optional(),
      file: z.string().optional(),
      at: z.string(),
    })
    .optional(),
  metrics: z
    .object({ sink: z.string(), points: z.number().int(), cid: z.string().optional(), at: z.string() })
    .optional(),
  /** The results database (history): one row per series point, rewritten idempotently. */
  results: z
    .object({ db: z.string(), points: z.number().int(), cid: z.string().optional(), at: z.string() })
    .optional(),
  /** The last failure of each sink, for the run's publish state. */
  errors: z.record(z.string(), z.string()).default({}),
});
export type PublishReceipts = z.infer<typeof PublishReceipts>;

export function receiptsFile(archiveRoot: string, runId: string): string {
  // Outside the run's folder: the folder's CID must not depend on whether it was published.
  return path.join(archiveRoot, `${runId}.publish.json`);
}

export async function readReceipts(archiveRoot: string, runId: string): Promise<PublishReceipts> {
  try {
    return PublishReceipts.parse(JSON.parse(await readFile(receiptsFile(archiveRoot, runId), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { errors: {} };
    throw error;
  }
}

async function writeReceipts(archiveRoot: string, runId: string, receipts: PublishReceipts): Promise<void> {
  const file = receiptsFile(archiveRoot, runId);
  await writeFile(`${file}.tmp`, `${JSON.stringify(receipts, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}

/** True when a sink's receipt is missing or lacks the archive's CID it should carry. */
function behindCid(receipt: { cid?: string } | undefined, cid: string | undefined): boolean {
  return !receipt || (cid !== undefined && receipt.cid !== cid);
}

/** True when every configured sink has confirmed the run (and the metrics and results carry the CID). */
export function fullyPublished(
  receipts: PublishReceipts,
  sinks: { artifacts: boolean; metrics: boolean; results?: boolean },
): boolean {
  if (sinks.artifacts && !receipts.artifacts) return false;
  const cid = receipts.artifacts?.cid;
  if (sinks.metrics && behindCid(receipts.metrics, cid)) return false;
  if (sinks.results && behindCid(receipts.results, cid)) return false;
  return true;
}

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
  /** Confirmation of what detection found, and of the confirmation runs themselves. */
  confirmations?: Confirmations;
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
    const parsed = PublishJobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid publish job data: ${parsed.error.message}`);
    const { runId, force } = parsed.data;
    const log = deps.logger.child({ runId, job: 'publish' });
    const dir = path.join(deps.archiveRoot, runId);
    let manifest: RunManifest;
    try {
      manifest = RunManifest.parse(JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')));
    } catch (error) {
      throw new UnrecoverableError(
        `cannot read the archive of run ${runId} at ${dir}: ${(error as Error).message}`,
      );
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
        const found = await deps.resultsDb.detectRun(runId, {
          ...(deps.detectSettings ? { settings: deps.detectSettings } : {}),
        });
        for (const r of found) {
          log.warn(
            { regression: r.id, kind: r.kind, detector: r.detector, series: r.series, change: r.change },
            `suspected ${r.kind}`,
          );
        }
        // Idempotent too: a retry starts nothing already started and decides nothing twice.
        await deps.confirmations?.afterResults(manifest, found);
        receipts.results = {
          db: deps.resultsDb.name,
          points: written.points,
          ...(cid ? { cid } : {}),
          at: new Date().toISOString(),
        };
        delete receipts.errors[RESULTS_DB_SINK];
        log.info({ points: written.points, db: deps.resultsDb.name, cid }, 'results written');
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
    for (const entry of await readdir(options.archiveRoot, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      let manifest: { finishedAt?: string };
      try {
        manifest = JSON.parse(
          await readFile(path.join(options.archiveRoot, entry.name, 'manifest.json'), 'utf8'),
        );
      } catch {
        continue;
      }
      if (!manifest.finishedAt) continue;
      const receipts = await readReceipts(options.archiveRoot, entry.name).catch(() => undefined);
      if (receipts && fullyPublished(receipts, configured)) continue;
      if (await options.publishQueue.getJob(publishJobId(entry.name))) continue;
      await enqueuePublish(options.publishQueue, entry.name);
      queued++;
    }
  } catch (error) {
    options.logger.warn({ err: error }, 'could not look for unpublished runs');
  }
  if (queued > 0) options.logger.info({ runs: queued }, 'queued publishing of archived runs that had none');
  return queued;
}
