import type { Socket } from 'node:net';
import { redactUrl, UnavailableError } from '@benchrunner/core';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is required by BullMQ (without it a
 * shared connection throws and the process never exits). `failFast` (for the API) turns off the
 * offline queue, so a request made while Redis is down fails at once instead of hanging.
 */
export function createRedis(
  url: string,
  options: { failFast?: boolean; name?: string; coalesceWrites?: boolean } = {},
): Redis {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: !options.failFast,
    connectionName: options.name,
    // Reconnect forever, backing off up to 2 s: Redis coming back must heal every process.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    lazyConnect: true,
  };
  const redis = new Redis(url, redisOptions);
  if (options.coalesceWrites) redis.on('connect', () => coalesceWrites(redis.stream as Socket));
  return redis;
}

/**
 * Sends every command written to `socket` in one turn of the event loop with one system call.
 * ioredis writes each command on its own; under load (the API's POST /runs sends two commands per
 * request, and many requests arrive per turn) those writes to loopback cost more than the rest of
 * the Redis client. Corking on the first write of a turn and uncorking in that turn's check phase
 * (setImmediate) batches them like Nagle's algorithm without its delay: the poll phase does not
 * wait while an immediate is pending. Replies and ordering are untouched.
 */
function coalesceWrites(socket: Socket): void {
  const write = socket.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
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

export { redactUrl };
