export {
  BenchrunnerError,
  CancelledError,
  ConfigError,
  InputError,
  NotFoundError,
  UnavailableError,
  formatProblems,
} from './errors.ts';
export type { Problem } from './errors.ts';
export { formatPath, zodProblems } from './zod-problems.ts';
export { LogLevel, envBoolean, parseEnv } from './env.ts';
export { createLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { RUN_ID_PATTERN, newRunId } from './ids.ts';
export {
  BenchmarkName,
  EnvName,
  FileSetName,
  GitRevision,
  MinionName,
  PROFILERS,
  Profiler,
  Tag,
  gitRevisionProblem,
} from './names.ts';
export { BenchmarkResult, CANONICAL_UNITS, Measure, ResultDocument } from './result-model.ts';
export {
  PRIORITY,
  PriorityClass,
  Profile,
  ProfileSelection,
  RunJobData,
  RunRequest,
  Trigger,
  TriggerKind,
} from './run-request.ts';
export type { RunRequestInput } from './run-request.ts';
export { Argv, BenchmarkSpec, SuiteSpec, loadSuite, parseSuite, resultsPath } from './suite.ts';
export type { Suite } from './suite.ts';
export { LOCAL_MINION, Minion } from './minion.ts';
export {
  BenchmarkOutcome,
  BenchmarkSummary,
  EnvironmentInfo,
  ProfileOutcome,
  RunManifest,
  RunProgress,
  RunState,
  RunSummary,
  StepName,
  StepRecord,
} from './run-record.ts';
