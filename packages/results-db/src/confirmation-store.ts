import { NotFoundError } from '@benchrunner/core';
import type { Kysely } from 'kysely';
import { type Confirmation, type ConfirmationRun, decideConfirmation } from './confirmations.ts';
import type { DetectSettingsOf, Regression, RegressionStatus, StatusChange } from './results-db.ts';
import type { Database } from './schema.ts';

const STATUS_OF = { confirmed: 'confirmed', noise: 'noise', undecided: 'suspected' } as const;

async function current(db: Kysely<Database>, id: string) {
  const row = await db
    .selectFrom('regressions as g')
    .innerJoin('series as s', 's.key', 'g.series_key')
    .select([
      'g.status',
      'g.confirmation',
      'g.kind',
      'g.change',
      'g.series_key',
      's.benchmark',
      's.direction',
    ])
    .where('g.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError(`regression ${id}: no such record`);
  return row;
}

/**
 * Sets `confirming` with the planned runs, only if the record still has the status and
 * confirmation read here: of two callers at once, one wins.
 */
export async function beginConfirmation(
  db: Kysely<Database>,
  read: (id: string) => Promise<Regression>,
  id: string,
  runs: readonly ConfirmationRun[],
  from: readonly RegressionStatus[],
): Promise<StatusChange | null> {
  const row = await current(db, id);
  const status = row.status as RegressionStatus;
  if (!from.includes(status)) return null;
  const confirmation: Confirmation = { startedAt: new Date().toISOString(), runs: [...runs], result: null };
  let update = db
    .updateTable('regressions')
    .set({
      status: 'confirming',
      confirmation: JSON.stringify(confirmation),
      updated_at: confirmation.startedAt,
    })
    .where('id', '=', id)
    .where('status', '=', status);
  update =
    row.confirmation === null
      ? update.where('confirmation', 'is', null)
      : update.where('confirmation', '=', row.confirmation);
  const done = await update.executeTakeFirst();
  if (Number(done.numUpdatedRows) === 0) return null;
  return { regression: await read(id), from: status, to: 'confirming' };
}

/**
 * Decides a `confirming` record once every planned run is stored (failed runs count as stored:
 * they give no values), or at once with `failure`. The figures go on the record either way.
 */
export async function settleConfirmation(
  db: Kysely<Database>,
  read: (id: string) => Promise<Regression>,
  id: string,
  options: { settings?: DetectSettingsOf; failure?: string },
): Promise<StatusChange | null> {
  const row = await current(db, id);
  if (row.status !== 'confirming' || row.confirmation === null) return null;
  const confirmation = JSON.parse(row.confirmation) as Confirmation;
  if (confirmation.result) return null;
  const ids = confirmation.runs.map((r) => r.runId);
  if (!options.failure) {
    // Every run is in, or lost (it left the lane before it ran, and never will be).
    const waitedFor = confirmation.runs.filter((r) => r.lost === undefined).map((r) => r.runId);
    const stored =
      waitedFor.length === 0
        ? []
        : await db.selectFrom('runs').select('id').where('id', 'in', waitedFor).execute();
    if (stored.length < waitedFor.length) return null;
  }
  const points = await db
    .selectFrom('points')
    .select(['run_id', 'value', 'samples'])
    .where('series_key', '=', row.series_key)
    .where('run_id', 'in', ids)
    .orderBy('run_id')
    .orderBy('seq')
    .execute();
  const values = new Map<string, number[]>();
  for (const p of points) {
    const samples = p.samples === null ? [p.value] : (JSON.parse(p.samples) as number[]);
    values.set(p.run_id, [...(values.get(p.run_id) ?? []), ...samples]);
  }
  const sideValues = (side: ConfirmationRun['side']) =>
    confirmation.runs.flatMap((r) => {
      const v = values.get(r.runId);
      return r.side === side && v && v.length > 0 ? [v] : [];
    });
  const settings = options.settings?.(row.benchmark) ?? {};
  const planned = (side: ConfirmationRun['side']) => confirmation.runs.filter((r) => r.side === side).length;
  const result = decideConfirmation(
    {
      kind: row.kind as Regression['kind'],
      change: row.change,
      direction: settings.direction ?? row.direction,
    },
    sideValues('baseline'),
    sideValues('suspect'),
    settings,
    { baseline: planned('baseline'), suspect: planned('suspect') },
    options.failure,
  );
  const decidedAt = new Date().toISOString();
  const to = STATUS_OF[result.outcome];
  const done = await db
    .updateTable('regressions')
    .set({
      status: to,
      confirmation: JSON.stringify({ ...confirmation, result: { ...result, decidedAt } }),
      updated_at: decidedAt,
    })
    .where('id', '=', id)
    .where('status', '=', 'confirming')
    .where('confirmation', '=', row.confirmation)
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) === 0) return null;
  return { regression: await read(id), from: 'confirming', to };
}

/**
 * Records that a planned run of a `confirming` record left its lane before it ran (`reason`), and
 * decides the record when that was the last run it waited for. Null when the run is not one the
 * record waits for (another record's, or already in or lost), or nothing was decided yet.
 */
export async function loseConfirmationRun(
  db: Kysely<Database>,
  read: (id: string) => Promise<Regression>,
  id: string,
  runId: string,
  reason: string,
  options: { settings?: DetectSettingsOf },
): Promise<StatusChange | null> {
  const row = await current(db, id);
  if (row.status !== 'confirming' || row.confirmation === null) return null;
  const confirmation = JSON.parse(row.confirmation) as Confirmation;
  const run = confirmation.runs.find((r) => r.runId === runId);
  if (confirmation.result || !run || run.lost !== undefined) return null;
  run.lost = reason;
  const done = await db
    .updateTable('regressions')
    .set({ confirmation: JSON.stringify(confirmation) })
    .where('id', '=', id)
    .where('status', '=', 'confirming')
    .where('confirmation', '=', row.confirmation)
    .executeTakeFirst();
  // Another caller changed the record meanwhile: it marks the run itself, or decided already.
  if (Number(done.numUpdatedRows) === 0) return null;
  return settleConfirmation(db, read, id, options);
}
