import type { RunProgress, StepName } from '@benchrunner/core';

/** Progress over the benchmarks and profiles: 10% .. 95% of the run. */
export class RunProgressCounter {
  /** Benchmark repeats (warmups included) and profiled runs planned. */
  units = 1;
  private done = 0;

  constructor(private readonly report: (progress: RunProgress) => void) {}

  /** One unit done. */
  advance(step: StepName, benchmark: string): void {
    this.done++;
    this.report({ step, percent: Math.min(99, this.percent), benchmark });
  }

  /** Units planned but not run (adaptive repeats that stopped early) count as done. */
  skip(units: number): void {
    this.done += units;
  }

  /** Where the run stands now, in percent. */
  get percent(): number {
    return 10 + Math.round((this.done / Math.max(1, this.units)) * 85);
  }
}
