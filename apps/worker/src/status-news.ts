import { type Logger, NotFoundError } from '@benchrunner/core';
import type { StatusNewsJobData } from '@benchrunner/queue';
import type { Regression, RegressionStatus, ResultsDb } from '@benchrunner/results-db';
import type { Confirmations } from './confirmation.ts';
import { type StatusListener, tellListeners } from './status-listeners.ts';

/**
 * For `status` jobs of the publish queue: status changes made outside the worker (detection on
 * demand in the API). Each record is read again and its listeners told only while it still has the
 * status the change led to (a record confirmed since must not be announced as `suspected`); then
 * its fresh suspicions start their confirmations, as after a run.
 * @throws Error when a listener failed, after every change was told (the job retries).
 */
export function statusNewsHandler(deps: {
  resultsDb: ResultsDb;
  listeners: readonly StatusListener[];
  confirmations: Pick<Confirmations, 'afterFound'>;
  logger: Logger;
}): (news: StatusNewsJobData) => Promise<void> {
  const log = deps.logger.child({ part: 'status-news' });
  return async (news) => {
    const failures: string[] = [];
    const suspected: Regression[] = [];
    for (const { regression: id, from, to } of news.changes) {
      const regression = await deps.resultsDb.regression(id).catch((error: unknown) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
      if (!regression || regression.status !== to) {
        log.info(
          { regression: id, to, now: regression?.status ?? 'gone' },
          'status moved on since: not told',
        );
        continue;
      }
      log.info(
        { regression: id, from, to, source: news.source },
        `regression ${id}: ${from ?? 'new'} -> ${to}`,
      );
      const change = { regression, from: from as RegressionStatus | null, to: to as RegressionStatus };
      await tellListeners(deps.listeners, change, log).catch((error: Error) => failures.push(error.message));
      if (to === 'suspected') suspected.push(regression);
    }
    await deps.confirmations.afterFound(suspected);
    if (failures.length > 0) throw new Error(failures.join('; '));
  };
}
