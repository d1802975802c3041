// Ingest of one run with 10,000 series points: ResultsDb.ingestRun (Kysely) against the same
// statements sent with the bare driver (better-sqlite3 / pg), on SQLite and on PostgreSQL (a fresh
// database on the machine's server). Both sides compute the rows with runRows, so the figure is the
// cost of the query builder and its driver layer. Writes the 'results-db-ingest' section of
// docs/BENCHMARKS.md.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunManifest } from '@benchrunner/core';
import { createTestDatabase, markdownTable, recordBenchmark } from '@benchrunner/testing';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openResultsDb, type ResultsDb, type RunRows, runRows, SQLITE_FILE } from '../src/index.ts';

const POINTS = 10_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = 1000;

/** A run with POINTS points: 2,500 results (file sets) x 4 measures, 10 samples each for latency. */
function bigRun(id: string): RunManifest {
  const results = Array.from({ length: POINTS / 4 }, (_, i) => ({
    name: `case ${i % 50}`,
    params: { fileSet: `set-${Math.floor(i / 50)}`, warmup: i % 2 ? 'on' : 'off' },
    measures: {
      latency: { value: 1000 + i, unit: 'ns', samples: Array.from({ length: 10 }, (_, k) => 1000 + i + k) },
      throughput: { value: 1e6 / (1000 + i), unit: 'ops/s' },
      memory: { value: 1_048_576 + i, unit: 'bytes' },
      cpu: { value: 50 + (i % 10), unit: 'percent' },
    },
  }));
  return RunManifest.parse({
    id,
    request: { commit: 'main', minion: 'local', trigger: { kind: 'api', detail: {} }, tag: 'main' },
    minion: 'local',
    state: 'completed',
    attempt: 1,
    startedAt: new Date(Date.UTC(2026, 0, 1) + Number(id.replace(/\D/g, '')) * 60_000).toISOString(),
    finishedAt: '2026-02-01T00:00:00.000Z',
    suite: { file: 'suite.yaml', hash: 'h', project: 'bench' },
    steps: [],
    environment: {},
    benchmarks: [],
    profiles: [],
    results: [{ benchmark: 'add', format: 'bench', benchmarks: results }],
  });
}

/** INSERT of `rows` objects into `table` as one statement; `$n` or `?` placeholders. */
function insertSql(
  table: string,
  rows: object[],
  numbered: boolean,
  tail = '',
): { text: string; values: unknown[] } {
  const columns = Object.keys(rows[0] as object);
  const values: unknown[] = [];
  const tuples = rows.map((row) => {
    const marks = columns.map((column) => {
      values.push((row as Record<string, unknown>)[column]);
      return numbered ? `$${values.length}` : '?';
    });
    return `(${marks.join(', ')})`;
  });
  return {
    text: `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}${tail}`,
    values,
  };
}

/** The statements ingestRun sends, in order (upserts simplified to the insert paths they take). */
function statements(rows: RunRows, numbered: boolean): { text: string; values: unknown[] }[] {
  const out = [
    { text: `delete from "points" where "run_id" = ${numbered ? '$1' : '?'}`, values: [rows.run.id] },
    insertSql('runs', [rows.run], numbered, ' on conflict ("id") do nothing'),
  ];
  for (let i = 0; i < rows.series.length; i += BATCH) {
    out.push(
      insertSql('series', rows.series.slice(i, i + BATCH), numbered, ' on conflict ("key") do nothing'),
    );
  }
  for (let i = 0; i < rows.points.length; i += BATCH) {
    out.push(insertSql('points', rows.points.slice(i, i + BATCH), numbered));
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

let counter = 0;
const nextRun = () => bigRun(`run-${++counter}`);

async function timeIt(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function measure(
  db: ResultsDb,
  bare: (rows: RunRows) => Promise<void>,
): Promise<{ ours: number; bare: number }> {
  // Warm both paths (schema, statement caches, JIT).
  await db.ingestRun(nextRun());
  await bare(runRows(nextRun()));
  const ours: number[] = [];
  const plain: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternated, so load from others on this shared machine hits both sides alike.
    const a = nextRun();
    ours.push(await timeIt(() => db.ingestRun(a)));
    const b = nextRun();
    plain.push(await timeIt(() => bare(runRows(b))));
  }
  return { ours: median(ours), bare: median(plain) };
}

const rows: (string | number)[][] = [];

// SQLite: WAL, the same pragmas as openResultsDb.
{
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-bench-ingest-'));
  const db = openResultsDb({ dataDir: dir });
  await db.check();
  const raw = new BetterSqlite3(path.join(dir, SQLITE_FILE));
  raw.pragma('journal_mode = WAL');
  raw.pragma('busy_timeout = 10000');
  raw.pragma('synchronous = NORMAL');
  const bare = async (r: RunRows) => {
    raw.transaction(() => {
      for (const s of statements(r, false)) raw.prepare(s.text).run(...s.values);
    })();
  };
  const result = await measure(db, bare);
  rows.push([
    'SQLite',
    result.bare.toFixed(0),
    result.ours.toFixed(0),
    (result.ours / result.bare).toFixed(2),
  ]);
  raw.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
}

// PostgreSQL: a fresh database on the machine's server.
{
  const database = await createTestDatabase();
  const db = openResultsDb({ databaseUrl: database.url, dataDir: '/nonexistent' });
  await db.check();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const bare = async (r: RunRows) => {
    await client.query('begin');
    for (const s of statements(r, true)) await client.query(s.text, s.values);
    await client.query('commit');
  };
  try {
    const result = await measure(db, bare);
    rows.push([
      'PostgreSQL 15',
      result.bare.toFixed(0),
      result.ours.toFixed(0),
      (result.ours / result.bare).toFixed(2),
    ]);
  } finally {
    await client.end();
    await db.close();
    await database.drop();
  }
}

const body = [
  `One run of ${POINTS.toLocaleString('en')} series points (2,500 results x 4 measures, 10 samples on each latency), written in one transaction: \`ResultsDb.ingestRun\` (Kysely, batches of ${BATCH} rows) against the same statements sent with the bare driver (better-sqlite3 prepared statements, pg \`client.query\`). Both sides build the rows with \`runRows\` (statistics of the samples included). Median of ${ROUNDS} alternated rounds, ms. Target: ingest <= 1.5x the bare driver.`,
  '',
  markdownTable(['database', 'bare driver (ms)', 'ResultsDb.ingestRun (ms)', 'ratio'], rows),
].join('\n');
await recordBenchmark('results-db-ingest', 'Results database: ingest of a 10,000-point run', body);
process.stdout.write(`${body}\n`);
