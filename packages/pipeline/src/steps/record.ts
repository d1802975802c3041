import type { RunManifest, StepName, StepRecord } from '@benchrunner/core';
import type { RunScope } from './scope.ts';

/** What a step's body returns when it had nothing to do. */
export interface Skipped {
  skipped: string;
}

/**
 * Runs one step: checks for a cancel, reports progress, logs it and records it in the manifest's
 * steps (ok, skipped with the reason, or failed with the error) once its body is done.
 */
export async function recordStep<T>(
  scope: Pick<RunScope, 'ctx' | 'log' | 'checkCancelled'>,
  manifest: Pick<RunManifest, 'steps'>,
  name: StepName,
  percent: number,
  body: () => Promise<T | Skipped>,
): Promise<T | Skipped> {
  const { log } = scope;
  scope.checkCancelled();
  scope.ctx.progress({ step: name, percent });
  log(`--- step ${name}`);
  const record: StepRecord = { name, status: 'ok', startedAt: new Date().toISOString(), durationMs: 0 };
  const t0 = Date.now();
  try {
    const value = await body();
    if (value && typeof value === 'object' && 'skipped' in value) {
      record.status = 'skipped';
      record.detail = value.skipped;
      log(`--- step ${name} skipped: ${value.skipped}`);
    }
    return value;
  } catch (error) {
    record.status = 'failed';
    record.detail = (error as Error).message;
    throw error;
  } finally {
    record.durationMs = Date.now() - t0;
    manifest.steps.push(record);
  }
}
