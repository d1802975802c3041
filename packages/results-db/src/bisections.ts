import { NotFoundError } from '@benchrunner/core';
import type {
  BisectCommit,
  BisectInput,
  ProbeFigures,
  ProbeOutcome,
  ProbeRecord,
} from '@benchrunner/results';
import type { Kysely, Selectable } from 'kysely';
import type { BisectionProbeTable, BisectionTable, Database } from './schema.ts';

/** `running` until it ends: `done` (a culprit), `ambiguous` (candidates), `failed` or `cancelled`. */
export type BisectionStatus = 'running' | 'done' | 'ambiguous' | 'failed' | 'cancelled';

/** A commit a bisection names: the culprit or one of the candidates. */
export interface Culprit {
  sha: string;
  subject: string;
  author: string;
  time: string;
  /** A merge commit: `merged` lists the commits it brought in, newest first. */
  merge: boolean;
  merged: string[];
}

export interface BisectionProbe {
  seq: number;
  commit: string;
  /** Position in the range, 0 the oldest commit after the good end. */
  position: number;
  attempt: number;
  repeats: number;
  runId: string | null;
  /** `pending` while its run waits or runs; `cancelled` when the bisection stopped first. */
  outcome: ProbeOutcome | 'pending' | 'cancelled';
  samples: number[] | null;
  figures: ProbeFigures | null;
  reason: string | null;
}

export interface Bisection {
  id: string;
  regressionId: string | null;
  status: BisectionStatus;
  series: { key: string; benchmark: string; minion: string; branch: string };
  /** The range: `good` excluded, `bad` included. */
  good: string;
  bad: string;
  /** Commits in the range, first-parent order. */
  commits: number;
  culprit: Culprit | null;
  candidates: Culprit[] | null;
  reason: string | null;
  probes: BisectionProbe[];
  createdAt: string;
  updatedAt: string;
}

export interface NewBisection {
  id: string;
  regressionId: string | null;
  series: Bisection['series'];
  good: string;
  bad: string;
  input: BisectInput;
}

/** How a bisection ended. */
export type BisectionEnd =
  | { status: 'done'; culprit: Culprit }
  | { status: 'ambiguous'; candidates: Culprit[]; reason: string }
  | { status: 'failed' | 'cancelled'; reason: string };

/** The bisections of the results database and their probes. */
export interface BisectionStore {
  /** Stores a bisection as `running`, or as ended when `end` is given (nothing to probe). */
  create(bisection: NewBisection, end?: BisectionEnd): Promise<Bisection>;
  /** @throws NotFoundError for an unknown id. */
  get(id: string): Promise<Bisection>;
  input(id: string): Promise<BisectInput>;
  /** The newest bisection of a regression record. */
  forRegression(regressionId: string): Promise<Bisection | undefined>;
  /** Records a probe as `pending` with the run that measures it; returns its seq. */
  addProbe(
    id: string,
    probe: { commit: string; position: number; attempt: number; repeats: number; runId: string },
  ): Promise<number>;
  /** The run of a waiting probe changed (a duplicate answered the enqueue). */
  setProbeRun(id: string, seq: number, runId: string): Promise<void>;
  /** Stores a pending probe's verdict; false when it was not pending (already judged, or cancelled). */
  finishProbe(id: string, seq: number, record: ProbeRecord): Promise<boolean>;
  /** Ends a running bisection (false when it had ended); its pending probes become `cancelled`. */
  end(id: string, end: BisectionEnd): Promise<boolean>;
  /** Running bisections with a probe pending on this run (several when one run answered several probes). */
  waitingOn(runId: string): Promise<string[]>;
  /** The samples of a series in one run, all repeats pooled; null when the run has no point of it. */
  samples(runId: string, seriesKey: string): Promise<number[] | null>;
  /** The samples of a series in every stored run at a commit, pooled; null when none has a point of it. */
  samplesAt(seriesKey: string, commit: string): Promise<number[] | null>;
}

