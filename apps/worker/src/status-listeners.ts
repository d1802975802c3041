import type { Logger } from '@benchrunner/core';
import type { StatusChange } from '@benchrunner/results-db';

/**
 * Told of every status change of a regression record that the worker makes or sees: detection's
 * new `suspected` records and `fixed` ones (from the publish step), `suspected` -> `confirming`
 * when a confirmation starts, `confirming` -> `confirmed`, `noise` or (undecided) `suspected` when
 * it ends. Called after the change is stored, at least once: a listener that throws fails the
 * publish job (after every listener was called), and its retry tells every listener again. So a
 * listener must be idempotent (e.g. once per record and status).
 */
export type StatusListener = (change: StatusChange) => Promise<void> | void;

/**
 * Tells every listener of `change`, in order, each even when one before it failed.
 * @throws Error naming the change and every failure, once all were told.
 */
export async function tellListeners(
  listeners: readonly StatusListener[] | undefined,
  change: StatusChange,
  log: Logger,
): Promise<void> {
  const { regression, from, to } = change;
  const failures: string[] = [];
  for (const listener of listeners ?? []) {
    try {
      await listener(change);
    } catch (error) {
      log.error({ err: error, regression: regression.id, to }, 'a status change listener failed');
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `regression ${regression.id} ${from ?? 'new'} -> ${to}: listeners failed: ${failures.join('; ')}`,
    );
  }
}
