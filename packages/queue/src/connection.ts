import { UnavailableError } from '@benchrunner/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is required by BullMQ (without it a
 * shared connection throws and the process never exits). `failFast` (for the API) turns off the
 * offline queue, so a request made while Redis is down fails at once instead of hanging.
 */
export function createRedis(url: string, options: { failFast?: boolean; name?: string } = {}): Redis {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: !options.failFast,
    connectionName: options.name,
    // Reconnect forever, backing off up to 2 s: Redis coming back must heal every process.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    lazyConnect: true,
  };
  return new Redis(url, redisOptions);
}

/** Connects and waits until Redis answers, or throws UnavailableError after timeoutMs. */
export async function connectRedis(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
  );
  try {
    if (redis.status === 'wait') await Promise.race([redis.connect(), timeout]);
    await Promise.race([redis.ping(), timeout]);
  } catch (cause) {
    throw new UnavailableError(`Redis at ${redactUrl(url)} is not reachable: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** A Redis URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
