import { type BisectionDeps, onProbeLost, onProbeStored, startBisection } from '@benchrunner/bisect';
import type { RunManifest } from '@benchrunner/core';
import type { Bisection } from '@benchrunner/results-db';

/**
 * Bisection in the worker: a probe run's stored results go to its bisection, which enqueues the
 * next probe; a regression that becomes `confirmed` starts one.
 */
export function workerBisections(deps: BisectionDeps) {
  return {
    /** For the publisher: after a run's results are in the results database. */
    async onResultsStored(manifest: RunManifest): Promise<void> {
      // Every run: an identical waiting run (a manual one, another bisection's probe) may have
      // answered a probe's enqueue.
      try {
        await onProbeStored(deps, manifest);
      } catch (error) {
        // Thrown on: the publish job is retried, and the retry (idempotent) takes the step.
        deps.logger.error({ err: error, runId: manifest.id }, 'bisection could not take its next step');
        throw error;
      }
    },
    /** For the lane: a run failed with nothing archived; a probe's bisection skips its commit. */
    async onFailedUnarchived(runId: string, data: unknown, reason: string): Promise<void> {
      try {
        await onProbeLost(deps, runId, data, reason);
      } catch (error) {
        deps.logger.error({ err: error, runId }, 'bisection could not skip a lost probe');
      }
    },
    /**
     * For the confirmation step: call when a regression's status becomes `confirmed`. Starts a
     * bisection when its range holds more than one commit; returns it (null when none started).
     */
    async onConfirmed(regressionId: string): Promise<Bisection | null> {
      try {
        const regression = await deps.results.regression(regressionId);
        // Status listeners are told at least once: a bisection already started is the answer.
        if (regression.bisection) return regression.bisection;
        const started = await startBisection(deps, regression);
        if (!started.bisection) {
          deps.logger.info({ regression: regressionId, culprit: started.culprit.sha }, started.reason);
        }
        return started.bisection;
      } catch (error) {
        deps.logger.error({ err: error, regression: regressionId }, 'bisection could not start');
        return null;
      }
    },
  };
}
