export type {
  Bisection,
  BisectionEnd,
  BisectionProbe,
  BisectionStatus,
  BisectionStore,
  Culprit,
  NewBisection,
} from './bisections.ts';
export { culpritOf } from './bisections.ts';
export { suiteDetectSettings } from './detection.ts';
export { HistoryQueryError, ResultsDbUnavailableError } from './errors.ts';
export type { OpenResultsDbOptions } from './kysely-results-db.ts';
export { DatabaseUrl, openResultsDb, SQLITE_FILE } from './kysely-results-db.ts';
export type { ReindexOutcome } from './reindex.ts';
export { reindex } from './reindex.ts';
export type {
  DetectSettingsOf,
  History,
  HistoryPoint,
  HistoryQuery,
  Level,
  Regression,
  RegressionFilter,
  RegressionStatus,
  ResultsDb,
  RunFacts,
  SeriesFilter,
  SeriesInfo,
} from './results-db.ts';
export type { RunRows } from './rows.ts';
export { canonicalJson, runRows, seriesKey } from './rows.ts';
