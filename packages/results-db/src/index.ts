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
export type {
  Confirmation,
  ConfirmationResult,
  ConfirmationRun,
  ConfirmationSide,
  ConfirmedSeries,
} from './confirmations.ts';

export {
  confirmationJob,
  confirmRounds,
  DEFAULT_CONFIRM_ROUNDS,
  decideConfirmation,
  planConfirmation,
} from './confirmations.ts';
export { suiteDetectSettings } from './detection.ts';
export { HistoryQueryError, ResultsDbUnavailableError } from './errors.ts';
export type { OpenResultsDbOptions } from './kysely-results-db.ts';
export { DatabaseUrl, openResultsDb, SQLITE_FILE } from './kysely-results-db.ts';
export type { ReindexOutcome } from './reindex.ts';
export { reindex } from './reindex.ts';
export type {
  Detection,
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
  StatusChange,
} from './results-db.ts';
export type { RunRows } from './rows.ts';
export { canonicalJson, runRows, seriesKey } from './rows.ts';
export type { StartConfirmationOptions } from './start-confirmation.ts';
export { AUTO_CONFIRM_FROM, CONFIRMABLE, startConfirmation } from './start-confirmation.ts';
