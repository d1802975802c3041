import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';

/** Bull Board under `basePath`, showing every lane and the publish queue with logs and progress. */
export function boardApp(queues: Queue[], basePath: string) {
  const adapter = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'benchrunner' } },
  });
  adapter.setBasePath(basePath);
  return adapter.registerPlugin();
}
