import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';

/** The `<link>` of Bull Board's page that loads its fonts from Google. */
const GOOGLE_FONTS = /<link\b[^>]*\bhref="https:\/\/fonts\.(?:googleapis|gstatic)\.com\/[^"]*"[^>]*>\s*/g;

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
  const app = new Hono();
  // Bull Board's page links its typeface from Google Fonts: a self-hosted board stays on its own
  // server (the page falls back to the system's sans-serif and monospace fonts).
  app.use('*', async (c, next) => {
    await next();
    if (!c.res.headers.get('content-type')?.startsWith('text/html')) return;
    const html = await c.res.text();
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    c.res = new Response(html.replace(GOOGLE_FONTS, ''), { status: c.res.status, headers });
  });
  return app.route(basePath, adapter.registerPlugin());
}
