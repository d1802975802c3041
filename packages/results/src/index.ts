export type {
  BisectCommit,
  BisectInput,
  BisectSettings,
  BisectStep,
  ProbeFigures,
  ProbeOutcome,
  ProbeRecord,
  ProbeResult,
  ProbeSide,
} from './bisect.ts';
export { bisectProblem, judgeProbe, nextStep, probeRepeats, recordProbe } from './bisect.ts';
export { detectFormat } from './detect.ts';
export { ResultParseError } from './errors.ts';
export { formatMeasure } from './format-measure.ts';
export type { LineParser, Parser } from './formats/parser.ts';
export { mergeResults } from './merge.ts';
export type { ParseFileOptions, ParseOptions } from './parse.ts';
export { listFormats, parseResultFile, parseResults } from './parse.ts';
// -- statistics
export type {
  BaselineMethod,
  BaselineSettings,
  SeriesTest,
  SeriesVerdict,
} from './stats/baseline.ts';
export { testAgainstBaseline } from './stats/baseline.ts';
export type { BootstrapOptions } from './stats/bootstrap.ts';
export { bootstrapMedianChange } from './stats/bootstrap.ts';
export type { DetectOptions, SeriesPoint } from './stats/change-points.ts';
export { detectChangePoints, SAMPLE_DEFAULTS } from './stats/change-points.ts';
export type { CompareOptions, Direction, SampleComparison, Verdict } from './stats/compare.ts';
export { compareSamples, decideVerdict, measureDirection, smallestPValue } from './stats/compare.ts';
export type {
  ComparableDocument,
  CompareResultsOptions,
  ComparisonRow,
  RowVerdict,
} from './stats/compare-results.ts';
export { compareResults, DEFAULT_MIN_CHANGE } from './stats/compare-results.ts';
export type { EnvironmentRecord } from './stats/conditions.ts';
export { comparisonConditions } from './stats/conditions.ts';
export type { ConfidenceInterval, DescribeOptions, Outliers, SampleStats } from './stats/describe.ts';
export { describeSamples, median, quantileSorted } from './stats/describe.ts';
export {
  erfc,
  incompleteBeta,
  logGamma,
  normalCdf,
  normalSf,
  studentTTwoSided,
} from './stats/distributions.ts';
export type { ChangePoint, EDivisiveOptions, SplitStats, SplitTester } from './stats/e-divisive.ts';
export { eDivisive, otavaTTest, relativeMagnitude } from './stats/e-divisive.ts';
export { benjaminiHochberg } from './stats/fdr.ts';
export type { MannWhitneyMethod, MannWhitneyOptions, MannWhitneyResult } from './stats/mann-whitney.ts';
export { mannWhitneyU } from './stats/mann-whitney.ts';
export type { Random } from './stats/random.ts';
export { createNormal, createRandom } from './stats/random.ts';
