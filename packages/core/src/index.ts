export { AlertStatus, AlertsSpec, GitHubRepository } from './alerts-spec.ts';
export { envBoolean, LogLevel, parseEnv } from './env.ts';
export type { Problem } from './errors.ts';
export {
  BenchrunnerError,
  CancelledError,
  ConfigError,
  formatProblems,
  InputError,
  NotFoundError,
  UnavailableError,
} from './errors.ts';
export { EnvironmentFingerprint, environmentFingerprint, FINGERPRINT_KEYS } from './fingerprint.ts';
export { escapeHtml } from './html.ts';
export { newRunId, RUN_ID_PATTERN } from './ids.ts';
export type { Logger } from './logger.ts';
export { createLogger } from './logger.ts';
export { LOCAL_MINION, Minion, MinionNoise } from './minion.ts';
export {
  BenchmarkName,
  EnvName,
  FileSetName,
  GitRevision,
  gitRevisionProblem,
  MinionName,
  PROFILERS,
  Profiler,
  Tag,
} from './names.ts';
export { BenchmarkResult, CANONICAL_UNITS, Measure, ResultDocument } from './result-model.ts';
export {
  BenchmarkOutcome,
  BenchmarkSummary,
  BusyProcess,
  Calibration,
  CalibrationLoop,
  EnvironmentInfo,
  KilledProcessRecord,
  NoiseReport,
  ProfileOutcome,
  RunManifest,
  RunProgress,
  RunState,
  RunSummary,
  StepName,
  StepRecord,
} from './run-record.ts';
export type { RunRequestInput } from './run-request.ts';
export {
  PRIORITY,
  PriorityClass,
  Profile,
  ProfileSelection,
  RunJobData,
  RunProbe,
  RunRequest,
  Trigger,
  TriggerKind,
} from './run-request.ts';
export type { Suite } from './suite.ts';
export {
  AdaptiveRepeats,
  Argv,
  BenchmarkSpec,
  CpuList,
  DetectSpec,
  loadSuite,
  type NoiseSettings,
  NoiseSpec,
  noiseSettings,
  parseSuite,
  Repeats,
  repeatBounds,
  resultsOnStdout,
  resultsPath,
  STDOUT_RESULTS,
  SuiteSpec,
  TargetSpec,
} from './suite.ts';
export { CommitInfo, CommitSha, RunTarget } from './target.ts';
export { redactUrl } from './urls.ts';
export type { LocatedYaml } from './yaml-problems.ts';
export { locatedProblems, parseYamlFile } from './yaml-problems.ts';
export { formatPath, zodProblems } from './zod-problems.ts';
