export type { BisectionDeps, BisectRequest, Started } from './bisection.ts';
export {
  advanceBisection,
  BisectInputError,
  onProbeStored,
  startBisection,
  stopBisection,
} from './bisection.ts';
