import type { SkippedRun } from '@benchrunner/archive';
import type { Logger } from '@benchrunner/core';

/**
 * Logs a run folder that an archive scan left out because its manifest cannot be read. A folder
 * without a manifest is not logged: a run that just started has none yet.
 */
export function warnSkipped(logger: Logger, { id, error }: SkippedRun): void {
  if (error.reason === 'missing') return;
  logger.warn(
    { runId: id, file: error.file, reason: error.reason, err: error.message },
    'run folder left out: its manifest cannot be read',
  );
}
