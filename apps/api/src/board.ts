import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';

/**
 * Bull Board under `basePath`, showing every lane and the publish queue with logs and progress, as an
 * app of its own that answers requests for its full paths (`<basePath>/...`). Mount it with
 * `app.all(basePath + '/*', (c) => board.fetch(c.req.raw, c.env))`, not `app.route`: Bull Board's
 * routes (`/api/queues/:queueName/:jobId/logs` beside `/api/queues/:queueName/:jobId`) are beyond
 * Hono's RegExpRouter, and merged into the API's router they would push every request of the API
 * onto the slower TrieRouter.
 */
export function boardApp(queues: Queue[], basePath: string): Hono {
  const adapter = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'benchrunner' } },
  });
  adapter.setBasePath(basePath);
  return new Hono().route(basePath, adapter.registerPlugin());
}
