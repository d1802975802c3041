import type { Kysely } from 'kysely';
import type { RunRows } from './rows.ts';
import type { Database } from './schema.ts';

/** Rows per INSERT: 1,000 points x 12 columns stays under SQLite's and PostgreSQL's parameter limits. */
const BATCH = 1000;

const RUN_COLUMNS = [
  'project',
  'minion',
  'commit',
  'branch',
  'trigger',
  'priority',
  'pr_number',
  'state',
  'started_at',
  'finished_at',
  'duration_ms',
  'suite_hash',
  'environment_fingerprint',
  'cid',
  'first_parent_depth',
  'noisy',
  'noise_verdict',
  'noise_cv',
  'noise_shift',
  'noise',
  'probe',
] as const;

/**
 * Writes one run's rows (from `runRows`): the run, its commit, series and points in one
 * transaction, replacing the run's earlier copy, and bumps `history_version` so cached histories
 * are read again.
 */
export async function writeRun(db: Kysely<Database>, rows: RunRows): Promise<{ points: number }> {
  await db.transaction().execute(async (trx) => {
    // Replacing the run's points makes a retried or repeated write leave exactly one copy.
    await trx.deleteFrom('points').where('run_id', '=', rows.run.id).execute();
    if (rows.commit) {
      await trx
        .insertInto('commits')
        .values(rows.commit)
        .onConflict((oc) => oc.column('sha').doNothing())
        .execute();
    }
    await trx
      .insertInto('runs')
      .values(rows.run)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) =>
            Object.fromEntries(RUN_COLUMNS.map((column) => [column, eb.ref(`excluded.${column}`)])),
          ),
      )
      .execute();
    for (let i = 0; i < rows.series.length; i += BATCH) {
      await trx
        .insertInto('series')
        .values(rows.series.slice(i, i + BATCH))
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
    for (let i = 0; i < rows.points.length; i += BATCH) {
      await trx
        .insertInto('points')
        .values(rows.points.slice(i, i + BATCH))
        .execute();
    }
    // Last, so concurrent ingests hold the row lock only while committing; in the same
    // transaction, so a reader never sees the new version without the new rows.
    await trx
      .updateTable('history_version')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('id', '=', 1)
      .execute();
  });
  return { points: rows.points.length };
}
