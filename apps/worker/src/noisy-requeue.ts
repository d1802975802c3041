import { newRunId, type RunJobData, type RunManifest } from '@benchrunner/core';
import { runJobOptions } from '@benchrunner/queue';
import type { Queue } from 'bullmq';

/** Times a noisy nightly run is queued again when its manifest does not say (`noise.requeue`'s default). */
const DEFAULT_NOISY_REQUEUE = 1;

/** `trigger.detail` keys of a run queued again because an earlier one was noisy. */
const REQUEUED_FROM = 'requeuedFrom';
const NOISY_REQUEUE = 'noisyRequeue';

/**
 * The run to queue again after `manifest`, or null. Only a completed nightly run that the noise
 * check found noisy is queued again, up to `noise.requeue` times (default 1, 0 never): the new run
 * measures the same commit, and its trigger names the run it repeats (`requeuedFrom`) and how many
 * times the nightly run has been queued again (`noisyRequeue`), so a chain of noisy runs ends.
 */
function noisyRequeue(manifest: RunManifest): RunJobData | null {
  const { request } = manifest;
  if (manifest.state !== 'completed' || manifest.noisy !== true) return null;
  if (request.trigger.kind !== 'schedule' || request.probe) return null;
  const allowed = manifest.noise?.settings.requeue ?? DEFAULT_NOISY_REQUEUE;
  const done = Number(request.trigger.detail[NOISY_REQUEUE] ?? 0);
  if (!(done < allowed)) return null;
  const { nonce: _nonce, requestedAt: _requestedAt, ...rest } = request;
  return {
    ...rest,
    // The commit the noisy run measured, not whatever its branch points at by now.
    ...(manifest.target ? { commit: manifest.target.commit.sha, target: manifest.target } : {}),
    requestedAt: new Date().toISOString(),
    trigger: {
      kind: 'schedule',
      detail: { ...request.trigger.detail, [REQUEUED_FROM]: manifest.id, [NOISY_REQUEUE]: String(done + 1) },
    },
  };
}

/**
 * Queues a noisy nightly run again on its lane (see {@link noisyRequeue}); returns the new run's id,
 * or null when the run is not to be repeated. Deduplicated by the noisy run's id: should its
 * worker report it twice (a retried report), one run is queued while the first still waits.
 */
export async function requeueNoisyRun(queue: Queue, manifest: RunManifest): Promise<string | null> {
  const data = noisyRequeue(manifest);
  if (!data) return null;
  const id = newRunId();
  const job = await queue.add('run', data, {
    ...runJobOptions(data),
    jobId: id,
    deduplication: { id: `noisy-requeue-${manifest.id}` },
  });
  return job.id ?? id;
}
