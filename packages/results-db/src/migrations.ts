import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

/**
 * Versioned migrations, in code so the esbuild bundles of the apps carry them. Names sort in the
 * order they apply; never edit one that has shipped, add the next.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_results': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('commits')
        .addColumn('sha', 'text', (c) => c.primaryKey())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('parents', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('author_time', 'text', (c) => c.notNull())
        .addColumn('first_parent_depth', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project', 'text', (c) => c.notNull())
        .addColumn('minion', 'text', (c) => c.notNull())
        .addColumn('commit', 'text', (c) => c.notNull())
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('priority', 'text', (c) => c.notNull())
        .addColumn('pr_number', 'integer')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('duration_ms', 'double precision')
        .addColumn('suite_hash', 'text', (c) => c.notNull())
        .addColumn('environment_fingerprint', 'text', (c) => c.notNull())
        .addColumn('cid', 'text')
        .addColumn('first_parent_depth', 'integer')
        .execute();
      await db.schema
        .createTable('series')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('benchmark', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('measure', 'text', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('direction', 'text')
        .addColumn('minion', 'text', (c) => c.notNull())
        .addColumn('branch', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('series_lookup')
        .on('series')
        .columns(['benchmark', 'minion', 'branch'])
        .execute();
      await db.schema
        .createTable('points')
        .addColumn('series_key', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('n', 'integer')
        .addColumn('median', 'double precision')
        .addColumn('mean', 'double precision')
        .addColumn('stddev', 'double precision')
        .addColumn('ci_lower', 'double precision')
        .addColumn('ci_upper', 'double precision')
        .addColumn('ci_level', 'double precision')
        .addColumn('samples', 'text')
        .addPrimaryKeyConstraint('points_pk', ['series_key', 'run_id', 'seq'])
        .execute();
      await db.schema.createIndex('points_run').on('points').column('run_id').execute();
    },
  },
  '0002_regressions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('regressions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('series_key', 'text', (c) => c.notNull())
        .addColumn('detector', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('last_good_commit', 'text')
        .addColumn('last_good_run', 'text')
        .addColumn('first_bad_commit', 'text', (c) => c.notNull())
        .addColumn('first_bad_run', 'text', (c) => c.notNull())
        .addColumn('before_median', 'double precision', (c) => c.notNull())
        .addColumn('before_ci_lower', 'double precision')
        .addColumn('before_ci_upper', 'double precision')
        .addColumn('after_median', 'double precision', (c) => c.notNull())
        .addColumn('after_ci_lower', 'double precision')
        .addColumn('after_ci_upper', 'double precision')
        .addColumn('change', 'double precision')
        .addColumn('change_ci_lower', 'double precision')
        .addColumn('change_ci_upper', 'double precision')
        .addColumn('p_value', 'double precision')
        .addColumn('runs', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('regressions_once', ['series_key', 'first_bad_commit', 'detector'])
        .execute();
      await db.schema
        .createIndex('regressions_newest')
        .on('regressions')
        .columns(['created_at', 'id'])
        .execute();
    },
  },
  '0003_history_version': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('history_version')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('version', 'integer', (c) => c.notNull())
        .execute();
      await (db as Kysely<{ history_version: { id: number; version: number } }>)
        .insertInto('history_version')
        .values({ id: 1, version: 0 })
        .execute();
    },
  },
  '0004_confirmations': {
    async up(db: Kysely<unknown>) {
      // A confirmation or bisection run (JSON of the request's `probe`): stored as evidence, kept
      // out of its branch's history and detection.
      await db.schema.alterTable('runs').addColumn('probe', 'text').execute();
      // The regression's confirmation (JSON): the runs asked for and, once decided, the figures.
      await db.schema.alterTable('regressions').addColumn('confirmation', 'text').execute();
    },
  },
  '0005_bisections': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('bisections')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('regression_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('series_key', 'text', (c) => c.notNull())
        .addColumn('benchmark', 'text', (c) => c.notNull())
        .addColumn('minion', 'text', (c) => c.notNull())
        .addColumn('branch', 'text', (c) => c.notNull())
        .addColumn('good_commit', 'text', (c) => c.notNull())
        .addColumn('bad_commit', 'text', (c) => c.notNull())
        .addColumn('input', 'text', (c) => c.notNull())
        .addColumn('culprit', 'text')
        .addColumn('candidates', 'text')
        .addColumn('reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('bisections_regression')
        .on('bisections')
        .columns(['regression_id', 'created_at'])
        .execute();
      await db.schema
        .createTable('bisection_probes')
        .addColumn('bisection_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('commit', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('repeats', 'integer', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('samples', 'text')
        .addColumn('figures', 'text')
        .addColumn('reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('bisection_probes_pk', ['bisection_id', 'seq'])
        .execute();
      await db.schema.createIndex('bisection_probes_run').on('bisection_probes').column('run_id').execute();
    },
  },
  '0007_quality': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('runs')
        .addColumn('noisy', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('runs').addColumn('noise_verdict', 'text').execute();
      await db.schema.alterTable('runs').addColumn('noise_cv', 'double precision').execute();
      await db.schema.alterTable('runs').addColumn('noise_shift', 'double precision').execute();
      await db.schema.alterTable('runs').addColumn('noise', 'text').execute();
    },
  },
};

/** The migrations above, for Kysely's Migrator. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
