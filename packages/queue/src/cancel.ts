import type { Redis } from 'ioredis';
import { CANCEL_CHANNEL, cancelKey } from './names.ts';

/** Asks the worker running `runId` to abort it. The key outlives a worker that missed the message. */
export async function requestCancel(redis: Redis, runId: string, reason: string): Promise<void> {
  await redis.set(cancelKey(runId), reason, 'EX', 7 * 24 * 3600);
  await redis.publish(CANCEL_CHANNEL, JSON.stringify({ runId, reason }));
}

/** The reason a cancel was requested for `runId`, or null. */
export async function cancelRequested(redis: Redis, runId: string): Promise<string | null> {
  return redis.get(cancelKey(runId));
}

/**
 * Calls `onCancel` for every cancel request. `subscriber` must be a connection of its own (a
 * subscribed Redis connection cannot run other commands). Returns an unsubscribe function.
 */
export async function onCancelRequests(
  subscriber: Redis,
  onCancel: (runId: string, reason: string) => void,
): Promise<() => Promise<void>> {
  const listener = (channel: string, message: string) => {
    if (channel !== CANCEL_CHANNEL) return;
    try {
      const parsed = JSON.parse(message) as { runId?: unknown; reason?: unknown };
      if (typeof parsed.runId === 'string') onCancel(parsed.runId, String(parsed.reason ?? 'cancelled'));
    } catch {
      // A message that is not ours on our channel: nothing to cancel.
    }
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(CANCEL_CHANNEL);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(CANCEL_CHANNEL);
  };
}
