export type { BisectionDeps, BisectRequest, Started } from './bisection.ts';
export {
  advanceBisection,
  BisectInputError,
  onProbeLost,
  onProbeStored,
  startBisection,
  stopBisection,
} from './bisection.ts';
