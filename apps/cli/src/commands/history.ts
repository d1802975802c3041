import { archiveRootOf } from '@benchrunner/archive';
import { formatMeasure } from '@benchrunner/results';
import type { History } from '@benchrunner/results-db';
import { apiRequest } from '../api-client.ts';
import type { Command } from '../cli.ts';
import { UsageError } from '../cli.ts';
import { alignedTable } from '../compare-table.ts';
import { listOption, stringOption } from '../options.ts';
import { databaseUrl, dataDir } from '../paths.ts';

const HEADER = ['commit', 'depth', 'subject', 'run', 'value', 'median CI', 'n'] as const;
const RIGHT = new Set([1, 4, 5, 6]);
const SUBJECT_WIDTH = 48;

/** The series as an aligned table, oldest first. */
export function renderHistory(history: History): string {
  const { series } = history;
  const unit = series.unit;
  const cells = history.points.map((p) => [
    p.commit.length === 40 ? p.commit.slice(0, 10) : p.commit,
    p.firstParentDepth === null ? '-' : String(p.firstParentDepth),
    (p.subject ?? '').length > SUBJECT_WIDTH
      ? `${p.subject?.slice(0, SUBJECT_WIDTH - 1)}…`
      : (p.subject ?? '-'),
    // A noisy run's point is shown but judged by nothing: say so beside it.
    p.noisy ? `${p.runId} (noisy)` : p.runId,
    formatMeasure(p.value, unit),
    p.ci && p.ci.lower !== null && p.ci.upper !== null
      ? `[${formatMeasure(p.ci.lower, unit)}, ${formatMeasure(p.ci.upper, unit)}]`
      : '-',
    p.n === null ? '-' : String(p.n),
  ]);
  const params = Object.entries(series.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return [
    `${series.benchmark} · ${series.result}${params ? ` · ${params}` : ''} · ${series.measure} (${unit}, ${series.direction ?? 'no'} better) · ${series.minion} · ${series.branch || '(no branch)'}`,
    '',
    ...alignedTable(HEADER, cells, RIGHT),
    '',
    `${history.points.length} points, oldest first in first-parent order.${noisyNote(history)}`,
    '',
  ].join('\n');
}

function noisyNote(history: History): string {
  const noisy = history.points.filter((p) => p.noisy).length;
  return noisy === 0 ? '' : ` ${noisy} from noisy runs (the noise check): shown, left out of detection.`;
}

/** `--params a=1,b=2` as query parameters `params.a=1&params.b=2`. */
function paramsQuery(options: Parameters<typeof listOption>[0], query: URLSearchParams): void {
  for (const pair of listOption(options, 'params')) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new UsageError(`option '--params' takes KEY=VALUE pairs separated by commas, got '${pair}'`);
    query.set(`params.${pair.slice(0, at)}`, pair.slice(at + 1));
  }
}

/** `benchrunner history`: one series of the results history, from a running API. */
export const historyCommand: Command = {
  name: 'history',
  summary: 'print one series of the results history (GET /history on a running API)',
  positionals: [],
  options: {
    benchmark: { type: 'string', valueName: 'NAME', description: 'the suite benchmark (required)' },
    measure: {
      type: 'string',
      valueName: 'NAME',
      description: 'latency, throughput, memory, ... (required)',
    },
    result: {
      type: 'string',
      valueName: 'NAME',
      description: "the result's name, when the benchmark has several",
    },
    params: {
      type: 'string',
      valueName: 'K=V,...',
      description: 'result parameters, e.g. fileSet=One4MBFile',
    },
    minion: { type: 'string', valueName: 'NAME', description: 'the lane (default: the default lane)' },
    branch: {
      type: 'string',
      valueName: 'NAME',
      description: "the branch (default: the benchmark's one branch)",
    },
    limit: { type: 'string', valueName: 'N', description: 'the last N points (default 100)' },
    before: { type: 'string', valueName: 'RUN', description: 'only points before this run id' },
    json: { type: 'boolean', description: 'print the JSON the API answered' },
  },
  details:
    'Unknown names are refused with the valid ones listed. Example:\n  benchrunner history --benchmark add --measure latency --params fileSet=One4MBFile',
  async run({ options }, context) {
    const query = new URLSearchParams();
    for (const name of ['benchmark', 'measure']) {
      const value = stringOption(options, name);
      if (!value) throw new UsageError(`option '--${name}' is required`);
      query.set(name, value);
    }
    for (const name of ['result', 'minion', 'branch', 'limit', 'before']) {
      const value = stringOption(options, name);
      if (value !== undefined) query.set(name, value);
    }
    paramsQuery(options, query);
    const answer = await apiRequest(context, 'GET', `/history?${query}`);
    if (answer === undefined) return 1;
    context.stdout(options.json ? `${JSON.stringify(answer, null, 2)}\n` : renderHistory(answer as History));
    return 0;
  },
};

/** `benchrunner reindex`: rebuild the results database from the run archive. */
export const reindexCommand: Command = {
  name: 'reindex',
  summary: 'write every archived run (DATA_DIR/runs) into the results database again',
  positionals: [],
  options: {},
  details:
    'Uses DATABASE_URL (PostgreSQL) or DATA_DIR/results.sqlite, like the API and the worker. Idempotent: a run written again replaces its rows.',
  async run(_input, context) {
    // Loaded here: the database drivers would slow the start of every other command.
    const { openResultsDb, reindex } = await import('@benchrunner/results-db');
    const root = dataDir(context.env);
    const url = databaseUrl(context.env);
    const db = openResultsDb({ dataDir: root, ...(url ? { databaseUrl: url } : {}) });
    try {
      const outcome = await reindex(db, archiveRootOf(root));
      for (const failure of outcome.failed)
        context.stderr(`benchrunner: skipped ${failure.run}: ${failure.error}\n`);
      context.stdout(
        `reindexed ${outcome.runs} runs, ${outcome.points} points into ${db.name} at ${db.location}\n`,
      );
      return outcome.failed.length > 0 ? 1 : 0;
    } catch (error) {
      context.stderr(`benchrunner: reindex failed: ${(error as Error).message}\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