type Guard = <T>(work: () => Promise<T>) => Promise<T>;

function json<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** {@link BisectionStore} on the results database's Kysely instance. */
export class KyselyBisectionStore implements BisectionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly guarded: Guard,
  ) {}

  create(bisection: NewBisection, end?: BisectionEnd): Promise<Bisection> {
    return this.guarded(async () => {
      const now = new Date().toISOString();
      await this.db
        .insertInto('bisections')
        .values({
          id: bisection.id,
          regression_id: bisection.regressionId,
          series_key: bisection.series.key,
          benchmark: bisection.series.benchmark,
          minion: bisection.series.minion,
          branch: bisection.series.branch,
          good_commit: bisection.good,
          bad_commit: bisection.bad,
          input: JSON.stringify(bisection.input),
          ...endColumns(end),
          created_at: now,
          updated_at: now,
        })
        .execute();
      return this.read(bisection.id);
    });
  }

  get(id: string): Promise<Bisection> {
    return this.guarded(() => this.read(id));
  }

  input(id: string): Promise<BisectInput> {
    return this.guarded(async () => {
      const row = await this.db
        .selectFrom('bisections')
        .select('input')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new NotFoundError(`bisection ${id}: no such bisection`);
      return JSON.parse(row.input) as BisectInput;
    });
  }

  forRegression(regressionId: string): Promise<Bisection | undefined> {
    return this.guarded(async () => {
      const row = await this.db
        .selectFrom('bisections')
        .select('id')
        .where('regression_id', '=', regressionId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row ? this.read(row.id) : undefined;
    });
  }

  addProbe(
    id: string,
    probe: { commit: string; position: number; attempt: number; repeats: number; runId: string },
  ): Promise<number> {
    return this.guarded(() =>
      this.db.transaction().execute(async (trx) => {
        const last = await trx
          .selectFrom('bisection_probes')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .where('bisection_id', '=', id)
          .executeTakeFirst();
        const seq = last?.seq === null || last?.seq === undefined ? 0 : Number(last.seq) + 1;
        const now = new Date().toISOString();
        await trx
          .insertInto('bisection_probes')
          .values({
            bisection_id: id,
            seq,
            commit: probe.commit,
            position: probe.position,
            attempt: probe.attempt,
            repeats: probe.repeats,
            run_id: probe.runId,
            outcome: 'pending',
            samples: null,
            figures: null,
            reason: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await trx.updateTable('bisections').set({ updated_at: now }).where('id', '=', id).execute();
        return seq;
      }),
    );
  }

  setProbeRun(id: string, seq: number, runId: string): Promise<void> {
    return this.guarded(async () => {
      await this.db
        .updateTable('bisection_probes')
        .set({ run_id: runId, updated_at: new Date().toISOString() })
        .where('bisection_id', '=', id)
        .where('seq', '=', seq)
        .execute();
    });
  }

  finishProbe(id: string, seq: number, record: ProbeRecord): Promise<boolean> {
    return this.guarded(async () => {
      const updated = await this.db
        .updateTable('bisection_probes')
        .set({
          outcome: record.outcome,
          samples: record.samples ? JSON.stringify(record.samples) : null,
          figures: record.figures ? JSON.stringify(record.figures) : null,
          reason: record.reason ?? null,
          updated_at: new Date().toISOString(),
        })
        .where('bisection_id', '=', id)
        .where('seq', '=', seq)
        .where('outcome', '=', 'pending')
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) > 0;
    });
  }

  end(id: string, end: BisectionEnd): Promise<boolean> {
    return this.guarded(() =>
      this.db.transaction().execute(async (trx) => {
        const now = new Date().toISOString();
        const updated = await trx
          .updateTable('bisections')
          .set({ ...endColumns(end), updated_at: now })
          .where('id', '=', id)
          .where('status', '=', 'running')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return false;
        await trx
          .updateTable('bisection_probes')
          .set({ outcome: 'cancelled', reason: `bisection ${end.status}`, updated_at: now })
          .where('bisection_id', '=', id)
          .where('outcome', '=', 'pending')
          .execute();
        return true;
      }),
    );
  }

  waitingOn(runId: string): Promise<string[]> {
    return this.guarded(async () => {
      const rows = await this.db
        .selectFrom('bisection_probes as p')
        .innerJoin('bisections as b', 'b.id', 'p.bisection_id')
        .select('b.id')
        .distinct()
        .where('p.run_id', '=', runId)
        .where('p.outcome', '=', 'pending')
        .where('b.status', '=', 'running')
        .orderBy('b.id')
        .execute();
      return rows.map((row) => row.id);
    });
  }

  samples(runId: string, seriesKey: string): Promise<number[] | null> {
    return this.guarded(async () => {
      const rows = await this.db
        .selectFrom('points')
        .select(['samples', 'value'])
        .where('run_id', '=', runId)
        .where('series_key', '=', seriesKey)
        .orderBy('seq')
        .execute();
      if (rows.length === 0) return null;
      return rows.flatMap((row) => json<number[]>(row.samples) ?? [row.value]);
    });
  }

  samplesAt(seriesKey: string, commit: string): Promise<number[] | null> {
    return this.guarded(async () => {
      const rows = await this.db
        .selectFrom('points as p')
        .innerJoin('runs as r', 'r.id', 'p.run_id')
        .select(['p.samples', 'p.value'])
        .where('p.series_key', '=', seriesKey)
        .where('r.commit', '=', commit)
        .orderBy('r.started_at')
        .orderBy('p.run_id')
        .orderBy('p.seq')
        .execute();
      if (rows.length === 0) return null;
      return rows.flatMap((row) => json<number[]>(row.samples) ?? [row.value]);
    });
  }

  private async read(id: string): Promise<Bisection> {
    const row = await this.db.selectFrom('bisections').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`bisection ${id}: no such bisection`);
    const probes = await this.db
      .selectFrom('bisection_probes')
      .selectAll()
      .where('bisection_id', '=', id)
      .orderBy('seq')
      .execute();
    return toBisection(row, probes);
  }
}

