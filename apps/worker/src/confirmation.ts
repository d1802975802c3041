import { type Logger, NotFoundError, RunJobData, type RunManifest } from '@benchrunner/core';
import { enqueueRun, laneName, QUEUE_PREFIX } from '@benchrunner/queue';
import {
  AUTO_CONFIRM_FROM,
  confirmRounds,
  type DetectSettingsOf,
  type Regression,
  type ResultsDb,
  type StatusChange,
  startConfirmation,
} from '@benchrunner/results-db';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type StatusListener, tellListeners } from './status-listeners.ts';

export interface ConfirmationDeps {
  resultsDb: ResultsDb;
  /** The suite's `detect` settings per benchmark: `confirm`, `maxPValue`, `minChange`, `direction`. */
  settings?: DetectSettingsOf;
  /** Queues one run with the given id on its minion's lane. */
  enqueue(data: RunJobData, id: string): Promise<unknown>;
  logger: Logger;
  onStatusChange?: readonly StatusListener[];
}

export interface Confirmations {
  /**
   * After a run's results are stored and detection found `found`: a confirmation run's arrival
   * may decide its record; a fresh suspicion starts a confirmation (unless `detect.confirm` is false).
   */
  afterResults(manifest: RunManifest, found: readonly Regression[]): Promise<void>;
  /**
   * A run that will never report (it left its lane before it ran, or failed before it archived
   * anything): when it was a confirmation run, it counts as one without results, and its record is
   * decided if it was the last run missing. At least once: told again, listeners hear again.
   */
  afterLost(runId: string, data: unknown, reason: string): Promise<void>;
  /** Records detection found outside a run (on demand): each fresh suspicion starts a confirmation. */
  afterFound(found: readonly Regression[]): Promise<void>;
}

/** The status each outcome leaves a record in. */
const DECIDED = { confirmed: 'confirmed', noise: 'noise', undecided: 'suspected' } as const;

/** Confirmation of suspected changes, driven by the publish step. */
export function createConfirmations(deps: ConfirmationDeps): Confirmations {
  const log = deps.logger.child({ part: 'confirmation' });
  const settings = deps.settings ? { settings: deps.settings } : {};

  const dispatch = async (change: StatusChange) => {
    const { regression, from, to } = change;
    const result = regression.confirmation?.result;
    log.info(
      {
        regression: regression.id,
        from,
        to,
        change: result?.change,
        pValue: result?.pValue,
        reason: result?.reason,
      },
      `regression ${regression.id}: ${from} -> ${to}`,
    );
    await tellListeners(deps.onStatusChange, change, log);
  };

  /** The decision of a confirmation, made now or (a retry of this publish) before: listeners hear it again. */
  const decision = async (
    regressionId: string,
    runId: string,
    settle = () => deps.resultsDb.settleConfirmation(regressionId, settings),
  ): Promise<StatusChange | null> => {
    const change = await settle();
    if (change) return change;
    const regression = await deps.resultsDb.regression(regressionId);
    const confirmation = regression.confirmation;
    const ours = confirmation?.runs.some((r) => r.runId === runId);
    const decided = confirmation?.result ? DECIDED[confirmation.result.outcome] : undefined;
    return ours && decided === regression.status ? { regression, from: 'confirming', to: decided } : null;
  };

  /** Decides (or re-tells) the record of a confirmation run; a record removed since is left alone. */
  const decideFor = async (
    regressionId: string,
    runId: string,
    settle?: () => Promise<StatusChange | null>,
  ) => {
    try {
      const change = await decision(regressionId, runId, settle);
      if (change) await dispatch(change);
    } catch (error) {
      // A record removed since (a database rebuilt without it) leaves nothing to decide.
      if (!(error instanceof NotFoundError)) throw error;
      log.warn({ regression: regressionId, runId }, 'confirmation run of an unknown record');
    }
  };

  /** Each fresh suspicion (or one whose confirmation could not decide) starts a confirmation. */
  const afterFound = async (found: readonly Regression[]): Promise<void> => {
    for (const regression of found) {
      // A fresh suspicion, or one whose confirmation could not decide (runs that could not be
      // queued: the publish retry lands here again).
      const undecided = regression.confirmation?.result?.outcome === 'undecided';
      const rounds = confirmRounds(deps.settings?.(regression.series.benchmark));
      if (rounds === null) continue;
      if (regression.status === 'confirming' && regression.confirmation?.result === null) {
        // Started by an earlier attempt of this publish: listeners hear it again.
        await dispatch({ regression, from: 'suspected', to: 'confirming' });
        continue;
      }
      if (regression.status !== 'suspected' || (regression.confirmation !== null && !undecided)) continue;
      const change = await startConfirmation({
        db: deps.resultsDb,
        regression,
        rounds,
        from: AUTO_CONFIRM_FROM,
        enqueue: deps.enqueue,
      });
      if (change) await dispatch(change);
    }
  };

  return {
    async afterLost(runId, data, reason) {
      const probe = RunJobData.safeParse(data).data?.probe;
      if (probe?.kind !== 'confirmation') return;
      log.warn({ regression: probe.regression, runId, reason }, 'a confirmation run will not report');
      await decideFor(probe.regression, runId, () =>
        deps.resultsDb.loseConfirmationRun(probe.regression, runId, reason, settings),
      );
    },
    async afterResults(manifest, found) {
      const probe = manifest.request.probe;
      if (probe?.kind === 'confirmation') {
        await decideFor(probe.regression, manifest.id);
        return;
      }
      await afterFound(found);
    },
    afterFound,
  };
}

/** Queues runs on any minion's lane (this worker's or another's), one queue per lane, kept open. */
export function laneEnqueuer(connection: Redis): {
  enqueue(data: RunJobData, id: string): Promise<unknown>;
  close(): Promise<void>;
} {
  const queues = new Map<string, Queue>();
  return {
    enqueue: (data, id) => {
      let queue = queues.get(data.minion);
      if (!queue) {
        queue = new Queue(laneName(data.minion), { connection, prefix: QUEUE_PREFIX });
        queues.set(data.minion, queue);
      }
      return enqueueRun(queue, data, id);
    },
    close: async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
