import { newRunId, type RunJobData } from '@benchrunner/core';
import { confirmationJob, planConfirmation } from './confirmations.ts';
import type { Regression, RegressionStatus, ResultsDb, StatusChange } from './results-db.ts';

/** Statuses a confirmation starts from by itself: a fresh suspicion. */
export const AUTO_CONFIRM_FROM: readonly RegressionStatus[] = ['suspected'];

/**
 * Statuses a confirmation may be (re)started from by hand: a record someone acknowledged, or
 * that a later change point fixed, is settled.
 */
export const CONFIRMABLE: readonly RegressionStatus[] = ['suspected', 'confirming', 'confirmed', 'noise'];

export interface StartConfirmationOptions {
  db: ResultsDb;
  regression: Regression;
  /** Runs of each side. */
  rounds: number;
  /** Statuses it may start from; another status (or a caller that started it first) starts nothing. */
  from: readonly RegressionStatus[];
  /** Queues one run on the series' minion's lane with the given id. */
  enqueue(data: RunJobData, id: string): Promise<unknown>;
}

/**
 * Starts a confirmation of a record: plans its runs (baseline and suspect alternating), sets
 * `confirming`, and queues the runs in order (same priority, so the lane runs them A B A B ...).
 * Null when nothing started: a record without a last good commit, a status not in `from`, or
 * another caller first. A queue failure records an `undecided` result (status back to
 * `suspected`) and throws.
 */
export async function startConfirmation(options: StartConfirmationOptions): Promise<StatusChange | null> {
  const { db, regression } = options;
  if (!regression.lastGood) return null;
  const runs = planConfirmation(regression.lastGood.commit, regression.firstBad.commit, options.rounds, () =>
    newRunId(),
  );
  const begun = await db.beginConfirmation(regression.id, runs, options.from);
  if (!begun) return null;
  const requestedAt = new Date().toISOString();
  try {
    for (const run of runs) {
      await options.enqueue(confirmationJob(regression.id, regression.series, run, requestedAt), run.runId);
    }
  } catch (error) {
    await db
      .settleConfirmation(regression.id, {
        failure: `could not queue the confirmation runs: ${(error as Error).message}`,
      })
      .catch(() => undefined);
    throw error;
  }
  return begun;
}
