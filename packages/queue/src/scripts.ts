import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The queue's Redis client with benchrunner's Lua command `name` defined on it (once per client;
 * ioredis then sends EVALSHA and falls back to EVAL). The one place that defines Lua commands.
 */
export async function scriptClient<C>(
  queue: Queue,
  name: string,
  numberOfKeys: number,
  lua: string,
): Promise<C> {
  // BullMQ's client type lists only the commands BullMQ itself uses; it is an ioredis client.
  const client = (await queue.getBackend().client) as unknown as Redis & Record<string, unknown>;
  if (!client[name]) client.defineCommand(name, { numberOfKeys, lua });
  return client as unknown as C;
}
