import type { Redis } from 'ioredis';

/**
 * Remembers which deliveries were made, durably, so each is made once even across worker restarts
 * and by several workers at once.
 */
export interface DeliveryLog {
  /**
   * `claimed`: the caller delivers `key` now; `delivered`: it was delivered before; `in-flight`:
   * another caller is delivering it (or crashed doing so: the claim lapses after a while).
   */
  claim(key: string): Promise<'claimed' | 'delivered' | 'in-flight'>;
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
      if ((await redis.set(prefix + key, 'sending', 'PX', CLAIM_MS, 'NX')) === 'OK') return 'claimed';
      return (await redis.get(prefix + key)) === 'delivered' ? 'delivered' : 'in-flight';
    },
    async delivered(key) {
      await redis.set(prefix + key, 'delivered', 'PX', DELIVERED_MS);
    },
    async release(key) {
      await redis.del(prefix + key);
    },
  };
}
