export type { PipelineDeps, Provisioner, RunContext } from './context.ts';
export { captureEnvironment } from './environment.ts';
export { suiteOnMinion } from './minion-settings.ts';
export {
  BASELINE_MARGIN,
  BASELINE_RUNS,
  calibrateRepeatedly,
  type LoopBaseline,
  type NoiseBaseline,
  noiseBaseline,
} from './noise-baseline.ts';
export { CalibrationError } from './noise-check.ts';
export { runPipeline } from './pipeline.ts';
export type { ProfileRun } from './plan.ts';
export { planProfiles, profileLabel, profilerCommand, selectBenchmarks, toolPath, toolsDir } from './plan.ts';
export { summarize } from './summary.ts';
