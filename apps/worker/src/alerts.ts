import {
  type AlertChannels,
  AlertDeliveryError,
  type AlertOutcome,
  latestRunOf,
  Notifier,
  pullRequestOf,
  pullRequestReport,
  redisDeliveryLog,
  repositoryFromUrl,
} from '@benchrunner/alerts';
import { readManifest } from '@benchrunner/archive';
import {
  GitHubRepository,
  type Logger,
  NotFoundError,
  type RunManifest,
  type Suite,
} from '@benchrunner/core';
import type { Bisection, Regression, RegressionStatus, ResultsDb } from '@benchrunner/results-db';
import type { Redis } from 'ioredis';
import type { WorkerEnv } from './env.ts';

/** What the worker tells people: regression status changes and pull request reports. */
export interface WorkerAlerts {
  /**
   * After a run's results were stored and detected: a pull request run is reported against its base
   * branch; each record detection returned is sent as a status change from `null` (the delivery log
   * drops what was sent before, so records found again are not sent again).
   * @throws AlertDeliveryError when a channel failed after its retries: the publish job retries.
   */
  afterDetection(manifest: RunManifest, found: readonly Regression[]): Promise<void>;
  /**
   * A regression record's status changed (`previous`: its status before, null for a new record):
   * sent to every configured channel when the status is one the suite (or ALERT_ON) asks for, once
   * per record and status whoever calls. Call it after the new status is stored.
   * @throws AlertDeliveryError when a channel failed after its retries (call again later).
   */
  statusChanged(regression: Regression, previous: RegressionStatus | null): Promise<AlertOutcome>;
  /**
   * A bisection ended: when `done` with a culprit, its record's channels are told once (per
   * record and culprit, whoever calls). A bisection of no record (or of one since removed) tells
   * nobody.
   * @throws AlertDeliveryError when a channel failed after its retries (call again later).
   */
  bisectionEnded(bisection: Bisection): Promise<void>;
}

/** The channels the environment configures; none: alerts are off. */
function alertChannels(env: WorkerEnv): AlertChannels {
  return {
    ...(env.ALERT_WEBHOOK_URL && env.ALERT_WEBHOOK_SECRET
      ? { webhook: { url: env.ALERT_WEBHOOK_URL, secret: env.ALERT_WEBHOOK_SECRET } }
      : {}),
    ...(env.SLACK_WEBHOOK_URL ? { slackUrl: env.SLACK_WEBHOOK_URL } : {}),
    ...(env.GITHUB_TOKEN
      ? {
          github: {
            apiUrl: env.GITHUB_API_URL,
            token: env.GITHUB_TOKEN,
            ...(env.GITHUB_REPOSITORY ? { repository: env.GITHUB_REPOSITORY } : {}),
          },
        }
      : {}),
  };
}

export interface WorkerAlertsDeps {
  env: WorkerEnv;
  /** Remembers deliveries (keep Redis persistent: AOF). */
  redis: Redis;
  resultsDb: ResultsDb;
  archiveRoot: string;
  suite?: Suite;
  logger: Logger;
}

/** The worker's alerts, or undefined when no channel is configured. */
export function createWorkerAlerts(deps: WorkerAlertsDeps): WorkerAlerts | undefined {
  const channels = alertChannels(deps.env);
  if (!channels.webhook && !channels.slackUrl && !channels.github) return undefined;
  const spec = deps.suite?.spec;
  const logger = deps.logger.child({ component: 'alerts' });
  const publicUrl = deps.env.PUBLIC_URL?.replace(/\/+$/, '');
  const notifier = new Notifier({
    channels,
    deliveries: redisDeliveryLog(deps.redis),
    logger,
    context: { project: spec?.project ?? 'benchmarks', ...(publicUrl ? { publicUrl } : {}) },
    on: deps.env.ALERT_ON,
    ...(spec?.alerts ? { suite: spec.alerts } : {}),
    targetRepository: spec?.target ? repositoryFromUrl(spec.target.repository) : null,
  });

  const readBaseManifest = async (runId: string): Promise<RunManifest | null> => {
    try {
      return await readManifest(deps.archiveRoot, runId);
    } catch (error) {
      logger.warn({ runId, err: error }, 'base run not in the archive: pull request reported without it');
      return null;
    }
  };

  const reportPullRequest = async (manifest: RunManifest): Promise<boolean> => {
    const pullRequest = pullRequestOf(manifest, spec?.target?.branch ?? 'main');
    // Confirmation and bisection runs are evidence for a record, not reports.
    if (!pullRequest || manifest.request.probe) return Boolean(pullRequest);
    const baseId = await latestRunOf(deps.resultsDb, {
      branch: pullRequest.baseBranch,
      minion: manifest.minion,
      benchmarks: [...new Set(manifest.results.map((r) => r.benchmark))],
    });
    const base = baseId ? await readBaseManifest(baseId) : null;
    const minChange = spec?.detect?.minChange;
    const report = pullRequestReport(
      manifest,
      pullRequest,
      base,
      minChange !== undefined ? { minChange } : {},
    );
    const repository = GitHubRepository.safeParse(manifest.request.trigger.detail.repository);
    await notifier.pullRequestRun(report, {
      ...(repository.success ? { repository: repository.data } : {}),
      ...(publicUrl ? { runUrl: `${publicUrl}/runs/${encodeURIComponent(manifest.id)}` } : {}),
    });
    return true;
  };

  return {
    async afterDetection(manifest, found) {
      if (await reportPullRequest(manifest)) return;
      const failures: string[] = [];
      for (const regression of found) {
        await notifier.statusChanged(regression, null).catch((error: Error) => {
          if (!(error instanceof AlertDeliveryError)) throw error;
          failures.push(error.message);
        });
      }
      if (failures.length > 0) throw new AlertDeliveryError(failures.join('; '));
    },
    statusChanged: (regression, previous) => notifier.statusChanged(regression, previous),
    async bisectionEnded(bisection) {
      if (bisection.status !== 'done' || !bisection.culprit || !bisection.regressionId) return;
      let regression: Regression;
      try {
        regression = await deps.resultsDb.regression(bisection.regressionId);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        logger.warn({ bisection: bisection.id }, 'culprit of an unknown record: not sent');
        return;
      }
      await notifier.culpritFound(regression, bisection);
    },
  };
}