function endColumns(end: BisectionEnd | undefined) {
  return {
    status: end?.status ?? 'running',
    culprit: end?.status === 'done' ? JSON.stringify(end.culprit) : null,
    candidates: end?.status === 'ambiguous' ? JSON.stringify(end.candidates) : null,
    reason: end && end.status !== 'done' ? end.reason : null,
  };
}

/** A range commit as the API names it. */
export function culpritOf(commit: BisectCommit): Culprit {
  return {
    sha: commit.sha,
    subject: commit.subject,
    author: commit.author,
    time: commit.authorTime,
    merge: commit.parents.length > 1,
    merged: commit.parents.length > 1 ? (commit.merged ?? []) : [],
  };
}

function toBisection(row: Selectable<BisectionTable>, probes: Selectable<BisectionProbeTable>[]): Bisection {
  const input = JSON.parse(row.input) as BisectInput;
  return {
    id: row.id,
    regressionId: row.regression_id,
    status: row.status as BisectionStatus,
    series: { key: row.series_key, benchmark: row.benchmark, minion: row.minion, branch: row.branch },
    good: row.good_commit,
    bad: row.bad_commit,
    commits: input.commits.length,
    culprit: json<Culprit>(row.culprit),
    candidates: json<Culprit[]>(row.candidates),
    reason: row.reason,
    probes: probes.map((p) => ({
      seq: p.seq,
      commit: p.commit,
      position: p.position,
      attempt: p.attempt,
      repeats: p.repeats,
      runId: p.run_id,
      outcome: p.outcome as BisectionProbe['outcome'],
      samples: json<number[]>(p.samples),
      figures: json<ProbeFigures>(p.figures),
      reason: p.reason,
    })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
