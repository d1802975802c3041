import type { Redis } from 'ioredis';

/**
 * Remembers which deliveries were made, durably, so each is made once even across worker restarts
 * and by several workers at once.
 */
export interface DeliveryLog {
  /** True when the caller may deliver `key` now: neither delivered nor being delivered. */
  claim(key: string): Promise<boolean>;
  /** Records `key` as delivered. */
  delivered(key: string): Promise<void>;
  /** Gives a claim up after a failed delivery, so a later call may try again. */
  release(key: string): Promise<void>;
}

/** How long a claim holds while its delivery is in flight (retries included): a crashed worker's claim lapses. */
const CLAIM_MS = 15 * 60_000;
/** How long a delivery is remembered. */
const DELIVERED_MS = 180 * 24 * 3600_000;

/** A {@link DeliveryLog} in Redis: `SET key NX PX` claims, a long TTL remembers (keep Redis persistent). */
export function redisDeliveryLog(redis: Redis, prefix = 'benchrunner:alerts:'): DeliveryLog {
  return {
    async claim(key) {
      return (await redis.set(prefix + key, 'sending', 'PX', CLAIM_MS, 'NX')) === 'OK';
    },
    async delivered(key) {
      await redis.set(prefix + key, 'delivered', 'PX', DELIVERED_MS);
    },
    async release(key) {
      await redis.del(prefix + key);
    },
  };
}
