import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * benchrunner's own Lua commands, beside BullMQ's (which BullMQ keeps in its own scripts). The one
 * module that holds Lua and defines commands on a client: everything else calls the typed functions.
 */

/**
 * Runs ahead of ARGV[1]: its rank among the prioritised runs plus every waiting run without
 * priority (BullMQ starts those first) and every active run; -1 when it is not a prioritised run.
 * One command (one reply to wait for) instead of three.
 */
const LANE_POSITION_LUA = `
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then return -1 end
return rank + redis.call('LLEN', KEYS[2]) + redis.call('LLEN', KEYS[3])
`;

/**
 * Appends ARGV[3..] to the list KEYS[1] while it holds fewer than ARGV[1] lines; the first line that
 * does not fit is replaced by the note ARGV[2], once. Returns the length of the list.
 */
const APPEND_LOG_LUA = `
local n = redis.call('LLEN', KEYS[1])
local max = tonumber(ARGV[1])
if n > max then return n end
local stop = 2 + math.min(#ARGV - 2, max - n)
local i = 3
while i <= stop do
  local j = math.min(i + 99, stop)
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, j))
  i = j + 1
end
if #ARGV > stop then
  redis.call('RPUSH', KEYS[1], ARGV[2])
  return max + 1
end
return n + stop - 2
`;

interface Commands {
  benchrunnerLanePosition(prioritized: string, wait: string, active: string, jobId: string): Promise<number>;
  benchrunnerAppendRunLog(key: string, max: number, note: string, ...lines: string[]): Promise<number>;
}

const COMMANDS: Record<keyof Commands, { numberOfKeys: number; lua: string }> = {
  benchrunnerLanePosition: { numberOfKeys: 3, lua: LANE_POSITION_LUA },
  benchrunnerAppendRunLog: { numberOfKeys: 1, lua: APPEND_LOG_LUA },
};

/**
 * The queue's Redis client with the Lua command `name` defined on it (once per client; ioredis then
 * sends EVALSHA and falls back to EVAL).
 */
async function scriptClient<K extends keyof Commands>(queue: Queue, name: K): Promise<Pick<Commands, K>> {
  // BullMQ's client type lists only the commands BullMQ itself uses; it is an ioredis client.
  const client = (await queue.getBackend().client) as unknown as Redis & Record<string, unknown>;
  if (!client[name]) client.defineCommand(name, COMMANDS[name]);
  return client as unknown as Pick<Commands, K>;
}

/** The position of a prioritised run, or -1 when jobId is not one (not waiting, or not added yet). */
export async function rankedPosition(queue: Queue, jobId: string): Promise<number> {
  const client = await scriptClient(queue, 'benchrunnerLanePosition');
  return client.benchrunnerLanePosition(queue.keys.prioritized!, queue.keys.wait!, queue.keys.active!, jobId);
}

/** Appends `lines` to the list `key` within `max` entries; past it, `note` once. Returns the list's length. */
export async function appendCapped(
  queue: Queue,
  key: string,
  max: number,
  note: string,
  lines: string[],
): Promise<number> {
  const client = await scriptClient(queue, 'benchrunnerAppendRunLog');
  return client.benchrunnerAppendRunLog(key, max, note, ...lines);
}
