import { type Calibration, noiseSettings, type RunManifest } from '@benchrunner/core';
import { CalibrationError, calibrate, noiseVerdict } from '../noise-check.ts';
import type { RunScope } from './scope.ts';

type Reads = Pick<
  RunScope,
  'runner' | 'suite' | 'suiteDir' | 'env' | 'pin' | 'signal' | 'log' | 'checkCancelled'
>;

/**
 * The noise check of a suite that asks for one: a calibration before the benchmarks, one after,
 * and the verdict. A failed calibration is a reason in the verdict, not a failed run.
 */
export class NoiseCheck {
  private readonly settings: ReturnType<typeof noiseSettings>;
  private before: Calibration | undefined;
  private readonly errors: string[] = [];

  constructor(private readonly scope: Reads) {
    this.settings = noiseSettings(scope.suite.spec);
  }

  async calibrateBefore(): Promise<void> {
    this.before = await this.calibrate('before');
  }

  /** Calibrates after the benchmarks and writes the verdict. */
  async judge(manifest: Pick<RunManifest, 'noise' | 'noisy'>): Promise<void> {
    const { settings, before } = this;
    if (!settings) return;
    const { log } = this.scope;
    const after = await this.calibrate('after');
    manifest.noise = noiseVerdict(
      { ...(before ? { before } : {}), ...(after ? { after } : {}), errors: this.errors },
      settings,
    );
    manifest.noisy = manifest.noise.verdict === 'noisy';
    log(`noise check: ${manifest.noise.verdict}${manifest.noise.reasons.map((r) => `; ${r}`).join('')}`);
    for (const p of manifest.noise.busyProcesses)
      log(`busy during the calibration: ${p.pid} (${p.cpuPercent} %) ${p.command}`);
  }

  /** One calibration, run as the benchmarks are. */
  private async calibrate(when: 'before' | 'after'): Promise<Calibration | undefined> {
    const { scope, settings } = this;
    if (!settings) return undefined;
    try {
      const calibration = await calibrate(scope.runner, {
        pin: scope.pin,
        cwd: scope.suiteDir,
        env: scope.env,
        signal: scope.signal,
        seconds: settings.seconds,
      });
      scope.log(
        `calibration ${when}: cpu ${calibration.cpu.level.toFixed(3)} ms CV ${calibration.cpu.cv.toFixed(1)} %, memory ${calibration.memory.level.toFixed(3)} ms CV ${calibration.memory.cv.toFixed(1)} %`,
      );
      return calibration;
    } catch (error) {
      scope.checkCancelled();
      if (!(error instanceof CalibrationError)) throw error;
      this.errors.push(`${when}: ${error.message}`);
      scope.log(`warning: calibration ${when} the benchmarks: ${error.message}`);
      return undefined;
    }
  }
}
