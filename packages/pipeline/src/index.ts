export type { PipelineDeps, Provisioner, RunContext } from './context.ts';
export { captureEnvironment } from './environment.ts';
export { runPipeline, summarize } from './pipeline.ts';
export type { ProfileRun } from './plan.ts';
export { planProfiles, profileLabel, profilerCommand, selectBenchmarks, toolPath, toolsDir } from './plan.ts';
