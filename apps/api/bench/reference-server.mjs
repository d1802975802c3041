// The reference for the enqueue benchmark: the same stack as POST /runs with nothing of ours in it.
// A Hono app on @hono/node-server whose one route parses the JSON body and calls queue.add with the
// options POST /runs uses, on a plain ioredis connection. No auth, validation, suite check, lane
// position or log line. Run by bench/enqueue.ts with REDIS_URL, PORT and QUEUE set.
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';

const connection = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue(process.env.QUEUE, { connection, prefix: process.env.PREFIX });
const keep = { age: 30 * 24 * 3600, count: 10_000 };

const app = new Hono();
app.post('/runs', async (c) => {
  const data = await c.req.json();
  const id = `r${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
  await queue.add('run', data, {
    jobId: id,
    priority: 1,
    attempts: 1,
    removeOnComplete: keep,
    removeOnFail: keep,
    deduplication: { id: `run-${id}` },
  });
  return c.json({ id, state: 'waiting' }, 202);
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' });
process.on('SIGTERM', () => {
  server.close();
  void queue.close().then(() => connection.disconnect());
});
