import type { Redis } from 'ioredis';
import { RUN_RETENTION_SECONDS } from './enqueue.ts';
import { deliveryKey } from './names.ts';

/** The value of a delivery whose run is still being added. */
const PENDING = '-';

/**
 * Records a GitHub webhook delivery id as received, for as long as runs are kept. Returns null the
 * first time; afterwards the run the first delivery started, or '' while that one is still adding it.
 */
export async function claimDelivery(redis: Redis, delivery: string): Promise<string | null> {
  const key = deliveryKey(delivery);
  if ((await redis.set(key, PENDING, 'EX', RUN_RETENTION_SECONDS, 'NX')) === 'OK') return null;
  const run = await redis.get(key);
  return run === null || run === PENDING ? '' : run;
}

/** Remembers the run a claimed delivery started, so a replay answers with it. */
export async function recordDelivery(redis: Redis, delivery: string, runId: string): Promise<void> {
  await redis.set(deliveryKey(delivery), runId, 'EX', RUN_RETENTION_SECONDS, 'XX');
}

/** Forgets a claimed delivery whose run could not be added: GitHub's redelivery may try again. */
export async function releaseDelivery(redis: Redis, delivery: string): Promise<void> {
  await redis.del(deliveryKey(delivery));
}
