export type { PipelineDeps, Provisioner, RunContext } from './context.ts';
export { captureEnvironment } from './environment.ts';
export { suiteOnMinion } from './minion-settings.ts';
export { runPipeline } from './pipeline.ts';
export type { ProfileRun } from './plan.ts';
export { planProfiles, profileLabel, profilerCommand, selectBenchmarks, toolPath, toolsDir } from './plan.ts';
export { summarize } from './summary.ts';
